"""Pages of the mentorship app: the access ladder of every URL, bad input on every form, query counts.

Anonymous visitors are sent to sign in (or see the public mentor pages and the
token-protected feed); a member who is not part of a booking gets 404 on it;
only the mentor answers, marks and endorses; nothing changes on a refusal.

Pages use the real clock, so bookings sit at real slots: the mentor has hours
00:00–23:00 every day and slots are looked up with ``mentor_slots``.
"""

from __future__ import annotations

import html
import re
from datetime import time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone

from core.pagecache import bump_pages
from mentorship import services, urls
from mentorship.models import (
    AvailabilityRule,
    BlockedDate,
    Booking,
    CalendarFeed,
    Endorsement,
    ExtraHours,
    Feedback,
    Mentor,
    RoomMessage,
    SessionNotes,
    SessionType,
)
from mentorship.selectors import mentor_slots
from mentorship.views.times import START_FORMAT, week_of
from network.models import AuditEntry, Language, Notification, Sector, User
from tests.mentorship.factories import AvailabilityRuleFactory, BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

AGENDA = "We are pricing our SaaS product for US customers and need a second opinion."


def text(response) -> str:
    return html.unescape(response.content.decode())


def login_url(path: str) -> str:
    return f"/accounts/login/?next={path}"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def snapshot() -> dict:
    """Everything a page of the mentorship app could change."""
    return {
        "mentors": sorted(Mentor.objects.values_list("pk", "status", "timezone", "expertise", "meeting_url")),
        "session_types": sorted(
            SessionType.objects.values_list("pk", "title", "duration_minutes", "is_active", "requires_approval")
        ),
        "rules": sorted(AvailabilityRule.objects.values_list("pk", "weekday", "start_time", "end_time")),
        "extra": sorted(ExtraHours.objects.values_list("pk", "date", "start_time", "end_time")),
        "blocked": sorted(BlockedDate.objects.values_list("pk", "date", "note")),
        "bookings": sorted(
            Booking.objects.values_list(
                "pk",
                "status",
                "start",
                "sequence",
                "responded_at",
                "cancel_reason",
                "decline_reason",
                "reschedule_count",
                "rescheduled_by",
            )
        ),
        "feedback": sorted(Feedback.objects.values_list("pk", "booking_id", "author_id", "rating")),
        "endorsements": sorted(Endorsement.objects.values_list("pk", "founder_id", "text")),
        "feeds": sorted(CalendarFeed.objects.values_list("pk", "token")),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "room_messages": sorted(RoomMessage.objects.values_list("pk", "body")),
        "notes": sorted(SessionNotes.objects.values_list("pk", "text", "version")),
    }


def slot(session_type, days: float):
    """The first free slot at least ``days`` days from now."""
    now = timezone.now()
    return next(
        s.start for s in mentor_slots(session_type=session_type, now=now) if s.start >= now + timedelta(days=days)
    )


def token(moment) -> str:
    return moment.strftime(START_FORMAT)


def make_mentor(display_name: str = "Omar Farooq", **profile_fields) -> Mentor:
    """A listed mentor in Los Angeles with hours 00:00–23:00 every day (public, as mentors are by default)."""
    profile_fields.setdefault("visibility", "public")
    user = ProfileFactory(
        display_name=display_name,
        city="San Francisco",
        country="US",
        timezone="America/Los_Angeles",
        is_mentor=True,
        **profile_fields,
    ).user
    mentor = MentorFactory(user=user)
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(0), end_time=time(23))
    return mentor


@pytest.fixture
def world(member, other_member, third_member):
    """Ayesha (a founder) has sessions with Omar (a mentor); Bilal is a member who is part of none of them."""
    mentor = make_mentor()
    office_hours = SessionTypeFactory(mentor=mentor, title="Office hours", requires_approval=False)
    deep_dive = SessionTypeFactory(mentor=mentor, title="Deep dive", requires_approval=True)
    booking = services.booking_request(
        mentee=member, session_type=office_hours, start=slot(office_hours, 3), agenda=AGENDA
    )
    request = services.booking_request(mentee=member, session_type=deep_dive, start=slot(deep_dive, 4), agenda=AGENDA)
    now = timezone.now().replace(microsecond=0)
    ended = BookingFactory(session_type=office_hours, mentee=member, start=now - timedelta(hours=3))
    held = BookingFactory(
        session_type=office_hours, mentee=member, start=now - timedelta(days=2), status=Booking.Status.COMPLETED
    )
    free = slot(office_hours, 5)
    feed = services.calendar_feed_get_or_create(user=member)
    return SimpleNamespace(
        member=member,
        stranger=other_member,
        third=third_member,
        mentor=mentor,
        office_hours=office_hours,
        deep_dive=deep_dive,
        booking=booking,
        request=request,
        ended=ended,
        held=held,
        free=free,
        free_token=token(free),
        feed=feed,
    )


def session_type_data(**overrides) -> dict:
    data = {
        "title": "Pitch review",
        "description": "",
        "duration_minutes": "45",
        "requires_approval": "on",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "min_notice_hours": "12",
        "horizon_days": "56",
        "cancel_window_hours": "24",
        "reschedule_window_hours": "24",
        "reschedule_cap": "2",
        "weekly_cap": "",
        "per_mentee_cap": "2",
        "location": "room",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# --- The ladder: anonymous visitors --------------------------------------------------

ROOM_MESSAGE = {"client_id": "0b6f1c1e-7d1c-4a43-9a57-3f1f3c1d2e4f", "body": "Mischief."}

# (method, url name, arguments from the world, data to post)
SIGNED_IN_ONLY = [
    ("get", "mentorship:booking-create", lambda w: [w.mentor.pk, w.office_hours.pk, w.free_token], None),
    ("post", "mentorship:booking-create", lambda w: [w.mentor.pk, w.office_hours.pk, w.free_token], {"agenda": AGENDA}),
    ("get", "mentorship:mentor-dashboard", lambda w: [], None),
    ("get", "mentorship:mentor-settings", lambda w: [], None),
    ("post", "mentorship:mentor-settings", lambda w: [], {"timezone": "Europe/London", "expertise": "Hiring"}),
    ("get", "mentorship:mentor-availability", lambda w: [], None),
    ("post", "mentorship:mentor-availability", lambda w: [], {"kind": "blocked", "blocked-date": "2030-01-01"}),
    ("get", "mentorship:session-type-list", lambda w: [], None),
    ("get", "mentorship:session-type-create", lambda w: [], None),
    ("post", "mentorship:session-type-create", lambda w: [], session_type_data()),
    ("get", "mentorship:session-type-edit", lambda w: [w.office_hours.pk], None),
    ("post", "mentorship:session-type-edit", lambda w: [w.office_hours.pk], session_type_data(title="Hacked")),
    ("get", "mentorship:booking-list", lambda w: [], None),
    ("get", "mentorship:booking-detail", lambda w: [w.booking.pk], None),
    ("post", "mentorship:booking-accept", lambda w: [w.request.pk], {}),
    ("post", "mentorship:booking-decline", lambda w: [w.request.pk], {"reason": "No."}),
    ("post", "mentorship:booking-cancel", lambda w: [w.booking.pk], {"reason": "Mischief."}),
    ("post", "mentorship:booking-complete", lambda w: [w.ended.pk], {}),
    ("post", "mentorship:booking-no-show", lambda w: [w.ended.pk], {}),
    ("get", "mentorship:booking-reschedule", lambda w: [w.booking.pk, w.free_token], None),
    ("post", "mentorship:booking-reschedule", lambda w: [w.booking.pk, w.free_token], {}),
    ("post", "mentorship:feedback-create", lambda w: [w.held.pk], {"rating": "1"}),
    ("post", "mentorship:review-update", lambda w: [w.held.pk], {"action": "share"}),
    ("post", "mentorship:endorsement-create", lambda w: [w.held.pk], {"text": "A sharp founder indeed."}),
    ("get", "mentorship:booking-ics", lambda w: [w.booking.pk], None),
    ("get", "mentorship:booking-room", lambda w: [w.ended.pk], None),
    ("post", "mentorship:booking-room-message", lambda w: [w.ended.pk], ROOM_MESSAGE),
    ("post", "mentorship:booking-room-notes", lambda w: [w.ended.pk], {"version": "0", "text": "Mischief."}),
    ("get", "mentorship:calendar-settings", lambda w: [], None),
    ("post", "mentorship:calendar-settings", lambda w: [], {}),
]

PUBLIC = ["mentorship:mentor-list", "mentorship:mentor-detail", "mentorship:calendar-feed"]


def all_url_names() -> set[str]:
    return {f"mentorship:{pattern.name}" for pattern in urls.urlpatterns if isinstance(pattern, URLPattern)}


def test_the_ladder_covers_every_url_of_the_mentorship_app():
    # given
    names = all_url_names()

    # then
    assert {name for _method, name, _args, _data in SIGNED_IN_ONLY} | set(PUBLIC) == names
    assert set(PUBLIC).isdisjoint(name for _method, name, _args, _data in SIGNED_IN_ONLY)


@pytest.mark.parametrize(
    ("method", "name", "args", "data"),
    SIGNED_IN_ONLY,
    ids=[f"{method}-{name.split(':')[1]}" for method, name, _a, _d in SIGNED_IN_ONLY],
)
def test_anonymous_visitor_is_sent_to_sign_in_and_nothing_changes(client, world, method, name, args, data):
    # given
    path = reverse(name, args=args(world))
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path, data)

    # then
    assert response.status_code == 302
    assert response.url == login_url(path)
    assert snapshot() == before


