"""The network app's middleware: each request in the viewer's own time zone, and the session's
two-factor state for access rules and the staff tools."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone


class MemberTimezoneMiddleware:
    """Render every time in the viewer's own zone: the profile's, or the site's default for visitors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = settings.RABTA["DEFAULT_VIEWER_TIMEZONE"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)
            if profile is not None and profile.timezone:
                name = profile.timezone
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionMFAMiddleware:
    """Tell access rules whether this session passed two-factor authentication, and keep staff and
    editors out of their tools (the Django admin, the Wagtail admin) until it has.

    ``request.user.mfa_verified`` is evaluated only when a rule asks (``network.mfa.mfa_verified``).
    Anyone the tools would let in — staff, or a member with Wagtail admin access — who has not turned
    two-factor authentication on, or has not used it in this session, is sent to a page that says
    so and offers to do it, then brings them back. Everyone else goes on to the tool, which decides.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from network.mfa import _LazyCheck

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user.mfa_verified = _LazyCheck(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from network.mfa import mfa_verified
        from network.permissions import uses_staff_tools

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not _is_staff_tool(request.path_info):
            return None
        if not uses_staff_tools(user) or mfa_verified(user):
            return None
        from django.shortcuts import redirect
        from django.utils.http import urlencode

        return redirect(f"{reverse('network:mfa-required')}?{urlencode({'next': request.get_full_path()})}")


def _is_staff_tool(path: str) -> bool:
    """The Django admin and the Wagtail admin, except their sign-out (anyone may leave)."""
    try:
        if path in (reverse("admin:logout"), reverse("wagtailadmin_logout")):
            return False
        return path.startswith((reverse("admin:index"), reverse("wagtailadmin_home")))
    except NoReverseMatch:  # a URL configuration without them
        return False
