"""Browser journeys: Debian's Chromium driven by Playwright against a live server.

Playwright's sync API runs an event loop in the test thread; the test's own
ORM calls are synchronous and safe there, so Django's async guard is relaxed
for these tests only.
"""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        # Fail, never skip: the journeys are part of the suite.
        pytest.fail(f"Chromium is missing at {CHROMIUM}; install Debian's chromium package.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _short_timeouts(page):
    # A journey step that has not happened within 10 s will not happen.
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)