def test_anonymous_visitor_sees_the_mentor_list(client, world):
    # when
    response = client.get("/mentors/")

    # then
    assert response.status_code == 200
    assert [mentor.pk for mentor in response.context["page"]] == [world.mentor.pk]
    assert "Omar Farooq" in text(response)
    assert "Become a mentor" not in text(response)


def test_anonymous_visitor_sees_a_mentor_and_is_asked_to_sign_in_to_book(client, world):
    # given
    path = f"/mentors/{world.mentor.pk}/"

    # when
    response = client.get(path, {"type": world.office_hours.pk, "week": 1})

    # then
    assert response.status_code == 200
    assert response.context["can_book"] is False
    assert response.context["chosen"] == world.office_hours
    assert response.context["days"]
    page = text(response)
    assert "Omar Farooq" in page
    assert "/accounts/login/?next=" in page
    assert "/book/" not in page


def test_anonymous_visitor_reads_a_calendar_feed_by_its_token(client, world):
    # when
    response = client.get(f"/calendar/{world.feed.token}.ics")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


@pytest.mark.parametrize("status", [Mentor.Status.PENDING, Mentor.Status.SUSPENDED])
def test_an_unlisted_mentors_page_is_not_found(client, client_for, world, status):
    # given
    world.mentor.status = status
    world.mentor.save()

    # when
    anonymous = client.get(f"/mentors/{world.mentor.pk}/")
    signed_in = client_for(world.stranger).get(f"/mentors/{world.mentor.pk}/")

    # then
    assert anonymous.status_code == 404
    assert signed_in.status_code == 404


def test_a_deactivated_mentors_page_is_not_found(client, world):
    # given
    world.mentor.user.is_active = False
    world.mentor.user.save()

    # when
    response = client.get(f"/mentors/{world.mentor.pk}/")

    # then
    assert response.status_code == 404


# --- The ladder: a member who is not part of the booking ----------------------------

BOOKING_URLS = [
    ("get", "mentorship:booking-detail", lambda w: [w.booking.pk], None),
    ("post", "mentorship:booking-accept", lambda w: [w.request.pk], {}),
    ("post", "mentorship:booking-decline", lambda w: [w.request.pk], {"reason": "No."}),
    ("post", "mentorship:booking-cancel", lambda w: [w.booking.pk], {"reason": "Mischief."}),
    ("post", "mentorship:booking-complete", lambda w: [w.ended.pk], {}),
    ("post", "mentorship:booking-no-show", lambda w: [w.ended.pk], {}),
    ("get", "mentorship:booking-reschedule", lambda w: [w.booking.pk, w.free_token], None),
    ("post", "mentorship:booking-reschedule", lambda w: [w.booking.pk, w.free_token], {}),
    ("post", "mentorship:feedback-create", lambda w: [w.held.pk], {"rating": "1", "comment": "Bad."}),
    ("post", "mentorship:review-update", lambda w: [w.held.pk], {"action": "share"}),
    ("post", "mentorship:endorsement-create", lambda w: [w.held.pk], {"text": "A sharp founder indeed."}),
    ("get", "mentorship:booking-ics", lambda w: [w.booking.pk], None),
    ("get", "mentorship:booking-room", lambda w: [w.ended.pk], None),
    ("post", "mentorship:booking-room-message", lambda w: [w.ended.pk], ROOM_MESSAGE),
    ("post", "mentorship:booking-room-notes", lambda w: [w.ended.pk], {"version": "0", "text": "Mischief."}),
]


def test_the_booking_ladder_covers_every_booking_url():
    # given
    booking_names = {
        f"mentorship:{pattern.name}"
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("sessions/<id:pk>/")
    }

    # then
    assert {name for _method, name, _args, _data in BOOKING_URLS} == booking_names


@pytest.mark.parametrize(
    ("method", "name", "args", "data"),
    BOOKING_URLS,
    ids=[f"{method}-{name.split(':')[1]}" for method, name, _a, _d in BOOKING_URLS],
)
def test_a_member_outside_the_booking_gets_404_and_nothing_changes(client_for, world, method, name, args, data):
    # given
    client = client_for(world.stranger)
    path = reverse(name, args=args(world))
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path, data)

    # then
    assert response.status_code == 404
    assert snapshot() == before


def test_a_member_outside_the_booking_cannot_pick_a_new_time_for_it(client_for, world):
    # when
    response = client_for(world.stranger).get(f"/mentors/{world.mentor.pk}/", {"reschedule": world.booking.pk})

    # then
    assert response.status_code == 404


def test_a_staff_member_outside_the_booking_gets_404_too(client_for, world):
    # given
    world.stranger.is_staff = True
    world.stranger.save()

    # when
    response = client_for(world.stranger).get(f"/sessions/{world.booking.pk}/")

    # then
    assert response.status_code == 404


def test_a_booking_that_does_not_exist_is_not_found(client_for, world):
    # when
    response = client_for(world.member).get("/sessions/999999/")

    # then
    assert response.status_code == 404


# --- The ladder: only the mentor answers, marks and endorses ------------------------

MENTOR_ONLY_ACTIONS = [
    ("mentorship:booking-accept", lambda w: w.request, {}, 403),
    ("mentorship:booking-decline", lambda w: w.request, {"reason": "No."}, 403),
    ("mentorship:booking-complete", lambda w: w.ended, {}, 403),
    ("mentorship:booking-no-show", lambda w: w.ended, {}, 403),
    ("mentorship:endorsement-create", lambda w: w.held, {"text": "I endorse myself, warmly."}, 404),
]


@pytest.mark.parametrize(
    ("name", "target", "data", "status"),
    MENTOR_ONLY_ACTIONS,
    ids=[name.split(":")[1] for name, _t, _d, _s in MENTOR_ONLY_ACTIONS],
)
def test_the_mentee_cannot_do_what_only_the_mentor_may(client_for, world, name, target, data, status):
    # given
    client = client_for(world.member)
    before = snapshot()

    # when
    response = client.post(reverse(name, args=[target(world).pk]), data)

    # then
    assert response.status_code == status
    assert snapshot() == before


def test_the_mentor_accepts_a_request(client_for, world):
    # when
    response = client_for(world.mentor.user).post(f"/sessions/{world.request.pk}/accept/")

    # then
    assert response.status_code == 302
    assert response.url == f"/sessions/{world.request.pk}/"
    assert messages_of(response) == ["The session is confirmed."]
    world.request.refresh_from_db()
    assert world.request.status == Booking.Status.CONFIRMED


def test_the_mentor_declines_a_request_with_a_reason(client_for, world):
    # when
    response = client_for(world.mentor.user).post(
        f"/sessions/{world.request.pk}/decline/", {"reason": "Travelling that week."}
    )

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["You declined the request."]
    world.request.refresh_from_db()
    assert (world.request.status, world.request.decline_reason) == ("declined", "Travelling that week.")


def test_answering_a_request_twice_shows_a_message_and_changes_nothing(client_for, world):
    # given
    client = client_for(world.mentor.user)
    client.post(f"/sessions/{world.request.pk}/accept/", follow=True)  # its message is read on the next page
    before = snapshot()

    # when
    response = client.post(f"/sessions/{world.request.pk}/decline/")

    # then
    assert response.status_code == 302
    assert response.url == f"/sessions/{world.request.pk}/"
    assert messages_of(response) == ["This request has already been answered."]
    assert snapshot() == before


def test_the_mentor_marks_an_ended_session_held(client_for, world):
    # when
    response = client_for(world.mentor.user).post(f"/sessions/{world.ended.pk}/held/")

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["Marked as held. Thank you!"]
    world.ended.refresh_from_db()
    assert world.ended.status == Booking.Status.COMPLETED


