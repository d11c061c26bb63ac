"""Signed-in sessions for tests that talk to a server over the network (browsers, WebSocket clients)."""

from __future__ import annotations

import time

from django.conf import settings
from django.test import Client


def sign_in(client: Client, user, *, mfa: bool | None = None) -> Client:
    """Sign ``client`` in as ``user`` the way allauth's sign-in would leave the session.

    The session records a password sign-in and, when the account has two-factor authentication on
    (or ``mfa=True``), the code typed after it. ``mfa=False`` leaves a session that never used it:
    one signed in before the authenticator was added, say.
    """
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
    from allauth.mfa.utils import is_mfa_enabled

    client.force_login(user)
    now = time.time()
    records = [{"method": "password", "at": now, "email": user.email}]
    if mfa if mfa is not None else is_mfa_enabled(user):
        records.append({"method": "mfa", "at": now, "type": "totp"})
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client


def totp_code(secret: str | None = None, *, offset: int = 0) -> str:
    """The code an authenticator app shows now (``offset`` periods later or earlier)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.network.factories import TOTP_SECRET

    return format_hotp_value(hotp_value(secret or TOTP_SECRET, int(time.time()) // 30 + offset))


def session_cookie_value(user, *, mfa: bool | None = None) -> str:
    """The session cookie's value for a fresh signed-in session of ``user``."""
    client = sign_in(Client(), user, mfa=mfa)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_cookie_header(user) -> str:
    """``sessionid=…``, ready for a Cookie header."""
    return f"{settings.SESSION_COOKIE_NAME}={session_cookie_value(user)}"


def signed_in_page(browser, base: str, user, *, mfa: bool | None = None):
    """A new browser context signed in as ``user`` (see ``sign_in`` for ``mfa``), and a page in it."""
    context = browser.new_context()
    cookie = session_cookie_value(user, mfa=mfa)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return context.new_page()
