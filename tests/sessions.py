"""Signed-in sessions for tests that talk to a server over the network (browsers, WebSocket clients)."""

from __future__ import annotations

from django.conf import settings
from django.test import Client


def session_cookie_value(user) -> str:
    """The session cookie's value for a fresh signed-in session of ``user``."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_cookie_header(user) -> str:
    """``sessionid=…``, ready for a Cookie header."""
    return f"{settings.SESSION_COOKIE_NAME}={session_cookie_value(user)}"


def signed_in_page(browser, base: str, user):
    """A new browser context signed in as ``user``, and a page in it."""
    context = browser.new_context()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie_value(user), "url": base}])
    return context.new_page()