def test_marking_a_future_session_held_shows_a_message_and_changes_nothing(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post(f"/sessions/{world.booking.pk}/held/")

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["A session can be marked as held once it has ended."]
    assert snapshot() == before


def test_the_mentor_records_a_no_show(client_for, world):
    # when
    response = client_for(world.mentor.user).post(f"/sessions/{world.ended.pk}/no-show/")

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["The no-show was recorded."]
    world.ended.refresh_from_db()
    assert world.ended.status == Booking.Status.NO_SHOW


def test_a_no_show_before_the_start_shows_a_message_and_changes_nothing(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post(f"/sessions/{world.booking.pk}/no-show/")

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["A no-show can be recorded only for a confirmed session that has started."]
    assert snapshot() == before


def test_the_mentor_endorses_the_founder_after_a_held_session(client_for, world):
    # when
    response = client_for(world.mentor.user).post(
        f"/sessions/{world.held.pk}/endorse/", {"text": "A sharp founder who listens."}
    )

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["Your endorsement is on the founder's profile."]
    endorsement = Endorsement.objects.get()
    assert (endorsement.mentor, endorsement.founder, endorsement.text) == (
        world.mentor,
        world.member,
        "A sharp founder who listens.",
    )


def test_a_founder_is_endorsed_once_the_form_goes_and_a_second_endorsement_is_refused(client_for, world):
    # given
    mentor = client_for(world.mentor.user)
    mentor.post(f"/sessions/{world.held.pk}/endorse/", {"text": "A sharp founder who listens."})

    # when
    page = text(mentor.get(f"/sessions/{world.held.pk}/"))
    again = mentor.post(f"/sessions/{world.held.pk}/endorse/", {"text": "Still a sharp founder."})

    # then: the page and the service apply the same rule
    assert "Publish endorsement" not in page
    assert messages_of(again) == ["You have already endorsed this founder."]
    assert list(Endorsement.objects.values_list("text", flat=True)) == ["A sharp founder who listens."]


def test_an_endorsement_without_a_held_session_shows_a_message_and_changes_nothing(client_for, world):
    # given
    Booking.objects.filter(pk=world.held.pk).update(status=Booking.Status.CANCELLED)
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post(
        f"/sessions/{world.booking.pk}/endorse/", {"text": "A sharp founder who listens."}
    )

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["You can endorse a founder after at least one completed session with them."]
    assert snapshot() == before


# --- The ladder: a member who is not a mentor on the mentor's own pages -------------

MENTOR_PAGES = [
    ("get", "mentorship:mentor-availability", lambda w: [], None),
    ("post", "mentorship:mentor-availability", lambda w: [], {"kind": "blocked", "blocked-date": "2030-01-01"}),
    ("get", "mentorship:session-type-list", lambda w: [], None),
    ("get", "mentorship:session-type-create", lambda w: [], None),
    ("post", "mentorship:session-type-create", lambda w: [], session_type_data()),
    ("get", "mentorship:session-type-edit", lambda w: [w.office_hours.pk], None),
    ("post", "mentorship:session-type-edit", lambda w: [w.office_hours.pk], session_type_data(title="Hacked")),
]


def test_the_mentor_pages_ladder_covers_every_mentor_page():
    # given: every page under /mentoring/ but the settings page, where one becomes a mentor, and the
    # dashboard, which sends a member who is not a mentor yet to the settings page
    names = {
        f"mentorship:{pattern.name}"
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("mentoring/")
    }

    # then
    assert {name for _m, name, _a, _d in MENTOR_PAGES} == names - {
        "mentorship:mentor-settings",
        "mentorship:mentor-dashboard",
    }


def test_the_mentoring_link_of_a_member_who_ticked_mentor_leads_to_setting_up_as_a_mentor(client_for, world):
    # given: the profile says "I mentor founders", but there is no mentor record yet
    world.stranger.profile.is_mentor = True
    world.stranger.profile.save(update_fields=["is_mentor"])
    client = client_for(world.stranger)
    before = snapshot()

    # when
    home = client.get("/dashboard/")
    response = client.get("/mentoring/", follow=True)

    # then
    assert '<a href="/mentoring/">Mentoring</a>' in home.content.decode()
    assert response.redirect_chain == [("/mentoring/settings/", 302)]
    assert response.status_code == 200
    assert "<h1>Become a mentor</h1>" in text(response)
    assert messages_of(response) == ["Set up your mentor profile first: your time zone, expertise and video link."]
    assert snapshot() == before


def test_the_mentoring_link_of_a_signed_out_visitor_asks_to_sign_in(client):
    # when
    response = client.get("/mentoring/")

    # then
    assert (response.status_code, response.url) == (302, login_url("/mentoring/"))


@pytest.mark.parametrize(
    ("method", "name", "args", "data"),
    MENTOR_PAGES,
    ids=[f"{method}-{name.split(':')[1]}" for method, name, _a, _d in MENTOR_PAGES],
)
def test_a_member_who_is_not_a_mentor_gets_404_on_mentor_pages(client_for, world, method, name, args, data):
    # given
    client = client_for(world.stranger)
    path = reverse(name, args=args(world))
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path, data)

    # then
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_mentor_cannot_edit_another_mentors_session_type(client_for, world, method):
    # given
    other_mentor = make_mentor("Zara Sheikh")
    client = client_for(other_mentor.user)
    path = f"/mentoring/session-types/{world.office_hours.pk}/"
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path, session_type_data(title="Hacked"))

    # then
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("mentorship:mentor-dashboard", []),
        ("mentorship:mentor-availability", []),
        ("mentorship:session-type-list", []),
        ("mentorship:session-type-create", []),
        ("mentorship:mentor-settings", []),
    ],
)
def test_the_mentor_sees_their_own_pages(client_for, world, name, args):
    # when
    response = client_for(world.mentor.user).get(reverse(name, args=args))

    # then
    assert response.status_code == 200


def test_a_pending_mentor_sees_their_dashboard_with_a_notice(client_for, world):
    # given
    world.mentor.status = Mentor.Status.PENDING
    world.mentor.save()

    # when
    response = client_for(world.mentor.user).get("/mentoring/")

    # then
    assert response.status_code == 200
    assert "Staff are reviewing your mentor profile." in text(response)


# --- Methods -------------------------------------------------------------------------

POST_ONLY = [
    ("mentorship:booking-accept", lambda w: [w.request.pk]),
    ("mentorship:booking-decline", lambda w: [w.request.pk]),
    ("mentorship:booking-cancel", lambda w: [w.booking.pk]),
    ("mentorship:booking-complete", lambda w: [w.ended.pk]),
    ("mentorship:booking-no-show", lambda w: [w.ended.pk]),
    ("mentorship:feedback-create", lambda w: [w.held.pk]),
    ("mentorship:review-update", lambda w: [w.held.pk]),
    ("mentorship:endorsement-create", lambda w: [w.held.pk]),
    ("mentorship:booking-room-message", lambda w: [w.ended.pk]),
    ("mentorship:booking-room-notes", lambda w: [w.ended.pk]),
]


@pytest.mark.parametrize(("name", "args"), POST_ONLY, ids=[n.split(":")[1] for n, _a in POST_ONLY])
def test_get_on_a_post_only_endpoint_is_not_allowed(client_for, world, name, args):
    # given
    client = client_for(world.mentor.user)
    before = snapshot()

    # when
    response = client.get(reverse(name, args=args(world)))

    # then
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert snapshot() == before


GET_ONLY = [
    ("mentorship:mentor-list", lambda w: []),
    ("mentorship:mentor-detail", lambda w: [w.mentor.pk]),
    ("mentorship:booking-list", lambda w: []),
    ("mentorship:booking-detail", lambda w: [w.booking.pk]),
    ("mentorship:booking-ics", lambda w: [w.booking.pk]),
    ("mentorship:mentor-dashboard", lambda w: []),
    ("mentorship:session-type-list", lambda w: []),
    ("mentorship:calendar-feed", lambda w: [w.feed.token]),
    ("mentorship:booking-room", lambda w: [w.ended.pk]),
]


@pytest.mark.parametrize(("name", "args"), GET_ONLY, ids=[n.split(":")[1] for n, _a in GET_ONLY])
def test_post_on_a_read_only_page_is_not_allowed(client_for, world, name, args):
    # given
    client = client_for(world.mentor.user)
    before = snapshot()

    # when
    response = client.post(reverse(name, args=args(world)), {})

    # then
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert snapshot() == before


