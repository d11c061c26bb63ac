"""Browser journeys: Debian's Chromium driven by Playwright against a live server.

Playwright's sync API runs an event loop in the test thread; the test's own
ORM calls are synchronous and safe there, so Django's async guard is relaxed
for these tests only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest

from tests.e2e.seams import PHONE, Seams

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
def seams(browser, monkeypatch) -> Iterator[Seams]:
    """Every context the journey opens is watched (tests/e2e/seams.py) and opens at a phone's width
    unless the journey asks for another; a journey a person would have seen go wrong fails."""
    watcher = Seams()
    new_context = browser.new_context

    def watched_context(**kwargs):
        kwargs.setdefault("viewport", PHONE)
        context = new_context(**kwargs)
        watcher.watch(context)
        return context

    def watched_page(**kwargs):
        # Browser.new_page's page owns its context: closing the page closes it.
        context = watched_context(**kwargs)
        page = context.new_page()
        page.on("close", lambda _: context.close())
        return page

    monkeypatch.setattr(browser, "new_context", watched_context)
    monkeypatch.setattr(browser, "new_page", watched_page)
    yield watcher
    for context in watcher.contexts:
        # pytest-playwright has closed its own by now; closing one twice is refused.
        with contextlib.suppress(Exception):
            context.close()


@pytest.fixture
def demo(media_root, monkeypatch):
    """``manage.py seed_demo``, its story pictures under a temporary MEDIA_ROOT that the site's media
    route serves too (config/urls.py binds the folder when it is imported)."""
    import importlib
    import io

    from django.apps import apps as django_apps
    from django.core.management import call_command

    from config import urls

    for pattern in urls.urlpatterns:
        if "document_root" in getattr(pattern, "default_args", {}):
            monkeypatch.setitem(pattern.default_args, "document_root", media_root)
    # The sectors and languages a migration seeds are gone once an earlier live-server test flushed.
    importlib.import_module("network.migrations.0002_seed_taxonomies").seed(django_apps, None)
    call_command("seed_demo", stdout=io.StringIO())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # After the journey's own steps and before any teardown closes its pages: a failure of the
    # test itself, not an error in a fixture.
    result = yield
    watcher = item.funcargs.get("seams")
    if watcher is not None:
        watcher.check_open_pages()
        assert not watcher.problems(), watcher.report()
    return result
