"""Calendar files: the .ics download of one booking and the private subscription feed.

The feed lists sessions of the last 90 days onward (by the real clock), so the
bookings here are made at real slots: the mentor has hours every day, and the
slot is looked up with ``mentor_slots``.
"""

from __future__ import annotations

from datetime import UTC, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from mentorship import services
from mentorship.models import Booking
from mentorship.selectors import mentor_slots
from tests.mentorship.factories import AvailabilityRuleFactory, BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

AGENDA = "We are pricing our SaaS product for US customers and need a second opinion."


@pytest.fixture
def mentor(db):
    """Omar in Los Angeles, with hours 00:00–23:00 every day."""
    user = ProfileFactory(
        display_name="Omar Farooq", city="San Francisco", country="US", timezone="America/Los_Angeles"
    ).user
    mentor = MentorFactory(user=user)
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(0), end_time=time(23))
    return mentor


@pytest.fixture
def office_hours(mentor):
    return SessionTypeFactory(mentor=mentor, title="Office hours", requires_approval=False)


@pytest.fixture
def deep_dive(mentor):
    return SessionTypeFactory(mentor=mentor, title="Deep dive", requires_approval=True)


def slot(session_type, days: int):
    """The first free slot at least ``days`` days from now."""
    now = timezone.now()
    return next(
        s.start for s in mentor_slots(session_type=session_type, now=now) if s.start >= now + timedelta(days=days)
    )


def book(mentee, session_type, days: int = 3) -> Booking:
    return services.booking_request(
        mentee=mentee, session_type=session_type, start=slot(session_type, days), agenda=AGENDA
    )


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content).walk("VEVENT")


def utc_stamp(moment) -> bytes:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ").encode()


def assert_event_of(event, booking: Booking, *, status: str) -> None:
    assert str(event["uid"]) == f"{booking.uid}@rabta"
    assert event["sequence"] == booking.sequence
    assert event["dtstart"].to_ical() == utc_stamp(booking.start)
    assert event["dtend"].to_ical() == utc_stamp(booking.end)
    assert event.decoded("dtstart") == booking.start
    assert event.decoded("dtend") == booking.end
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert str(event["organizer"]) == f"mailto:{booking.mentor.user.email}"
    assert str(event["attendee"]) == f"mailto:{booking.mentee.email}"
    assert str(event["status"]) == status


# --- The download of one booking ---------------------------------------------------


@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_a_participant_downloads_the_calendar_file_of_a_confirmed_booking(
    client_for, member, mentor, office_hours, side
):
    # given
    booking = book(member, office_hours)
    viewer = member if side == "mentee" else mentor.user

    # when
    response = client_for(viewer).get(reverse("mentorship:booking-ics", args=[booking.pk]))

    # then
    (event,) = events(response)
    booking.refresh_from_db()
    assert_event_of(event, booking, status="CONFIRMED")
    assert event["organizer"].params["cn"] == "Omar Farooq"
    assert event["attendee"].params["cn"] == "Ayesha Khan"
    assert str(event["summary"]) == "Office hours: Omar Farooq and Ayesha Khan"
    assert str(event["location"]) == booking.meeting_url
    assert str(event["url"]).endswith(f"/sessions/{booking.pk}/")
    assert response["Content-Disposition"] == f'attachment; filename="rabta-session-{booking.pk}.ics"'


def test_a_request_is_tentative_in_the_calendar_file(client_for, member, deep_dive):
    # given
    booking = book(member, deep_dive)

    # when
    response = client_for(member).get(reverse("mentorship:booking-ics", args=[booking.pk]))

    # then
    (event,) = events(response)
    assert_event_of(event, booking, status="TENTATIVE")


def test_an_accepted_request_is_confirmed_with_a_higher_sequence(client_for, member, mentor, deep_dive):
    # given
    booking = book(member, deep_dive)
    services.booking_accept(actor=mentor.user, booking=booking)
    booking.refresh_from_db()

    # when
    response = client_for(member).get(reverse("mentorship:booking-ics", args=[booking.pk]))

    # then
    (event,) = events(response)
    assert event["sequence"] == 1
    assert_event_of(event, booking, status="CONFIRMED")


def test_a_cancelled_booking_downloads_as_cancelled(client_for, member, office_hours):
    # given
    booking = book(member, office_hours)
    services.booking_cancel(actor=member, booking=booking, reason="Ill.")
    booking.refresh_from_db()

    # when
    response = client_for(member).get(reverse("mentorship:booking-ics", args=[booking.pk]))

    # then
    (event,) = events(response)
    assert event["sequence"] == 1
    assert_event_of(event, booking, status="CANCELLED")
    assert [name for name in ("URL", "LOCATION", "DESCRIPTION") if name in event] == []
    assert booking.meeting_url.encode() not in response.content
    assert f"/sessions/{booking.pk}/".encode() not in response.content


def test_the_calendar_file_of_one_booking_asks_for_no_refresh(client_for, member, office_hours):
    # given
    booking = book(member, office_hours)

    # when
    response = client_for(member).get(reverse("mentorship:booking-ics", args=[booking.pk]))

    # then
    calendar = Calendar.from_ical(response.content)
    assert "REFRESH-INTERVAL" not in calendar
    assert "X-PUBLISHED-TTL" not in calendar


def test_the_calendar_file_of_someone_elses_booking_is_not_found(client_for, member, other_member, office_hours):
    # given
    booking = book(member, office_hours)

    # when
    response = client_for(other_member).get(reverse("mentorship:booking-ics", args=[booking.pk]))

    # then
    assert response.status_code == 404


def test_the_calendar_file_needs_a_signed_in_member(client, member, office_hours):
    # given
    booking = book(member, office_hours)
    path = reverse("mentorship:booking-ics", args=[booking.pk])

    # when
    response = client.get(path)

    # then
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