def test_the_methods_ladder_covers_every_url():
    # given: form pages take GET and POST; everything else is in one of the two lists
    form_pages = {
        "mentorship:booking-create",
        "mentorship:booking-reschedule",
        "mentorship:mentor-settings",
        "mentorship:mentor-availability",
        "mentorship:session-type-create",
        "mentorship:session-type-edit",
        "mentorship:calendar-settings",
    }

    # then
    assert {n for n, _a in POST_ONLY} | {n for n, _a in GET_ONLY} | form_pages == all_url_names()


@pytest.mark.parametrize(
    "path",
    ["/mentoring/settings/", "/mentoring/hours/", "/mentoring/session-types/new/", "/calendar/"],
)
def test_delete_on_a_form_page_is_not_allowed(client_for, world, path):
    # when
    response = client_for(world.mentor.user).delete(path)

    # then
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


# --- Booking -------------------------------------------------------------------------


def booking_path(world, start_token=None, session_type=None) -> str:
    session_type = session_type or world.office_hours
    return f"/mentors/{world.mentor.pk}/book/{session_type.pk}/{start_token or world.free_token}/"


def test_the_booking_form_shows_the_time_in_both_zones(client_for, world):
    # when
    response = client_for(world.stranger).get(booking_path(world))

    # then
    assert response.status_code == 200
    assert response.context["start_viewer"] == world.free
    assert str(response.context["start_viewer"].tzinfo) == "Asia/Karachi"
    assert str(response.context["start_mentor"].tzinfo) == "America/Los_Angeles"
    assert "Confirmed at once." in text(response)


def test_booking_a_free_time_confirms_it(client_for, world):
    # when
    response = client_for(world.stranger).post(booking_path(world), {"agenda": AGENDA})

    # then
    booking = Booking.objects.get(mentee=world.stranger)
    assert response.status_code == 302
    assert response.url == f"/sessions/{booking.pk}/"
    assert messages_of(response) == ["Your session is booked and confirmed."]
    assert (booking.start, booking.status, booking.agenda) == (world.free, Booking.Status.CONFIRMED, AGENDA)
    assert booking.mentee_timezone == "Asia/Karachi"  # Bilal's profile zone


def test_booking_an_approved_type_sends_a_request(client_for, world):
    # when
    response = client_for(world.stranger).post(booking_path(world, session_type=world.deep_dive), {"agenda": AGENDA})

    # then
    booking = Booking.objects.get(mentee=world.stranger)
    assert response.status_code == 302
    assert messages_of(response) == ["Your request was sent. The mentor has 48 hours to accept."]
    assert booking.status == Booking.Status.REQUESTED


@pytest.mark.parametrize(
    ("agenda", "error"),
    [
        ("Help!", "Ensure this value has at least 10 characters (it has 5)."),
        ("", "This field is required."),
        ("          ", "This field is required."),
    ],
    ids=["short", "empty", "blank"],
)
def test_booking_with_a_too_short_agenda_shows_the_error_and_saves_nothing(client_for, world, agenda, error):
    # given
    before = snapshot()

    # when
    response = client_for(world.stranger).post(booking_path(world), {"agenda": agenda})

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"agenda": [error]}
    assert error in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("bad_token", ["tomorrow", "20261301T0900Z", "2026-12-01T09:00Z", "20261201T0900"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_booking_with_a_bad_start_in_the_url_is_not_found(client_for, world, bad_token, method):
    # given
    client = client_for(world.stranger)
    path = booking_path(world, start_token=bad_token)
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path, {"agenda": AGENDA})

    # then
    assert response.status_code == 404
    assert snapshot() == before


def test_the_request_message_names_the_answer_window_the_site_sets(client_for, world, settings):
    # given
    settings.RABTA = {**settings.RABTA, "BOOKING_REQUEST_TTL_HOURS": 24}

    # when
    response = client_for(world.stranger).post(booking_path(world, session_type=world.deep_dive), {"agenda": AGENDA})

    # then
    assert messages_of(response) == ["Your request was sent. The mentor has 24 hours to accept."]


def test_booking_a_time_that_is_not_a_slot_shows_the_error_and_saves_nothing(client_for, world):
    # given: a minute past a slot
    before = snapshot()
    off_grid = token(world.free + timedelta(minutes=1))

    # when
    response = client_for(world.stranger).post(booking_path(world, start_token=off_grid), {"agenda": AGENDA})

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["This time is not available for booking."]
    assert snapshot() == before


def test_booking_a_time_already_taken_sends_back_to_the_mentors_times(client_for, world):
    # given: Ayesha's confirmed session holds this time
    before = snapshot()

    # when
    response = client_for(world.stranger).post(
        booking_path(world, start_token=token(world.booking.start)), {"agenda": AGENDA}
    )

    # then
    assert response.status_code == 302
    week = week_of(ZoneInfo("Asia/Karachi"), world.booking.start)
    assert response.url == f"/mentors/{world.mentor.pk}/?type={world.office_hours.pk}&week={week}"
    assert messages_of(response) == ["This time was just taken by someone else. Please choose another time."]
    assert snapshot() == before


def test_the_mentor_cannot_book_themself(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post(booking_path(world), {"agenda": AGENDA})

    # then
    assert response.status_code == 302
    assert response.url == f"/mentors/{world.mentor.pk}/"
    assert messages_of(response) == ["You cannot book a session with yourself."]
    assert snapshot() == before


def test_booking_a_closed_session_type_is_not_found(client_for, world):
    # given
    world.office_hours.is_active = False
    world.office_hours.save()
    before = snapshot()

    # when
    response = client_for(world.stranger).post(booking_path(world), {"agenda": AGENDA})

    # then
    assert response.status_code == 404
    assert snapshot() == before


def test_booking_another_mentors_session_type_is_not_found(client_for, world):
    # given
    other_type = SessionTypeFactory(mentor=make_mentor("Zara Sheikh"))
    before = snapshot()

    # when
    response = client_for(world.stranger).post(booking_path(world, session_type=other_type), {"agenda": AGENDA})

    # then
    assert response.status_code == 404
    assert snapshot() == before


# --- A booking's page, cancel, move ---------------------------------------------------


@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_a_participant_sees_the_booking(client_for, world, side):
    # given
    viewer = world.member if side == "mentee" else world.mentor.user

    # when
    response = client_for(viewer).get(f"/sessions/{world.booking.pk}/")

    # then
    assert response.status_code == 200
    assert response.context["booking"] == world.booking
    assert response.context["is_mentor"] is (side == "mentor")
    assert AGENDA in text(response)
    assert world.booking.meeting_url in text(response)


@pytest.mark.parametrize("side", ["mentee", "mentor"])
@pytest.mark.parametrize("which", ["request", "booking", "ended", "held", "cancelled", "moved"])
def test_a_booking_page_renders_in_every_state_for_both_sides(client_for, world, side, which):
    # given
    if which == "cancelled":
        services.booking_cancel(actor=world.member, booking=world.booking, reason="Ill.")
        target = world.booking
    elif which == "moved":
        target = services.booking_reschedule(actor=world.member, booking=world.booking, new_start=world.free)
    else:
        target = getattr(world, which)
    viewer = world.member if side == "mentee" else world.mentor.user

    # when
    response = client_for(viewer).get(f"/sessions/{target.pk}/")

    # then
    assert response.status_code == 200
    page = text(response)
    target.refresh_from_db()
    assert target.get_status_display() in page
    assert ("Answer the request" in page) is (which == "request" and side == "mentor")
    assert ("After the session" in page) is (which == "ended" and side == "mentor")
    assert ("Your feedback" in page) is (which == "held")
    assert ("Publish endorsement" in page) is (which == "held" and side == "mentor")
    assert ("Earlier times" in page) is (which == "moved")
    assert ("Cancel session" in page) is (which in {"request", "booking", "moved"})


def test_the_mentee_cancels_with_a_reason(client_for, world):
    # when
    response = client_for(world.member).post(f"/sessions/{world.booking.pk}/cancel/", {"reason": "Ill."})

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["The session was cancelled."]
    world.booking.refresh_from_db()
    assert (world.booking.status, world.booking.cancel_reason) == ("cancelled", "Ill.")


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}], ids=["missing", "empty", "blank"])
def test_cancelling_without_a_reason_shows_a_message_and_changes_nothing(client_for, world, data):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(f"/sessions/{world.booking.pk}/cancel/", data)

    # then
    assert response.status_code == 302
    assert response.url == f"/sessions/{world.booking.pk}/"
    assert messages_of(response) == ["Say briefly why you cancel; the other side will read it."]
    assert snapshot() == before


