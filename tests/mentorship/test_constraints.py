"""The database itself refuses double bookings, whatever the code above it does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from mentorship.models import Booking
from tests.mentorship.factories import BookingFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def test_two_active_bookings_cannot_start_together_with_one_mentor():
    # given
    first = BookingFactory()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(session_type=first.session_type, start=first.start)
    assert Booking.objects.count() == 1


def test_a_cancelled_booking_frees_its_start():
    first = BookingFactory(status=Booking.Status.CANCELLED)

    second = BookingFactory(session_type=first.session_type, start=first.start)

    assert second.status == Booking.Status.CONFIRMED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only")
def test_postgresql_refuses_any_overlap_per_mentor_and_per_mentee():
    # given: 10:00–11:00
    first = BookingFactory()

    # when / then: 10:30–11:30 with the same mentor
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(session_type=first.session_type, start=first.start + timedelta(minutes=30))
    # …and 10:30–11:30 for the same founder with another mentor
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(
            session_type=SessionTypeFactory(), mentee=first.mentee, start=first.start + timedelta(minutes=30)
        )
    # back to back is fine
    BookingFactory(session_type=first.session_type, mentee=ProfileFactory().user, start=first.end)
    assert Booking.objects.count() == 2


def test_a_booking_cannot_be_moved_more_often_than_its_cap():
    # given
    booking = BookingFactory(reschedule_count=2, reschedule_cap=2)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(reschedule_count=3)
    booking.refresh_from_db()
    assert (booking.reschedule_count, booking.reschedule_cap) == (2, 2)


def test_a_session_type_allows_at_most_ten_moves():
    # given
    session_type = SessionTypeFactory(reschedule_cap=10)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        type(session_type).objects.filter(pk=session_type.pk).update(reschedule_cap=11)
    session_type.refresh_from_db()
    assert session_type.reschedule_cap == 10
