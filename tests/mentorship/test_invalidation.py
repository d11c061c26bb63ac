"""Which cached pages a mentorship write refreshes: exactly the namespaces of the pages that show
what changed, and none for a write no cached page shows."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mentorship.models import BlockedDate, Booking, Endorsement, ExtraHours, Feedback, Mentor, SessionType
from tests.mentorship.factories import AvailabilityRuleFactory, BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor():
    return MentorFactory(user=ProfileFactory(display_name="Zara Sheikh", visibility="public").user)


@pytest.fixture
def booking(mentor):
    return BookingFactory(session_type=SessionTypeFactory(mentor=mentor), status=Booking.Status.REQUESTED)


def test_requesting_accepting_and_cancelling_a_session_bump_nothing(mentor, bumped):
    # given: a session type (on no cached page)
    with bumped() as created:
        session_type = SessionTypeFactory(mentor=mentor)
    founder = ProfileFactory().user
    # when: a founder requests a session, the mentor accepts, then cancels
    with bumped() as requested:
        pending = BookingFactory(session_type=session_type, mentee=founder, status=Booking.Status.REQUESTED)
    with bumped() as accepted:
        pending.status = Booking.Status.CONFIRMED
        pending.save(update_fields=["status"])
    with bumped() as cancelled:
        pending.status = Booking.Status.CANCELLED
        pending.cancelled_at = timezone.now()
        pending.save()

    # then
    assert (created, requested, accepted, cancelled) == (set(), set(), set(), set())


def test_a_completed_session_bumps_the_mentor_list_only(booking, bumped):
    # when
    with bumped() as seen:
        booking.status = Booking.Status.COMPLETED
        booking.save(update_fields=["status"])

    # then: "sessions held" is on the mentor list, nowhere else cached
    assert seen == {"mentors"}


def test_deleting_a_session_bumps_only_when_it_was_held(booking, bumped):
    held = BookingFactory(
        session_type=booking.session_type, status=Booking.Status.COMPLETED, start=timezone.now() - timedelta(days=3)
    )
    with bumped() as pending_gone:
        Booking.objects.get(pk=booking.pk).delete()
    with bumped() as held_gone:
        Booking.objects.get(pk=held.pk).delete()

    assert (pending_gone, held_gone) == (set(), {"mentors"})


def test_weekly_hours_bump_the_mentor_list_when_their_days_or_times_change(mentor, bumped):
    # (the list's "weekly hours in my day" filter and the suggestions read the times)
    with bumped() as added:
        rule = AvailabilityRuleFactory(mentor=mentor, weekday=2)
    with bumped() as retimed:
        rule.start_time, rule.end_time = time(10), time(12)
        rule.save()
    with bumped() as moved:
        rule.weekday = 3
        rule.save()
    with bumped() as removed:
        rule.delete()

    hours = {"mentors", "mentor-hours"}
    assert (added, retimed, moved, removed) == (hours, hours, hours, hours)


def test_extra_hours_and_blocked_dates_bump_the_mentor_list_for_their_date_only(mentor, bumped):
    today = timezone.now().date()
    with bumped() as extra:
        hours = ExtraHours.objects.create(mentor=mentor, date=today, start_time=time(9), end_time=time(10))
    with bumped() as extra_retimed:
        hours.end_time = time(11)
        hours.save()
    with bumped() as blocked:
        day = BlockedDate.objects.create(mentor=mentor, date=today)
    with bumped() as noted:
        day.note = "Eid"
        day.save()

    assert (extra, extra_retimed, blocked, noted) == ({"mentors"}, set(), {"mentors"}, set())


def test_a_mentors_settings_bump_what_shows_them(mentor, bumped):
    with bumped() as link:
        mentor.meeting_url = "https://meet.example.org/zara"
        mentor.save(update_fields=["meeting_url"])
    with bumped() as link_whole_save:
        mentor.meeting_url = "https://meet.example.org/zara-2"
        mentor.save()
    with bumped() as expertise:
        mentor.expertise = "Hiring engineers"
        mentor.save()
    with bumped() as suspended:
        mentor.status = Mentor.Status.SUSPENDED
        mentor.save(update_fields=["status"])
    with bumped() as suspended_edit:
        mentor.expertise = "Pricing"
        mentor.save()

    # then: the list shows an approved mentor's expertise; a member's page whether they are listed
    assert (link, link_whole_save, expertise, suspended, suspended_edit) == (
        set(), set(), {"mentors"}, {"mentors", "profiles", "mentor-hours"}, set()
    )  # fmt: skip


def test_a_mentor_loaded_without_the_shown_fields_bumps_on_save(mentor, bumped):
    # given: a mentor read with only some fields (what the list showed of them is unknown)
    partial = Mentor.objects.only("pk", "meeting_url").get(pk=mentor.pk)
    with bumped() as seen:
        partial.expertise = "Exports"
        partial.save()  # writes the loaded fields and expertise, not the status

    assert seen == {"mentors"}


def test_the_founders_feedback_bumps_the_mentor_list_the_mentors_does_not(booking, bumped):
    booking.status = Booking.Status.COMPLETED
    booking.save()
    with bumped() as by_founder:
        Feedback.objects.create(booking=booking, author=booking.mentee, rating=4)
    with bumped() as by_mentor:
        Feedback.objects.create(booking=booking, author=booking.mentor.user, rating=5)

    assert (by_founder, by_mentor) == ({"mentors"}, set())


def test_an_endorsement_bumps_the_member_pages(mentor, bumped):
    with bumped() as seen:
        Endorsement.objects.create(mentor=mentor, founder=ProfileFactory().user, text="Ships fast.")

    assert seen == {"profiles"}


def test_renaming_a_session_type_bumps_nothing(mentor, bumped):
    session_type = SessionTypeFactory(mentor=mentor)
    with bumped() as seen:
        SessionType.objects.filter(pk=session_type.pk).get().save()

    assert seen == set()


# --- Each refreshed page still follows the change --------------------------------------------


def visitor_list(client: Client) -> str:
    response = client.get("/mentors/", {"available": "true"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("kind", ["extra-hours", "blocked-date"])
def test_the_visitors_availability_filter_follows_extra_hours_and_blocked_dates(
    mentor, redis_cache, django_capture_on_commit_callbacks, kind
):
    # given: a visitor's cached list of mentors with hours this week
    today = timezone.now().date()
    client = Client()
    if kind == "blocked-date":
        for offset in range(7):
            AvailabilityRuleFactory(mentor=mentor, weekday=(today + timedelta(days=offset)).weekday())
    before = visitor_list(client)
    assert ("Zara Sheikh" in before) is (kind == "blocked-date")
    assert client.get("/mentors/", {"available": "true"})["X-Page-Cache"] == "hit"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        if kind == "extra-hours":
            ExtraHours.objects.create(mentor=mentor, date=today, start_time=time(9), end_time=time(10))
        else:
            for offset in range(7):
                BlockedDate.objects.create(mentor=mentor, date=today + timedelta(days=offset))

    # then
    assert ("Zara Sheikh" in visitor_list(client)) is (kind == "extra-hours")


def test_the_visitors_mentor_list_follows_the_founders_rating(booking, redis_cache, django_capture_on_commit_callbacks):
    booking.status = Booking.Status.COMPLETED
    booking.save()
    client = Client()
    assert "1 session held" in client.get("/mentors/").content.decode()
    assert client.get("/mentors/")["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        Feedback.objects.create(booking=booking, author=booking.mentee, rating=4)

    assert "1 session held · rated 4.0 of 5" in client.get("/mentors/").content.decode()


def test_a_founders_page_shows_a_new_endorsement_to_visitors(mentor, redis_cache, django_capture_on_commit_callbacks):
    # given: the founder's public page, cached for visitors
    founder = ProfileFactory(display_name="Hamza Tariq", visibility="public").user
    client = Client()
    path = f"/members/{founder.pk}/"
    assert "Endorsed by mentors" not in client.get(path).content.decode()
    assert client.get(path)["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        Endorsement.objects.create(mentor=mentor, founder=founder, text="Ships fast and listens.")

    assert "Ships fast and listens." in client.get(path).content.decode()


def test_a_suspended_mentors_page_stops_offering_a_session_to_visitors(
    mentor, redis_cache, django_capture_on_commit_callbacks
):
    client = Client()
    path = f"/members/{mentor.user_id}/"
    assert "Book a session" in client.get(path).content.decode()
    assert client.get(path)["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        mentor.status = Mentor.Status.SUSPENDED
        mentor.save(update_fields=["status"])

    assert "Book a session" not in client.get(path).content.decode()