def test_the_mentee_confirms_a_move_page_then_moves(client_for, world):
    # given
    client = client_for(world.member)
    path = f"/sessions/{world.booking.pk}/move/{world.free_token}/"

    # when
    page = client.get(path)
    response = client.post(path)

    # then
    assert page.status_code == 200
    assert page.context["new_viewer"] == world.free
    moved = Booking.objects.get(rescheduled_from=world.booking)
    assert response.status_code == 302
    assert response.url == f"/sessions/{moved.pk}/"
    assert messages_of(response) == ["The session was moved."]
    assert (moved.start, moved.uid, moved.sequence) == (world.free, world.booking.uid, 1)


def test_moving_into_a_time_someone_else_holds_shows_a_message_and_changes_nothing(client_for, world):
    # given: Sana booked the free time first
    services.booking_request(mentee=world.third, session_type=world.office_hours, start=world.free, agenda=AGENDA)
    before = snapshot()

    # when
    response = client_for(world.member).post(f"/sessions/{world.booking.pk}/move/{world.free_token}/")

    # then: back to choosing another time, in the week of the one just taken
    assert response.status_code == 302
    week = week_of(ZoneInfo("Asia/Karachi"), world.free)
    assert response.url == (
        f"/mentors/{world.mentor.pk}/?type={world.office_hours.pk}&week={week}&reschedule={world.booking.pk}"
    )
    assert messages_of(response) == ["This time was just taken by someone else. Please choose another time."]
    assert snapshot() == before


def test_moving_into_the_time_of_ones_own_other_session_shows_a_message_and_changes_nothing(client_for, world):
    # given
    before = snapshot()

    # when: Ayesha's own request holds that time
    response = client_for(world.member).post(f"/sessions/{world.booking.pk}/move/{token(world.request.start)}/")

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["This time was just taken by someone else. Please choose another time."]
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_moving_to_a_bad_start_in_the_url_is_not_found(client_for, world, method):
    # given
    client = client_for(world.member)
    path = f"/sessions/{world.booking.pk}/move/not-a-time/"
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path)

    # then
    assert response.status_code == 404
    assert snapshot() == before


def test_the_mentor_page_offers_new_times_to_a_participant(client_for, world):
    # when
    response = client_for(world.member).get(f"/mentors/{world.mentor.pk}/", {"reschedule": world.booking.pk, "week": 1})

    # then
    assert response.status_code == 200
    assert response.context["reschedule"] == world.booking
    assert f"/sessions/{world.booking.pk}/move/" in text(response)


def move_twice(world) -> Booking:
    """Ayesha moves her session, then Omar moves it again: the default cap of two is reached."""
    first = services.booking_reschedule(actor=world.member, booking=world.booking, new_start=world.free)
    return services.booking_reschedule(actor=world.mentor.user, booking=first, new_start=slot(world.office_hours, 6))


def test_the_booking_page_says_how_many_moves_are_left(client_for, world):
    # when
    response = client_for(world.member).get(f"/sessions/{world.booking.pk}/")

    # then
    page = text(response)
    assert "This session can be moved 2 more times." in page
    assert f'href="/mentors/{world.mentor.pk}/?reschedule={world.booking.pk}"' in page


def test_the_booking_page_counts_down_after_a_move(client_for, world):
    # given
    moved = services.booking_reschedule(actor=world.member, booking=world.booking, new_start=world.free)

    # when
    response = client_for(world.mentor.user).get(f"/sessions/{moved.pk}/")

    # then
    page = text(response)
    assert "This session can be moved 1 more time." in page
    assert f"?reschedule={moved.pk}" in page


@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_at_the_cap_the_move_button_is_gone_and_the_page_says_why(client_for, world, side):
    # given
    latest = move_twice(world)
    viewer = world.member if side == "mentee" else world.mentor.user

    # when
    response = client_for(viewer).get(f"/sessions/{latest.pk}/")

    # then
    page = text(response)
    assert response.context["can_move"] is False
    assert "Move to another time" not in page
    assert "?reschedule=" not in page
    assert "This session has already been moved 2 times, the most allowed. Cancel instead, if you must." in page
    assert "Cancel session" in page


