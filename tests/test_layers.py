"""Dependencies point one way (docs/architecture.md): ``core`` imports none of the apps; each app
imports only those below it; nothing the product runs imports the development tools. Every import
counts, at the top of a module or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each package, and the first-party packages it may import.
LAYERS = {
    "core": set(),
    "network": {"core"},
    "ledger": {"core", "network"},
    "mentorship": {"core", "network", "ledger"},
    "investments": {"core", "network", "ledger", "mentorship"},
    "cms": {"core", "network", "ledger", "mentorship", "investments"},
    "devtools": {"core", "network", "ledger", "mentorship", "investments", "cms", "config"},
}
FIRST_PARTY = set(LAYERS) | {"config", "tests"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & FIRST_PARTY


def modules_of(package: str) -> list[Path]:
    return sorted(path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts)


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_a_package_imports_only_the_layers_below_it(package):
    # given every module of the package (each package has some)
    modules = modules_of(package)
    assert modules

    # when their imports are read
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules
        for name in imported_packages(path) - LAYERS[package] - {package}
    }

    # then none reaches up (or into the tests)
    assert wrong == set()


def test_configuration_does_not_import_the_development_tools():
    wrong = {str(path.relative_to(ROOT)) for path in modules_of("config") if "devtools" in imported_packages(path)}

    assert wrong == set()
