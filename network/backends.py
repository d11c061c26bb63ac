"""The site's authentication backends: Django's and allauth's, loading a signed-in member together
with their profile.

Every signed-in request reads the member's profile (the time zone each page is shown in, the
header's "Mentoring" link), and Django's backends load the member alone, so every page began
with two queries where one does: measured with py-spy under load on 3 December 2026, the
second query was 11 % of a signed-in worker's time.

A session records the path of the backend that signed it in, and Django keeps only sessions
whose backend is still listed in ``AUTHENTICATION_BACKENDS``: migration
``network.0016_sessions_signed_in_by_the_site_backends`` moved the sessions signed in under
Django's and allauth's paths to these. The old paths are not listed beside the new ones: Django
tries every listed backend on a wrong password, so each would hash it once more. What that costs
during a rollout across several machines, and before a rollback, is in docs/security.md.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import backends, get_user_model


class _WithProfile:
    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        user = await get_user_model()._default_manager.select_related("profile").filter(pk=user_id).afirst()
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_WithProfile, backends.ModelBackend):
    """Django's: the email address and password (the Django admin's form, ``Client.login``)."""


class AuthenticationBackend(_WithProfile, AllauthBackend):
    """allauth's: sign-in by email address, passkeys, codes."""
