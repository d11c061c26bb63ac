"""Signing in as a demo account the way a person does, for the benchmarks and ``manage.py demo_code``.

Demo accounts with two-factor authentication (staff, editors, the story reviewer, the seeded
investors) share one published TOTP secret, ``DEMO_TOTP_SECRET``: add it to any authenticator app,
or print the current code with ``manage.py demo_code``.
"""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

DEMO_PASSWORD = "rabta-demo-2026"  # noqa: S105 - published in the README for the demo accounts
# Published in the README: the TOTP secret of every demo account with two-factor authentication.
DEMO_TOTP_SECRET = "RABTADEMORABTADEMORABTADEMO23456"  # noqa: S105
TOTP_PERIOD = 30


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The code an authenticator app shows for ``secret`` now (or ``offset`` periods away)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD + offset))


def account_totp_secret(user) -> str | None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return decrypt(authenticator.data["secret"]) if authenticator else None


def sign_in(email: str, *, password: str = DEMO_PASSWORD, client: Client | None = None) -> Client:
    """A client signed in through allauth's pages: the password, then, where the account has TOTP,
    the current code (or the next one, if the current was used in the last minute and a half)."""
    from django.conf import settings

    from network.models import User

    # As a browser would arrive in production: on an allowed host, over HTTPS where it is required.
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    request = {"secure": bool(getattr(settings, "SECURE_SSL_REDIRECT", False)), "headers": {"host": host}}
    client = client or Client()
    response = client.post(reverse("account_login"), {"login": email, "password": password}, **request)
    if response.status_code != 302:
        raise RuntimeError(f"Signing in as {email} failed ({response.status_code}).")
    if response["Location"].startswith(reverse("mfa_authenticate")):
        secret = account_totp_secret(User.objects.get(email__iexact=email))
        for offset in (0, 1):
            code = totp_code(secret, offset=offset)
            response = client.post(reverse("mfa_authenticate"), {"code": code}, **request)
            if response.status_code == 302:
                break
        else:
            raise RuntimeError(f"The authenticator code for {email} was refused.")
    return client
