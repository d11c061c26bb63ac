"""Calendar files (RFC 5545) for bookings, built with the icalendar library.

Every booking keeps one UID across reschedules; SEQUENCE grows with each
change, and a cancelled booking is published with STATUS:CANCELLED, so
calendar apps update or remove the event instead of adding a second one.
Times are written in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from mentorship.models import Booking

STATUS = {
    Booking.Status.REQUESTED: "TENTATIVE",
    Booking.Status.CONFIRMED: "CONFIRMED",
    Booking.Status.COMPLETED: "CONFIRMED",
    Booking.Status.NO_SHOW: "CONFIRMED",
}


def _address(user, role: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.display_name)
    if role == "attendee":
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("ACCEPTED")
    return address


def booking_event(booking: Booking) -> Event:
    event = Event()
    event.add("uid", f"{booking.uid}@rabta")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add(
        "summary",
        f"{booking.session_type.title}: {booking.mentor.user.display_name} and {booking.mentee.display_name}",
    )
    status = STATUS.get(booking.status, "CANCELLED")
    # A cancelled session's calendar entry stays (so apps remove it) but carries no way into the
    # video room or the session page: the entry may sit in shared calendars long after.
    if status != "CANCELLED":
        link = f"{settings.SITE_URL}{booking.get_absolute_url()}"
        event.add("description", f"{booking.agenda}\n\nVideo: {booking.meeting_url}\nRabta: {link}")
        if booking.meeting_url:
            event.add("location", booking.meeting_url)
        event.add("url", link)
    event.add("organizer", _address(booking.mentor.user, "organizer"))
    event.add("attendee", _address(booking.mentee, "attendee"))
    event.add("status", status)
    return event


def calendar_for(bookings: Iterable[Booking], *, name: str, refresh_every: timedelta | None = None) -> bytes:
    """The calendar of ``bookings``; a subscription feed passes ``refresh_every``, how often calendar
    apps should fetch it again (RFC 7986 REFRESH-INTERVAL, and X-PUBLISHED-TTL for Outlook and others)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Rabta//Mentoring sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if refresh_every is not None:
        calendar.add("refresh-interval", refresh_every, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh_every))
    for booking in bookings:
        calendar.add_component(booking_event(booking))
    return calendar.to_ical()
