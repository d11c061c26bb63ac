"""The watcher every journey runs under (tests/e2e/seams.py) sees each kind of problem it promises to,
on every page a journey opens, and lets a journey say what it expects."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.seams import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = "<!doctype html><html><body style='margin: 0'><div style='width: 900px'>wide</div></body></html>"


def wait_for(page: Page, found) -> None:
    for _ in range(30):  # reports arrive as the browser dispatches them
        if found():
            return
        page.wait_for_timeout(100)


def test_a_script_the_page_did_not_write_is_a_violation(page: Page, live_server, seams):
    page.goto(live_server.url + "/")
    assert seams.problems() == []

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
    }""")
    wait_for(page, lambda: len(seams.csp) >= 2)

    assert page.evaluate("window.ran") is None
    assert [item for item in seams.csp if item.startswith("script-src-elem refused inline")] != []
    assert [item for item in seams.csp if item.startswith("(console)")] != []  # Chromium's own words
    seams.clear()


def test_console_errors_and_uncaught_exceptions_are_seen(page: Page, live_server, seams):
    page.goto(live_server.url + "/")

    page.evaluate("console.error('the map failed to draw')")
    page.evaluate("setTimeout(() => { throw new Error('nobody caught this') })")
    wait_for(page, lambda: len(seams.console) == 2)

    assert seams.console[0].startswith("the map failed to draw at ")
    assert "nobody caught this" in seams.console[1]
    seams.clear()


def test_an_error_status_from_the_site_is_seen_unless_expected(page: Page, live_server, seams):
    page.goto(live_server.url + "/no-such-page/")
    assert seams.requests == [f"GET {live_server.url}/no-such-page/ answered 404"]
    seams.clear()

    seams.expect_status("/no-such-page/", 404)
    page.goto(live_server.url + "/no-such-page/")
    page.goto(live_server.url + "/no-such-page/either/")
    assert seams.requests == [f"GET {live_server.url}/no-such-page/either/ answered 404"]
    seams.clear()


def test_a_failed_request_is_seen(page: Page, live_server, seams):
    page.route(f"{live_server.url}/healthz", lambda route: route.abort("connectionrefused"))
    page.goto(live_server.url + "/")

    page.evaluate("fetch('/healthz').catch(() => null)")
    wait_for(page, lambda: seams.requests)

    assert seams.requests == [f"GET {live_server.url}/healthz failed: net::ERR_CONNECTION_REFUSED"]
    seams.clear()


def test_a_page_wider_than_its_window_is_seen_on_load_and_at_the_end(browser: Browser, live_server, seams):
    # given: pages opened every way a journey opens them, at a phone's width unless asked otherwise
    page = browser.new_page()
    context_page = browser.new_context().new_page()
    assert page.viewport_size == context_page.viewport_size == PHONE
    page.route(f"{live_server.url}/wide/", lambda route: route.fulfill(body=WIDE, content_type="text/html"))

    # when: one loads too wide, the other becomes too wide after it loaded
    page.goto(live_server.url + "/wide/")
    wait_for(page, lambda: seams.overflow)
    context_page.goto(live_server.url + "/")
    context_page.wait_for_timeout(300)  # past the check after loading, which finds it fits
    context_page.evaluate("""() => {
        const wide = document.createElement("div");
        wide.style.width = "1200px";  // the CSSOM, which the policy allows
        wide.textContent = "wide";
        document.body.append(wide);
    }""")
    seams.check_open_pages()

    # then
    assert seams.overflow == [
        f"{live_server.url}/wide/ is 900px wide in a 390px window",
        f"{live_server.url}/wide/ is 900px wide in a 390px window (at the end)",
        f"{live_server.url}/ is 1200px wide in a 390px window (at the end)",
    ]
    assert "3 problem(s) a person would have seen" in seams.report()
    page.close()  # or the check after the test would find them again
    context_page.close()
    seams.clear()
