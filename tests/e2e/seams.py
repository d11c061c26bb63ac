"""What a person would see go wrong in a journey, gathered from every page of every browser context.

``Seams`` watches each context a journey opens (``browser.new_context``, ``browser.new_page`` and
pytest-playwright's ``page``): console errors and uncaught exceptions, Content-Security-Policy
violations (the ``securitypolicyviolation`` event, from an init script in every frame, and
Chromium's console message for the same), requests that failed, responses of 400 and more from
the site, and pages wider than their window — after every load and again when the test ends.
A journey that expects one of these says so: ``seams.expect_status("/deals/", 403)``,
``seams.allow_console(…)``, ``seams.expect_failed_request(…)``; ``seams.clear()`` forgets what was
seen so far (after a step that provokes a refusal on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Error

# A phone's width (an iPhone 12 to 15 held upright): most members arrive on one.
PHONE = {"width": 390, "height": 844}

# Every server a journey talks to runs on this machine (the live server, the ASGI server of the
# session room), so "the site" is any of these hosts.
SITE_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

INIT_SCRIPT = """
(() => {
  const report = (kind, detail) => {
    try { window.__seamsReport(kind, detail); } catch (error) { /* the binding is not there yet */ }
  };
  window.addEventListener("securitypolicyviolation", (event) => {
    const where = event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : "";
    report("csp", `${event.effectiveDirective} refused ${event.blockedURI || "inline"} on ${location.href}${where}`);
  }, true);
  if (window.top === window) {
    window.addEventListener("load", () => setTimeout(() => {
      const width = document.documentElement.scrollWidth;
      if (width > window.innerWidth) {
        report("overflow", `${location.href} is ${width}px wide in a ${window.innerWidth}px window`);
      }
    }, 100));
  }
})();
"""

OVERFLOW_NOW = "[document.documentElement.scrollWidth, window.innerWidth, location.href]"


@dataclass
class Seams:
    """The problems seen so far, by kind, and what the journey said it expects."""

    csp: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list, repr=False)
    _statuses: list[tuple[str, int]] = field(default_factory=list, repr=False)
    _failures: list[str] = field(default_factory=list, repr=False)
    _console_allowed: list[str] = field(default_factory=list, repr=False)

    def expect_status(self, path: str, status: int) -> None:
        """A response of ``status`` for ``path`` (the URL's path, exactly) is part of the journey."""
        self._statuses.append((path, status))

    def expect_failed_request(self, url_part: str) -> None:
        """A request to a URL containing ``url_part`` may fail (to a server the journey stops, say)."""
        self._failures.append(url_part)

    def allow_console(self, text_part: str) -> None:
        """A console error containing ``text_part`` is expected."""
        self._console_allowed.append(text_part)

    def problems(self) -> list[str]:
        return [
            *(f"CSP violation: {item}" for item in self.csp),
            *(f"console: {item}" for item in self.console),
            *(f"request: {item}" for item in self.requests),
            *(f"overflow: {item}" for item in self.overflow),
        ]

    def clear(self) -> None:
        for kind in (self.csp, self.console, self.requests, self.overflow):
            kind.clear()

    # --- listeners -----------------------------------------------------------------------------

    def watch(self, context) -> None:
        self.contexts.append(context)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        context.expose_binding("__seamsReport", self._on_report)
        context.add_init_script(INIT_SCRIPT)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.console.append(f"uncaught {error.error}"))
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)

    def _on_report(self, source, kind: str, detail: str) -> None:
        (self.csp if kind == "csp" else self.overflow).append(detail)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        # The response listener sees these, with the journey's expectations.
        if text.startswith("Failed to load resource: the server responded with a status of"):
            return
        if any(part in text for part in self._console_allowed):
            return
        if "Content Security Policy" in text:
            # The event listener reports the same violation; the console's wording says more.
            self.csp.append(f"(console) {text}")
            return
        self.console.append(f"{text} at {message.location.get('url')}")

    def _on_request_failed(self, request) -> None:
        # Aborted by the browser itself: a page left while loading, a search superseded by the next
        # keystroke, a file handed to the downloads. Nothing a person sees fails.
        if request.failure == "net::ERR_ABORTED":
            return
        if any(part in request.url for part in self._failures):
            return
        self.requests.append(f"{request.method} {request.url} failed: {request.failure}")

    def _on_response(self, response) -> None:
        if response.status < 400 or urlsplit(response.url).hostname not in SITE_HOSTS:
            return
        path = urlsplit(response.url).path
        if (path, response.status) in self._statuses:
            return
        self.requests.append(f"{response.request.method} {response.url} answered {response.status}")

    def check_open_pages(self) -> None:
        """Pages still open when the journey ends must fit their window as they are now."""
        for context in self.contexts:
            for page in context.pages:
                if page.is_closed() or page.url.startswith("about:"):
                    continue
                try:
                    width, window, url = page.evaluate(OVERFLOW_NOW)
                except Error:
                    continue  # navigating or closing as the test ends
                if width > window:
                    self.overflow.append(f"{url} is {width}px wide in a {window}px window (at the end)")

    def report(self) -> str:
        problems = self.problems()
        lines = "\n  ".join(dict.fromkeys(problems))  # the same problem once
        return f"{len(problems)} problem(s) a person would have seen:\n  {lines}"