def test_at_the_cap_the_mentor_page_does_not_offer_new_times(client_for, world):
    # given
    latest = move_twice(world)

    # when
    response = client_for(world.member).get(f"/mentors/{world.mentor.pk}/", {"reschedule": latest.pk})

    # then
    assert response.status_code == 302
    assert response.url == f"/sessions/{latest.pk}/"
    assert messages_of(response) == [
        "This session has already been moved 2 times, the most allowed. Cancel instead, if you must."
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_at_the_cap_moving_is_refused_and_nothing_changes(client_for, world, method):
    # given
    latest = move_twice(world)
    client = client_for(world.member)
    path = f"/sessions/{latest.pk}/move/{token(slot(world.office_hours, 7))}/"
    before = snapshot()

    # when
    response = client.get(path) if method == "get" else client.post(path)

    # then
    assert response.status_code == 302
    assert response.url == f"/sessions/{latest.pk}/"
    assert messages_of(response) == [
        "This session has already been moved 2 times, the most allowed. Cancel instead, if you must."
    ]
    assert snapshot() == before
    assert Booking.objects.filter(uid=world.booking.uid).count() == 3


def test_the_mentor_sets_the_cap_on_the_session_type(client_for, world):
    # when
    response = client_for(world.mentor.user).post(
        f"/mentoring/session-types/{world.office_hours.pk}/", session_type_data(reschedule_cap="0")
    )

    # then
    assert response.status_code == 302
    world.office_hours.refresh_from_db()
    assert world.office_hours.reschedule_cap == 0


@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_the_history_shows_each_move_in_the_viewers_zone(client_for, world, side):
    # given: Ayesha sees times in Karachi, Omar in Los Angeles
    first_start, second_start = world.free, slot(world.office_hours, 6)
    first = services.booking_reschedule(actor=world.member, booking=world.booking, new_start=first_start)
    latest = services.booking_reschedule(actor=world.mentor.user, booking=first, new_start=second_start)
    viewer = world.member if side == "mentee" else world.mentor.user
    zone = ZoneInfo("Asia/Karachi" if side == "mentee" else "America/Los_Angeles")

    # when
    response = client_for(viewer).get(f"/sessions/{latest.pk}/")

    # then
    def at(moment):
        return moment.astimezone(zone).strftime("%a %-d %b %Y, %H:%M")

    def on(moment):
        return moment.astimezone(zone).strftime("%-d %b %Y, %H:%M")

    items = [
        re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", item))).strip()
        for item in re.findall(r"<li>(.*?)</li>", response.content.decode().split('id="moves-heading"')[1], re.S)
    ]
    me, them = ("you", "Omar Farooq") if side == "mentee" else ("Ayesha Khan", "you")
    assert items == [
        f"{at(world.booking.start)} → {at(first_start)} moved by {me} on {on(first.created_at)}",
        f"{at(first_start)} → {at(second_start)} moved by {them} on {on(latest.created_at)}",
    ]
    assert f"Times in your time zone ({zone})." in text(response)


def test_an_earlier_booking_of_a_moved_session_links_to_its_current_time(client_for, world):
    # given
    moved = services.booking_reschedule(actor=world.member, booking=world.booking, new_start=world.free)

    # when
    response = client_for(world.member).get(f"/sessions/{world.booking.pk}/")

    # then
    assert response.context["latest"] == moved
    assert f'href="/sessions/{moved.pk}/">See its current time' in response.content.decode()


# --- Feedback ------------------------------------------------------------------------


def test_the_mentee_leaves_feedback_on_a_held_session(client_for, world):
    # when
    response = client_for(world.member).post(
        f"/sessions/{world.held.pk}/feedback/", {"rating": "5", "comment": "Very useful.", "may_feature": "on"}
    )

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["Thank you for your feedback."]
    feedback = Feedback.objects.get()
    assert (feedback.author, feedback.rating, feedback.comment, feedback.may_feature) == (
        world.member,
        5,
        "Very useful.",
        True,
    )


@pytest.mark.parametrize("rating", ["7", "0", "", "five"])
def test_feedback_with_a_bad_rating_is_shown_again_and_saves_nothing(client_for, world, rating):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(
        f"/sessions/{world.held.pk}/feedback/", {"rating": rating, "comment": "Kept as written."}
    )

    # then: the session's page again, the error beside the rating, the comment as written
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_rating_error"' in html
    assert "Kept as written.</textarea>" in html
    assert snapshot() == before


def test_feedback_twice_shows_a_message_and_saves_nothing_more(client_for, world):
    # given
    client = client_for(world.member)
    client.post(f"/sessions/{world.held.pk}/feedback/", {"rating": "5"}, follow=True)
    before = snapshot()

    # when
    response = client.post(f"/sessions/{world.held.pk}/feedback/", {"rating": "1"})

    # then
    assert messages_of(response) == ["You already left feedback for this session."]
    assert snapshot() == before


def test_feedback_on_a_session_not_yet_held_shows_a_message_and_saves_nothing(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.member).post(f"/sessions/{world.booking.pk}/feedback/", {"rating": "5"})

    # then
    assert messages_of(response) == ["Feedback opens once the session is marked as held."]
    assert snapshot() == before


def test_an_endorsement_too_short_shows_a_message_and_saves_nothing(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post(f"/sessions/{world.held.pk}/endorse/", {"text": "Good."})

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["Write a sentence or two (10 characters at least)."]
    assert snapshot() == before


# --- The mentor's hours --------------------------------------------------------------


def test_the_mentor_adds_weekly_hours(client_for, world):
    # given
    AvailabilityRule.objects.filter(mentor=world.mentor, weekday=1).delete()

    # when
    response = client_for(world.mentor.user).post(
        "/mentoring/hours/", {"kind": "rule", "rule-weekday": "1", "rule-start_time": "09:00", "rule-end_time": "11:00"}
    )

    # then
    assert response.status_code == 302
    assert response.url == "/mentoring/hours/"
    assert messages_of(response) == ["Your hours were saved."]
    assert list(world.mentor.rules.filter(weekday=1).values_list("start_time", "end_time")) == [(time(9), time(11))]


@pytest.mark.parametrize(
    ("data", "form", "errors"),
    [
        (
            {"kind": "rule", "rule-weekday": "1", "rule-start_time": "12:00", "rule-end_time": "10:00"},
            "rule_form",
            {"end_time": ["The end time must be after the start time."]},
        ),
        (
            {"kind": "rule", "rule-weekday": "1", "rule-start_time": "10:00", "rule-end_time": "10:00"},
            "rule_form",
            {"end_time": ["The end time must be after the start time."]},
        ),
        (
            {"kind": "rule", "rule-weekday": "1", "rule-start_time": "09:00", "rule-end_time": "10:00"},
            "rule_form",
            {"__all__": ["These hours overlap hours you already have on that day."]},
        ),
        (
            {"kind": "rule", "rule-weekday": "9", "rule-start_time": "09:00", "rule-end_time": "10:00"},
            "rule_form",
            {"weekday": ["Select a valid choice. 9 is not one of the available choices."]},
        ),
        (
            {"kind": "extra", "extra-date": "2030-01-01", "extra-start_time": "12:00", "extra-end_time": "10:00"},
            "extra_form",
            {"end_time": ["The end time must be after the start time."]},
        ),
        (
            {"kind": "extra", "extra-date": "not a date", "extra-start_time": "09:00", "extra-end_time": "10:00"},
            "extra_form",
            {"date": ["Enter a valid date."]},
        ),
        ({"kind": "blocked", "blocked-date": ""}, "blocked_form", {"date": ["This field is required."]}),
    ],
    ids=[
        "rule-end-before-start",
        "rule-empty",
        "rule-overlap",
        "rule-bad-day",
        "extra-end-before-start",
        "extra-bad-date",
        "blocked-no-date",
    ],
)
def test_bad_hours_show_the_error_and_save_nothing(client_for, world, data, form, errors):
    # given
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post("/mentoring/hours/", data)

    # then
    assert response.status_code == 200
    assert response.context[form].errors == errors
    for messages in errors.values():
        assert messages[0] in text(response)
    assert snapshot() == before


def test_blocking_a_date_twice_shows_the_error_and_saves_nothing(client_for, world):
    # given
    client = client_for(world.mentor.user)
    first = client.post(
        "/mentoring/hours/", {"kind": "blocked", "blocked-date": "2030-01-01", "blocked-note": "Off"}, follow=True
    )
    before = snapshot()

    # when
    response = client.post("/mentoring/hours/", {"kind": "blocked", "blocked-date": "2030-01-01"})

    # then
    assert first.redirect_chain == [("/mentoring/hours/", 302)]
    assert response.status_code == 200
    assert response.context["blocked_form"].errors == {"__all__": ["This date is already blocked."]}
    assert "This date is already blocked." in text(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "delete-rule", "id": "abc"}, "Choose what to remove."),
        ({"kind": "delete-rule", "id": "999999"}, "These hours no longer exist."),
        ({"kind": "delete-extra", "id": "999999"}, "These hours no longer exist."),
        ({"kind": "delete-blocked", "id": "999999"}, "This date is no longer blocked."),
        ({"kind": "teleport"}, "Unknown action."),
        ({}, "Unknown action."),
    ],
    ids=["not-a-number", "no-rule", "no-extra", "no-blocked", "unknown-kind", "no-kind"],
)
def test_bad_hours_actions_show_a_message_and_change_nothing(client_for, world, data, message):
    # given
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post("/mentoring/hours/", data)

    # then
    assert response.status_code == 200
    assert messages_of(response) == [message]
    assert snapshot() == before


def test_a_mentor_cannot_remove_another_mentors_hours(client_for, world):
    # given
    other_mentor = make_mentor("Zara Sheikh")
    theirs = other_mentor.rules.first()
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post("/mentoring/hours/", {"kind": "delete-rule", "id": theirs.pk})

    # then
    assert response.status_code == 200
    assert messages_of(response) == ["These hours no longer exist."]
    assert snapshot() == before


def test_the_mentor_removes_own_hours(client_for, world):
    # given
    rule = world.mentor.rules.first()

    # when
    response = client_for(world.mentor.user).post("/mentoring/hours/", {"kind": "delete-rule", "id": rule.pk})

    # then
    assert response.status_code == 302
    assert AvailabilityRule.objects.filter(pk=rule.pk).exists() is False


# --- Session types and mentor settings ----------------------------------------------


def test_the_mentor_creates_a_session_type(client_for, world):
    # when
    response = client_for(world.mentor.user).post("/mentoring/session-types/new/", session_type_data())

    # then
    assert response.status_code == 302
    assert response.url == "/mentoring/session-types/"
    created = SessionType.objects.get(title="Pitch review")
    assert (created.mentor, created.duration_minutes, created.buffer_after_minutes) == (world.mentor, 45, 10)


def test_the_mentor_edits_a_session_type(client_for, world):
    # when
    response = client_for(world.mentor.user).post(
        f"/mentoring/session-types/{world.office_hours.pk}/",
        session_type_data(title="Open hour", duration_minutes="30"),
    )

    # then
    assert response.status_code == 302
    world.office_hours.refresh_from_db()
    assert (world.office_hours.title, world.office_hours.duration_minutes) == ("Open hour", 30)


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"duration_minutes": "5"}, {"duration_minutes": ["Ensure this value is greater than or equal to 15."]}),
        ({"duration_minutes": "500"}, {"duration_minutes": ["Ensure this value is less than or equal to 240."]}),
        ({"title": ""}, {"title": ["This field is required."]}),
        ({"per_mentee_cap": "0"}, {"per_mentee_cap": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"location": "own"},
            {"location": ["Add your own meeting link in your mentor settings first, or let Rabta create a room."]},
        ),
    ],
    ids=["five-minutes", "too-long", "no-title", "cap-zero", "own-link-missing"],
)
def test_a_bad_session_type_shows_the_error_and_saves_nothing(client_for, world, overrides, errors):
    # given
    before = snapshot()

    # when
    response = client_for(world.mentor.user).post("/mentoring/session-types/new/", session_type_data(**overrides))

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert snapshot() == before


def test_a_member_becomes_a_mentor_waiting_for_approval(client_for, world, settings):
    # given
    settings.RABTA = {**settings.RABTA, "MENTOR_APPROVAL_REQUIRED": True}

    # when
    response = client_for(world.stranger).post(
        "/mentoring/settings/", {"timezone": "America/Toronto", "expertise": "Hiring", "meeting_url": ""}
    )

    # then
    assert response.status_code == 302
    assert response.url == "/mentoring/"
    assert messages_of(response) == ["Welcome! Staff will review your mentor profile before it is listed."]
    mentor = Mentor.objects.get(user=world.stranger)
    assert (mentor.status, mentor.timezone, mentor.expertise) == ("pending", "America/Toronto", "Hiring")


