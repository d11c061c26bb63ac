"""What both sides of a session are told when a request lapses or a session is held: sentences that
name the session and the other person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorship import services
from mentorship.models import Booking
from network.models import Notification
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_hours():
    mentor = MentorFactory(user=ProfileFactory(display_name="Omar Farooq").user)
    return SessionTypeFactory(mentor=mentor, title="Office hours")


@pytest.fixture
def mentee():
    return ProfileFactory(display_name="Ayesha Khan").user


def told(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__profile__display_name", "message"))


def test_a_lapsed_request_tells_both_sides_whom_and_what_it_was_for(office_hours, mentee):
    # given
    now = timezone.now()
    booking = BookingFactory(
        session_type=office_hours, mentee=mentee, status=Booking.Status.REQUESTED, created_at=now - timedelta(days=3)
    )

    # when
    expired = services.booking_expire(booking_id=booking.pk, now=now)

    # then
    assert expired is True
    assert told("mentorship.booking.expire") == [
        (
            "Ayesha Khan",
            "The request for Office hours with Omar Farooq expired without an answer; its time is free again.",
        ),
        (
            "Omar Farooq",
            "The request for Office hours with Ayesha Khan expired without an answer; its time is free again.",
        ),
    ]


def test_a_held_session_asks_each_side_for_feedback_on_the_other(office_hours, mentee):
    # given
    start = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    booking = BookingFactory(session_type=office_hours, mentee=mentee, start=start)

    # when
    services.booking_complete(actor=None, booking=booking)

    # then
    assert told("mentorship.booking.complete") == [
        ("Ayesha Khan", "How did Office hours with Omar Farooq go? Leave them your feedback."),
        ("Omar Farooq", "How did Office hours with Ayesha Khan go? Leave them your feedback."),
    ]
