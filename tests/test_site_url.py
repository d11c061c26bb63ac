"""bin/site-url: the SITE_URL that bin/run-dev and bin/run-prod (so `make run` and `make prod`) use."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bin" / "site-url"


def _site_url(**env: str) -> str:
    clean = {name: value for name, value in os.environ.items() if name not in {"HOST", "PORT", "SITE_URL"}}
    result = subprocess.run([str(SCRIPT)], env={**clean, **env}, capture_output=True, text=True, check=True)  # noqa: S603
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, "http://localhost:8000", id="defaults"),
        pytest.param({"PORT": "8101"}, "http://localhost:8101", id="another-port"),
        pytest.param({"HOST": "0.0.0.0", "PORT": "9000"}, "http://localhost:9000", id="every-address"),  # noqa: S104
        pytest.param({"HOST": "::1"}, "http://localhost:8000", id="ipv6-loopback"),
        pytest.param({"HOST": "rabta.lan", "PORT": "8101"}, "http://rabta.lan:8101", id="a-name"),
        pytest.param({"HOST": "fe80::1"}, "http://[fe80::1]:8000", id="ipv6-address"),
        pytest.param({"SITE_URL": "https://rabta.pk/", "PORT": "8101"}, "https://rabta.pk", id="set"),
    ],
)
def test_site_url_follows_host_and_port_unless_set(env, expected):
    assert _site_url(**env) == expected


def test_the_development_and_production_runners_export_it():
    root = SCRIPT.parent
    for runner in ("run-dev", "run-prod"):
        text = (root / runner).read_text()
        assert 'SITE_URL="$(bin/site-url)"' in text, runner
        assert "export SITE_URL" in text, runner
    makefile = (root.parent / "Makefile").read_text()
    assert 'export SITE_URL="$$(bin/site-url)"' in makefile