def test_becoming_a_mentor_with_a_bad_time_zone_shows_the_error_and_saves_nothing(client_for, world):
    # given
    before = snapshot()

    # when
    response = client_for(world.stranger).post(
        "/mentoring/settings/", {"timezone": "Mars/Olympus_Mons", "expertise": "", "meeting_url": "not a url"}
    )

    # then
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"timezone", "meeting_url"}
    assert snapshot() == before


def test_the_mentor_updates_their_settings(client_for, world):
    # when
    response = client_for(world.mentor.user).post(
        "/mentoring/settings/",
        {"timezone": "America/Denver", "expertise": "Fundraising", "meeting_url": "https://zoom.example.org/o"},
    )

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["Your mentor settings were saved."]
    world.mentor.refresh_from_db()
    assert (world.mentor.timezone, world.mentor.expertise) == ("America/Denver", "Fundraising")


# --- Calendar settings ---------------------------------------------------------------


def test_calendar_settings_show_the_private_address(client_for, world):
    # when
    response = client_for(world.member).get("/calendar/")

    # then
    assert response.status_code == 200
    assert response.context["feed_url"] == f"{settings.SITE_URL}/calendar/{world.feed.token}.ics"


def test_making_a_new_calendar_address_revokes_the_old_one(client, client_for, world):
    # given
    old_token = world.feed.token

    # when
    response = client_for(world.member).post("/calendar/")

    # then
    assert response.status_code == 302
    assert messages_of(response) == ["A new private address was made. The old one no longer works."]
    world.feed.refresh_from_db()
    assert world.feed.token != old_token
    assert client.get(f"/calendar/{old_token}.ics").status_code == 404
    assert client.get(f"/calendar/{world.feed.token}.ics").status_code == 200


# --- Lists ---------------------------------------------------------------------------


def test_my_sessions_lists_upcoming_past_and_requests_to_answer(client_for, world):
    # when
    as_mentee = client_for(world.member).get("/sessions/")
    as_mentor = client_for(world.mentor.user).get("/sessions/")

    # then
    assert as_mentee.status_code == 200
    assert as_mentee.context["upcoming"] == [world.booking, world.request]
    assert as_mentee.context["past"] == [world.ended, world.held]
    assert as_mentee.context["to_answer"] == []
    assert as_mentor.context["to_answer"] == [world.request]


def test_the_mentor_dashboard_lists_requests_and_upcoming_sessions(client_for, world):
    # when
    response = client_for(world.mentor.user).get("/mentoring/")

    # then
    assert response.status_code == 200
    assert response.context["requests"] == [world.request]
    assert response.context["upcoming"] == [world.booking]
    assert response.context["stats"]["sessions"] == 1


def test_the_mentor_list_filters_by_name(client, world):
    # given
    make_mentor("Zara Sheikh")

    # when
    response = client.get("/mentors/", {"q": "zara"})

    # then
    assert [mentor.user.display_name for mentor in response.context["page"]] == ["Zara Sheikh"]


