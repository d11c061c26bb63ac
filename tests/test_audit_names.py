"""Audit event names: ``app.entity.verb``, each written by the code listed in docs/architecture.md, so a
reader of the trail can look any entry up."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("network", "mentorship", "investments", "cms", "ledger")
EVENT = re.compile(r"""\bevent="([a-z_.]+)\"""")


def events_in_code() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).is_dir() else ():
            if "migrations" in path.parts:
                continue
            for name in EVENT.findall(path.read_text()):
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_event_name_has_an_app_an_entity_and_a_verb():
    events = events_in_code()

    assert len(events) > 50
    assert sorted(name for name in events if not re.fullmatch(r"[a-z]+\.[a-z_]+\.[a-z_]+", name)) == []


def test_docs_list_every_event_the_code_writes():
    documented = (ROOT / "docs" / "architecture.md").read_text()

    missing = sorted(name for name in events_in_code() if f"`{name}`" not in documented)

    assert missing == []
