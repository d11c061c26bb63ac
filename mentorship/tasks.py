"""Background work of mentorship: reminders, request expiry, completion.

Each task is safe to run twice (a retry, a worker that died): a reminder is sent once per
recipient, booking version and hour (``email_send_once``); expiry and completion check the
booking's state first."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string

from mentorship.models import Booking
from network.delivery import email_send_once


@task
def send_booking_reminder(booking_id: int, expected_start: str, expected_sequence: int, hours_before: int) -> bool:
    """Remind both sides. Sends nothing if the booking was cancelled, moved or changed since."""
    booking = (
        Booking.objects.select_related("mentor__user__profile", "mentee__profile", "session_type")
        .filter(pk=booking_id)
        .first()
    )
    if (
        booking is None
        or booking.status != Booking.Status.CONFIRMED
        or booking.start != datetime.fromisoformat(expected_start)
        or booking.sequence != expected_sequence
    ):
        return False
    sent = False
    for recipient, other, tz in (
        (booking.mentee, booking.mentor.user, booking.mentee_timezone),
        (booking.mentor.user, booking.mentee, booking.mentor.timezone),
    ):
        context = {
            "booking": booking,
            "recipient": recipient,
            "other": other,
            "tz": tz,
            "hours_before": hours_before,
            "link": f"{settings.SITE_URL}{booking.get_absolute_url()}",
        }
        message = EmailMessage(
            subject=render_to_string("mentorship/email/reminder_subject.txt", context).strip(),
            body=render_to_string("mentorship/email/reminder.txt", context),
            to=[recipient.email],
        )
        key = f"reminder:{booking.pk}:{booking.sequence}:{hours_before}:{recipient.pk}"
        sent = email_send_once(key=key, message=message) or sent
    return sent


@task
def expire_booking_request(booking_id: int) -> bool:
    from mentorship.services import booking_expire

    return booking_expire(booking_id=booking_id)


@task
def complete_booking(booking_id: int) -> bool:
    """Sessions nobody marked are taken as held some hours after their end."""
    from django.core.exceptions import ValidationError

    from mentorship.services import booking_complete

    booking = Booking.objects.filter(pk=booking_id, status=Booking.Status.CONFIRMED).first()
    if booking is None:
        return False
    try:
        booking_complete(actor=None, booking=booking)
    except ValidationError:
        return False
    return True


@task
def expire_overdue_requests() -> int:
    """Expire every booking request left unanswered past its time: a net under the task queued
    for each one."""
    from django.utils import timezone

    from mentorship.selectors import request_ttl
    from mentorship.services import booking_expire

    overdue = Booking.objects.filter(status=Booking.Status.REQUESTED, created_at__lte=timezone.now() - request_ttl())
    return sum(booking_expire(booking_id=pk) for pk in overdue.values_list("pk", flat=True)[:1000])


@task
def refresh_next_free_slots() -> int:
    """The mentor list's "next free" of mentors whose answer is out of date (a change, or time)."""
    from mentorship.services import mentor_next_free_refresh_due

    return mentor_next_free_refresh_due()
