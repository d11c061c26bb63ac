"""My sessions and the mentor list, made from fragments shared between members: a booking, a
mentor's hours or a session type changed by anyone shows at once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mentorship.models import Booking
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor(redis_cache):
    return MentorFactory(user=ProfileFactory(display_name="Ayesha Malik").user)


def test_a_new_booking_shows_on_the_mentors_sessions_at_once(mentor, client_for, django_capture_on_commit_callbacks):
    # given: the mentor looked at their sessions
    client = client_for(mentor.user)
    assert "No upcoming sessions." in client.get("/sessions/").content.decode()

    # when: a founder books them
    founder = ProfileFactory(display_name="Hamza Tariq").user
    with django_capture_on_commit_callbacks(execute=True):
        BookingFactory(session_type=SessionTypeFactory(mentor=mentor, title="Pricing"), mentee=founder)

    # then
    page = client.get("/sessions/").content.decode()
    assert "with Hamza Tariq (you mentor)" in page


def test_a_cancelled_session_leaves_the_founders_upcoming_list(mentor, client_for, django_capture_on_commit_callbacks):
    # given
    booking = BookingFactory(session_type=SessionTypeFactory(mentor=mentor, title="Pricing"))
    client = client_for(booking.mentee)
    assert "Confirmed" in client.get("/sessions/").content.decode()

    # when: the mentor cancels (whatever the way: here the model itself)
    with django_capture_on_commit_callbacks(execute=True):
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save()

    # then
    assert "No upcoming sessions." in client.get("/sessions/").content.decode()


def test_a_renamed_session_type_shows_at_once(mentor, client_for, django_capture_on_commit_callbacks):
    session_type = SessionTypeFactory(mentor=mentor, title="Pricing")
    booking = BookingFactory(session_type=session_type)
    client = client_for(booking.mentee)
    assert "Pricing" in client.get("/sessions/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        session_type.title = "Pricing for export"
        session_type.save()

    assert "Pricing for export" in client.get("/sessions/").content.decode()


def test_a_member_sees_a_mentors_new_name_on_the_mentor_list_at_once(
    mentor, client_for, django_capture_on_commit_callbacks
):
    client = client_for(ProfileFactory().user)
    assert "Ayesha Malik" in client.get("/mentors/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        profile = mentor.user.profile
        profile.display_name = "Ayesha Malik Khan"
        profile.save()

    assert "Ayesha Malik Khan" in client.get("/mentors/").content.decode()