# --- The subscription feed ---------------------------------------------------------


def feed_url(user) -> str:
    return services.calendar_feed_get_or_create(user=user).get_absolute_url()


def test_the_feed_needs_no_sign_in_and_lists_the_members_sessions(client, member, mentor, office_hours, deep_dive):
    # given
    first = book(member, office_hours, days=3)
    second = book(member, deep_dive, days=5)
    someone_elses = book(ProfileFactory().user, office_hours, days=4)

    # when
    response = client.get(feed_url(member))

    # then
    found = events(response)
    assert [str(event["uid"]) for event in found] == [f"{first.uid}@rabta", f"{second.uid}@rabta"]
    assert_event_of(found[0], first, status="CONFIRMED")
    assert_event_of(found[1], second, status="TENTATIVE")
    assert f"{someone_elses.uid}@rabta" not in [str(event["uid"]) for event in found]
    assert response["Cache-Control"] == "private, max-age=300"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Rabta sessions"


def test_the_mentors_feed_lists_the_sessions_they_give(client, member, mentor, office_hours):
    # given
    booking = book(member, office_hours)

    # when
    response = client.get(feed_url(mentor.user))

    # then
    (event,) = events(response)
    assert_event_of(event, booking, status="CONFIRMED")


def test_after_a_move_the_feed_has_one_event_with_the_same_uid_at_the_new_time(client, member, office_hours):
    # given
    booking = book(member, office_hours, days=3)
    new_start = slot(office_hours, days=6)

    # when
    moved = services.booking_reschedule(actor=member, booking=booking, new_start=new_start)
    response = client.get(feed_url(member))

    # then
    (event,) = events(response)
    moved.refresh_from_db()
    assert str(event["uid"]) == f"{booking.uid}@rabta"
    assert event["sequence"] == 1
    assert event["sequence"] > booking.sequence
    assert event.decoded("dtstart") == new_start
    assert_event_of(event, moved, status="CONFIRMED")


def test_a_cancelled_booking_stays_in_the_feed_as_cancelled(client, member, office_hours):
    # given
    booking = book(member, office_hours)
    services.booking_cancel(actor=member, booking=booking, reason="Ill.")
    booking.refresh_from_db()

    # when
    response = client.get(feed_url(member))

    # then
    (event,) = events(response)
    assert_event_of(event, booking, status="CANCELLED")
    assert event["sequence"] == 1
    assert [name for name in ("URL", "LOCATION", "DESCRIPTION") if name in event] == []
    assert booking.meeting_url.encode() not in response.content
    assert AGENDA.encode() not in response.content


def test_the_feed_asks_calendar_apps_to_fetch_it_again_every_hour(client, member, office_hours):
    # given
    book(member, office_hours)

    # when
    response = client.get(feed_url(member))

    # then
    lines = response.content.decode().split("\r\n")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    calendar = Calendar.from_ical(response.content)
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"


def test_a_confirmed_booking_in_the_feed_keeps_its_video_and_session_links(client, member, office_hours):
    # given
    booking = book(member, office_hours)

    # when
    response = client.get(feed_url(member))

    # then
    (event,) = events(response)
    assert str(event["location"]) == booking.meeting_url
    assert str(event["url"]).endswith(f"/sessions/{booking.pk}/")
    assert str(event["description"]).startswith(f"{AGENDA}\n\nVideo: {booking.meeting_url}\nRabta: ")


def test_declined_and_expired_requests_leave_the_feed(client, member, mentor, deep_dive):
    # given
    declined = book(member, deep_dive, days=3)
    services.booking_decline(actor=mentor.user, booking=declined)
    lapsed = book(member, deep_dive, days=4)
    Booking.objects.filter(pk=lapsed.pk).update(status=Booking.Status.EXPIRED)

    # when
    response = client.get(feed_url(member))

    # then
    assert events(response) == []


def test_the_feed_leaves_out_sessions_older_than_90_days(client, member, office_hours):
    # given
    old_start = timezone.now().replace(microsecond=0) - timedelta(days=100)
    recent_start = timezone.now().replace(microsecond=0) - timedelta(days=80)
    BookingFactory(session_type=office_hours, mentee=member, start=old_start, status=Booking.Status.COMPLETED)
    recent = BookingFactory(
        session_type=office_hours, mentee=member, start=recent_start, status=Booking.Status.COMPLETED
    )

    # when
    response = client.get(feed_url(member))

    # then
    (event,) = events(response)
    assert_event_of(event, recent, status="CONFIRMED")


def test_a_revoked_feed_address_is_not_found_and_the_new_one_works(client, member, office_hours):
    # given
    booking = book(member, office_hours)
    old_url = feed_url(member)
    new_url = services.calendar_feed_revoke(user=member).get_absolute_url()

    # when
    old_response = client.get(old_url)
    new_response = client.get(new_url)

    # then
    assert old_url != new_url
    assert old_response.status_code == 404
    (event,) = events(new_response)
    assert_event_of(event, booking, status="CONFIRMED")


@pytest.mark.parametrize("token", ["wrong-token", "x" * 43, ""])
def test_a_wrong_feed_token_is_not_found(client, member, office_hours, token):
    # given
    book(member, office_hours)
    feed_url(member)

    # when
    response = client.get(f"/calendar/{token}.ics")

    # then
    assert response.status_code == 404


def test_the_feed_of_a_deactivated_member_is_not_found(client, member, office_hours):
    # given
    book(member, office_hours)
    url = feed_url(member)
    member.is_active = False
    member.save()

    # when
    response = client.get(url)

    # then
    assert response.status_code == 404
