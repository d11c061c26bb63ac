from __future__ import annotations

import zoneinfo

from django.conf import settings
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
