"""Two-factor authentication of the *session*, not only of the account.

An account with TOTP or a passkey turned on may still hold a session that never used it (a session
signed in before the authenticator was added, say). The deal room, the vetting queue and the staff
and editors' tools ask for more: the member has two-factor authentication on *and* used it in this
session — at sign-in (a code, a recovery code or a passkey), when confirming their access again
with it, or by turning it on in this very session (which proves the authenticator is in their hand).

``SessionMFAMiddleware`` puts the answer on ``request.user`` as ``mfa_verified`` (lazily: a page
that never asks costs nothing), as django-otp does with ``is_verified``, so access rules keep taking
a user and stay usable by views, services and consumers alike.
"""

from __future__ import annotations

from django.http import HttpRequest

# Set when an authenticator is added in this session (allauth records sign-in and re-authentication
# by code itself, but not the code typed to turn TOTP on).
ADDED_IN_SESSION_KEY = "rabta.mfa_added_for"


def session_passed_mfa(request: HttpRequest) -> bool:
    """Whether the signed-in member has two-factor authentication on and used it in this session."""
    from allauth.account.authentication import get_authentication_records
    from allauth.mfa.utils import is_mfa_enabled

    user = request.user
    if not user.is_authenticated or not is_mfa_enabled(user):
        return False
    if any(record.get("method") == "mfa" for record in get_authentication_records(request, user)):
        return True
    return request.session.get(ADDED_IN_SESSION_KEY) == str(user.pk)


def mfa_verified(user) -> bool:
    """For access rules: two-factor authentication on and used in the session ``user`` came with.

    A user that did not come from a request (a task, a shell) has no session; then the account must
    at least have two-factor authentication turned on.
    """
    check = getattr(user, "mfa_verified", None)
    if check is None:
        from allauth.mfa.utils import is_mfa_enabled

        return bool(user and user.is_authenticated and is_mfa_enabled(user))
    return bool(check)


class _LazyCheck:
    """Truthy when the session passed MFA; asks the database only when first used."""

    __slots__ = ("_request", "_value")

    def __init__(self, request: HttpRequest):
        self._request = request
        self._value = None

    def __bool__(self) -> bool:
        if self._value is None:
            self._value = session_passed_mfa(self._request)
        return self._value

    def __repr__(self) -> str:
        return f"<mfa_verified {bool(self)}>"


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    """Typing a valid code to turn TOTP on (or registering a passkey) proves possession in this session."""
    from allauth.mfa.models import Authenticator

    if request is not None and authenticator.type in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN):
        request.session[ADDED_IN_SESSION_KEY] = str(user.pk)