def test_the_mentor_lists_hours_filter_reads_any_yes_no(client, db):
    content = text(client.get("/mentors/"))

    hours = content.split('name="available"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", hours) == ["Any", "Yes", "No"]


def test_the_mentor_list_pages_by_cursor(client_for, member):
    # given
    for n in range(25):
        make_mentor(f"Mentor {n:02d}")
    client = client_for(member)

    # when
    first = client.get("/mentors/")
    after = re.search(r'href="\?([^"]*)" rel="next"', text(first)).group(1)
    second = client.get(f"/mentors/?{html.unescape(after)}")

    # then
    assert [m.user.profile.display_name for m in first.context["page"]] == [f"Mentor {n:02d}" for n in range(20)]
    assert [m.user.profile.display_name for m in second.context["page"]] == [f"Mentor {n:02d}" for n in range(20, 25)]
    assert 'rel="next"' not in text(second)
    assert 'rel="prev"' in text(second)
    assert "25 mentors found" in text(second)


def _complete_a_session(mentor):
    booking = BookingFactory(
        session_type=SessionTypeFactory(mentor=mentor),
        start=timezone.now() - timedelta(days=3),
        status=Booking.Status.CONFIRMED,
    )
    booking.status = Booking.Status.COMPLETED
    booking.save()
    Feedback.objects.create(booking=booking, author=booking.mentee, rating=5)


def _add_weekly_hours(mentor):
    AvailabilityRule.objects.create(mentor=mentor, weekday=0, start_time=time(9), end_time=time(12))


@pytest.mark.parametrize(
    ("change", "before", "after"),
    [
        pytest.param(_complete_a_session, "0 sessions held", "1 session held · rated 5.0 of 5", id="session-held"),
        pytest.param(_add_weekly_hours, "no weekly hours yet", None, id="weekly-hours"),
    ],
)
def test_the_cached_mentor_list_shows_a_change_at_once(
    client_for, member, change, before, after, django_capture_on_commit_callbacks
):
    # given: the list is cached for members and for visitors
    mentor = make_mentor("Zara Sheikh")
    AvailabilityRule.objects.filter(mentor=mentor).delete()
    signed_in, visitor = client_for(member), Client()
    assert before in text(signed_in.get("/mentors/"))
    assert before in text(visitor.get("/mentors/"))
    assert visitor.get("/mentors/")["X-Page-Cache"] == "hit"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        change(mentor)

    # then
    for client in (signed_in, visitor):
        content = text(client.get("/mentors/"))
        assert before not in content
        if after:
            assert after in content


def test_the_slot_picker_answers_htmx_with_the_fragment_only(client, world):
    # when
    response = client.get(
        f"/mentors/{world.mentor.pk}/", {"type": world.office_hours.pk, "week": 1}, headers={"HX-Request": "true"}
    )

    # then
    assert response.status_code == 200
    assert response.templates[0].name == "mentorship/includes/slot_picker.html"
    assert "<html" not in text(response)


# --- Query counts --------------------------------------------------------------------


def count_queries(client, path: str, params: dict | None = None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(context.captured_queries), response


def add_listed_mentors(count: int, start: int) -> None:
    """Mentors with sectors, languages, hours, two session types, held sessions and feedback."""
    sectors = list(Sector.objects.filter(slug__in=["fintech", "saas"]))
    languages = list(Language.objects.filter(code__in=["ur", "en"]))
    now = timezone.now().replace(microsecond=0)
    for n in range(start, start + count):
        mentor = make_mentor(f"Mentor {n:03d}")
        mentor.user.profile.sectors.set(sectors)
        mentor.user.profile.languages.set(languages)
        session_type = SessionTypeFactory(mentor=mentor)
        SessionTypeFactory(mentor=mentor, title="Deep dive", duration_minutes=90)
        for k in range(2):
            held = BookingFactory(
                session_type=session_type, start=now - timedelta(days=10 + k), status=Booking.Status.COMPLETED
            )
            Feedback.objects.create(booking=held, author=held.mentee, rating=4 + k)


def test_the_mentor_list_query_count_does_not_grow_with_mentors(client_for, member):
    # given
    client = client_for(member)
    add_listed_mentors(3, start=0)
    count_queries(client, "/mentors/")  # warm up
    bump_pages("mentors")  # measure the list built afresh, not served from the fragment cache
    few, few_response = count_queries(client, "/mentors/")

    # when
    add_listed_mentors(12, start=3)
    bump_pages("mentors")
    many, many_response = count_queries(client, "/mentors/")

    # then
    assert few_response.context["page"].count == 3
    assert many_response.context["page"].count == 15
    assert many_response.context["page"][0].sessions_held == 2
    assert many_response.context["page"][0].average_rating == pytest.approx(4.5)
    assert "FinTech" in text(many_response)
    assert many == few


def add_my_sessions(member, count: int, start: int) -> None:
    """Half upcoming (confirmed or waiting), half past (held), each with another mentor."""
    now = timezone.now().replace(microsecond=0, second=0, minute=0)
    for n in range(start, start + count):
        session_type = SessionTypeFactory(mentor=make_mentor(f"Mentor {n:03d}"))
        if n % 2:
            BookingFactory(
                session_type=session_type,
                mentee=member,
                start=now - timedelta(days=n + 1),
                status=Booking.Status.COMPLETED,
            )
        else:
            BookingFactory(
                session_type=session_type,
                mentee=member,
                start=now + timedelta(days=n + 1),
                status=Booking.Status.REQUESTED if n % 4 else Booking.Status.CONFIRMED,
            )


def test_my_sessions_query_count_does_not_grow_with_bookings(client_for, member):
    # given
    client = client_for(member)
    add_my_sessions(member, 2, start=0)
    count_queries(client, "/sessions/")  # warm up
    few, few_response = count_queries(client, "/sessions/")

    # when
    add_my_sessions(member, 10, start=2)
    many, many_response = count_queries(client, "/sessions/")

    # then
    assert len(few_response.context["upcoming"]) + len(few_response.context["past"]) == 2
    assert len(many_response.context["upcoming"]) + len(many_response.context["past"]) == 12
    assert many == few

    # and a mentor who left is named as one, still without a query of their own
    gone = many_response.context["upcoming"][0].mentor.user
    User.objects.filter(pk=gone.pk).update(is_active=False)
    after, after_response = count_queries(client, "/sessions/")
    assert after == few
    assert "with a former member (your mentor)" in text(after_response)


def add_mentor_bookings(mentor: Mentor, session_type: SessionType, count: int, start: int) -> None:
    """Waiting requests, confirmed sessions and held sessions with feedback, each with another founder."""
    now = timezone.now().replace(microsecond=0, second=0, minute=0)
    for n in range(start, start + count):
        mentee = ProfileFactory(display_name=f"Founder {n:03d}").user
        if n % 3 == 0:
            held = BookingFactory(
                session_type=session_type, mentee=mentee, start=now - timedelta(days=n + 1), status="completed"
            )
            Feedback.objects.create(booking=held, author=mentee, rating=5, comment="Helpful.")
        else:
            BookingFactory(
                session_type=session_type,
                mentee=mentee,
                start=now + timedelta(days=n + 1),
                status=Booking.Status.REQUESTED if n % 3 == 1 else Booking.Status.CONFIRMED,
            )


def test_the_mentor_dashboard_query_count_does_not_grow_with_bookings(client_for, db):
    # given
    mentor = make_mentor()
    session_type = SessionTypeFactory(mentor=mentor)
    client = client_for(mentor.user)
    add_mentor_bookings(mentor, session_type, 2, start=0)
    count_queries(client, "/mentoring/")  # warm up
    few, few_response = count_queries(client, "/mentoring/")

    # when
    add_mentor_bookings(mentor, session_type, 10, start=2)
    many, many_response = count_queries(client, "/mentoring/")

    # then
    assert len(few_response.context["requests"]) + len(few_response.context["upcoming"]) == 1
    assert len(many_response.context["requests"]) + len(many_response.context["upcoming"]) == 8
    assert len(many_response.context["recent_feedback"]) == 4
    assert many == few


def test_the_mentor_page_query_count_does_not_grow_with_session_types(client_for, member):
    # given
    mentor = make_mentor()
    first = SessionTypeFactory(mentor=mentor, title="Office hours")
    client = client_for(member)
    path = f"/mentors/{mentor.pk}/"
    count_queries(client, path, {"type": first.pk, "week": 1})  # warm up
    few, few_response = count_queries(client, path, {"type": first.pk, "week": 1})

    # when
    for n in range(4):
        SessionTypeFactory(mentor=mentor, title=f"Type {n}", duration_minutes=30 + 15 * n)
    many, many_response = count_queries(client, path, {"type": first.pk, "week": 1})

    # then
    assert len(few_response.context["session_types"]) == 1
    assert len(many_response.context["session_types"]) == 5
    assert many == few


def test_the_mentor_page_query_count_does_not_grow_with_bookings(client_for, member):
    # given
    mentor = make_mentor()
    session_type = SessionTypeFactory(mentor=mentor, title="Office hours", per_mentee_cap=20)
    client = client_for(member)
    path = f"/mentors/{mentor.pk}/"
    params = {"type": session_type.pk, "week": 1}
    count_queries(client, path, params)  # warm up
    _unused, page = count_queries(client, path, params)
    starts = [slot_info["viewer"] for day in page.context["days"].values() for slot_info in day]

    def add_bookings(selected) -> None:
        for start in selected:
            BookingFactory(session_type=session_type, start=start, mentee=ProfileFactory().user)

    add_bookings(starts[:2])
    few, few_response = count_queries(client, path, params)

    # when
    add_bookings(starts[2:20])
    many, many_response = count_queries(client, path, params)

    # then
    assert Booking.objects.filter(mentor=mentor).count() == 20
    slots_few = sum(len(day) for day in few_response.context["days"].values())
    slots_many = sum(len(day) for day in many_response.context["days"].values())
    assert slots_few - slots_many == 18
    assert many == few


def _hold_sessions(mentor, ratings: list[int]) -> None:
    """Held sessions with ``mentor``, each rated by its founder as given."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=30)
    session_type = SessionTypeFactory(mentor=mentor)
    for n, rating in enumerate(ratings):
        held = BookingFactory(
            session_type=session_type, start=start + timedelta(days=n), status=Booking.Status.COMPLETED
        )
        Feedback.objects.create(booking=held, author=held.mentee, rating=rating)


def names(response) -> list[str]:
    return [m.user.profile.display_name for m in response.context["page"]]


def test_the_mentor_list_sorts_by_sessions_held_and_by_rating(client, db):
    # given: experience and ratings that order the mentors differently
    for name, ratings in [
        ("Asad Ali", []),
        ("Bina Shah", [5]),
        ("Chand Mir", [4, 4, 4]),
        ("Dua Noor", [5, 4]),
        ("Emaan Raza", [3, 3, 3]),
    ]:
        _hold_sessions(make_mentor(name), ratings)

    # when / then: by name, the default
    assert names(client.get("/mentors/")) == ["Asad Ali", "Bina Shah", "Chand Mir", "Dua Noor", "Emaan Raza"]
    # the most sessions held first (ties by name), a mentor with none last
    assert names(client.get("/mentors/", {"sort": "sessions"})) == [
        "Chand Mir",
        "Emaan Raza",
        "Dua Noor",
        "Bina Shah",
        "Asad Ali",
    ]
    # the best rated first (ties: the more sessions held), the unrated last
    assert names(client.get("/mentors/", {"sort": "rating"})) == [
        "Bina Shah",
        "Dua Noor",
        "Chand Mir",
        "Emaan Raza",
        "Asad Ali",
    ]
    # the form says which order is shown
    assert '<option value="rating" selected>Highest rated</option>' in text(client.get("/mentors/", {"sort": "rating"}))


def test_a_made_up_sort_is_shown_by_name_with_the_error_and_not_a_500(client, db):
    make_mentor("Zara Sheikh")

    response = client.get("/mentors/", {"sort": "-id; drop table"})

    assert response.status_code == 200
    assert "Select a valid choice." in text(response)
    assert names(response) == ["Zara Sheikh"]


def test_the_mentor_list_pages_through_an_order_by_sessions_held_without_a_gap_or_a_repeat(client, db):
    # given: 45 mentors, many tied on sessions held
    for n in range(45):
        _hold_sessions(make_mentor(f"Mentor {n:02d}"), [4] * (n % 4))
    seen: list[str] = []

    # when: following "next" to the end
    response = client.get("/mentors/", {"sort": "sessions"})
    while True:
        seen += names(response)
        found = re.search(r'href="\?([^"]*)" rel="next"', text(response))
        if not found:
            break
        response = client.get(f"/mentors/?{html.unescape(found.group(1))}")

    # then: every mentor once, in order of sessions held, then by name
    expected = sorted((f"Mentor {n:02d}" for n in range(45)), key=lambda name: (-(int(name[-2:]) % 4), name))
    assert seen == expected


def test_the_mentor_search_finds_a_sector_by_its_name_once_per_mentor(client, db):
    # given: a mentor in two sectors whose names both match "tech"
    # (headlines fixed: a made-up job title can hold "tech")
    mentor = make_mentor("Zara Sheikh", headline="Founder")
    mentor.user.profile.sectors.set(Sector.objects.filter(slug__in=["fintech", "edtech"]))
    make_mentor("Omar Farooq", headline="Investor")

    # when
    response = client.get("/mentors/", {"q": "tech"})

    # then
    assert names(response) == ["Zara Sheikh"]
    assert "1 mentor found" in text(response)


@pytest.mark.parametrize("sort", ["soonest", "sessions", "rating"])
def test_a_sorted_mentor_list_query_count_does_not_grow_with_mentors(client_for, member, sort):
    # given
    client = client_for(member)
    add_listed_mentors(3, start=0)
    services.mentor_next_free_refresh_due()  # the cards' "next free"
    count_queries(client, "/mentors/", {"sort": sort})  # warm up
    bump_pages("mentors")
    few, _response = count_queries(client, "/mentors/", {"sort": sort})

    # when
    add_listed_mentors(12, start=3)
    services.mentor_next_free_refresh_due()
    bump_pages("mentors")
    many, response = count_queries(client, "/mentors/", {"sort": sort})

    # then
    assert response.context["page"].count == 15
    assert many == few
