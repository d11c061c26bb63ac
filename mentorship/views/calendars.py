"""Calendar files: one session's, and the private subscription feed with its settings page."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from mentorship import selectors, services
from mentorship.calendar import calendar_for
from mentorship.permissions import (
    access_booking,
)

# How often calendar apps are asked to fetch the feed again.
FEED_REFRESH_EVERY = timedelta(hours=1)


@login_required
@require_GET
def booking_ics(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    response = HttpResponse(calendar_for([booking], name="Rabta session"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rabta-session-{booking.pk}.ics"'
    return response


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private subscription feed. The token is the only credential: calendar apps send no cookies."""
    feed = selectors.calendar_feed_get(token=token)
    if feed is None:
        raise Http404
    bookings = selectors.calendar_feed_bookings(user=feed.user, since=timezone.now() - timedelta(days=90))
    response = HttpResponse(
        calendar_for(bookings, name="Rabta sessions", refresh_every=FEED_REFRESH_EVERY),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.calendar_feed_revoke(user=request.user)
        messages.success(request, _("A new private address was made. The old one no longer works."))
        return redirect("mentorship:calendar-settings")
    feed = services.calendar_feed_get_or_create(user=request.user)
    return render(
        request,
        "mentorship/calendar_settings.html",
        # The address calendar apps keep for good: the public origin, not the host this request named.
        {"feed_url": f"{settings.SITE_URL}{feed.get_absolute_url()}"},
    )
