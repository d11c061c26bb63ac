"""The slot picker's week: daylight-saving notices for the week shown, and a lost race sent back to it.

Clocks are fixed by replacing ``django.utils.timezone.now`` for the request: Monday 25 January
2027, seven weeks before the US changes clocks (14 March 2027) and nine before the UK
(28 March 2027), so neither change is within the usual five weeks of today.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from mentorship import services
from mentorship.models import Booking
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory
from tests.sessions import sign_in

NOW = datetime(2027, 1, 25, 12, tzinfo=UTC)
AGENDA = "We are pricing our SaaS product for US customers and need a second opinion."


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def mentor_in(zone: str):
    user = ProfileFactory(display_name="Omar Farooq", timezone=zone, is_mentor=True, visibility="public").user
    mentor = MentorFactory(user=user, timezone=zone)
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(9), end_time=time(11))
    return mentor, SessionTypeFactory(mentor=mentor, horizon_days=120)


def notices(response) -> list[str]:
    return [
        " ".join(html.unescape(p).split())
        for p in response.content.decode().split('<p class="message message-warning">')[1:]
        for p in [p.split("</p>")[0]]
    ]


LA_EARLIER = (
    "From 14 March 2027, a daylight-saving change moves times in America/Los_Angeles one hour earlier in your "
    "time zone (Asia/Karachi). Weekly hours stay the same in America/Los_Angeles."
)


@pytest.mark.parametrize(
    ("week", "expected"),
    [(0, []), (5, []), (6, [LA_EARLIER]), (7, [LA_EARLIER])],
    ids=["this-week", "week-before-the-change", "week-of-the-change", "week-after"],
)
def test_a_visitor_browsing_to_the_week_of_a_us_change_is_told(db, fixed_clock, week, expected):
    # given: the mentor's hours are in Los Angeles, the visitor sees Karachi time
    mentor, session_type = mentor_in("America/Los_Angeles")

    # when
    response = Client().get(f"/mentors/{mentor.pk}/", {"type": session_type.pk, "week": week})

    # then
    assert response.status_code == 200
    assert notices(response) == expected


def test_the_week_of_the_change_is_told_on_the_partial_page_too(db, fixed_clock):
    # given
    mentor, session_type = mentor_in("America/Los_Angeles")

    # when: the "Later week" button fetches only the slot picker
    response = Client().get(f"/mentors/{mentor.pk}/", {"type": session_type.pk, "week": 6}, HTTP_HX_REQUEST="true")

    # then
    assert notices(response) == [LA_EARLIER]


def test_a_member_in_london_sees_the_change_of_their_own_zone_in_that_week(db, fixed_clock):
    # given: the mentor is in Karachi (no daylight saving); the member's own clocks go forward on 28 March
    mentor, session_type = mentor_in("Asia/Karachi")
    viewer = ProfileFactory(display_name="Sana Malik", timezone="Europe/London").user
    client = sign_in(Client(), viewer)

    # when: the week of Monday 22 March 2027 in London
    this_week = client.get(f"/mentors/{mentor.pk}/", {"type": session_type.pk, "week": 0})
    week_of_change = client.get(f"/mentors/{mentor.pk}/", {"type": session_type.pk, "week": 8})

    # then: 09:00 in Karachi is 04:00 in London before, 05:00 after
    assert notices(this_week) == []
    assert notices(week_of_change) == [
        "From 28 March 2027, a daylight-saving change moves times in Asia/Karachi one hour later in your "
        "time zone (Europe/London). Weekly hours stay the same in Asia/Karachi."
    ]


def test_a_founder_who_loses_a_race_goes_back_to_the_week_they_were_booking(db, fixed_clock):
    # given: Sunday 14 March 2027, 09:00 in Los Angeles (now 16:00 UTC), in week 6 for a founder in Karachi
    mentor, session_type = mentor_in("America/Los_Angeles")
    start = datetime(2027, 3, 14, 16, tzinfo=UTC)
    rival = ProfileFactory(display_name="Bilal Ahmed").user
    founder = ProfileFactory(display_name="Ayesha Khan").user
    services.booking_request(mentee=rival, session_type=session_type, start=start, agenda=AGENDA)
    client = sign_in(Client(), founder)

    # when
    response = client.post(
        f"/mentors/{mentor.pk}/book/{session_type.pk}/{start.strftime('%Y%m%dT%H%MZ')}/", {"agenda": AGENDA}
    )

    # then
    assert response.status_code == 302
    assert response.url == f"/mentors/{mentor.pk}/?type={session_type.pk}&week=6"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This time was just taken by someone else. Please choose another time."
    ]
    assert list(Booking.objects.values_list("mentee_id", flat=True)) == [rival.pk]


def test_a_move_into_a_time_just_taken_goes_back_to_choosing_in_that_week(db, fixed_clock):
    # given: a session in week 1; the founder wants Sunday 14 March, which a rival has just taken
    mentor, session_type = mentor_in("America/Los_Angeles")
    founder = ProfileFactory(display_name="Ayesha Khan").user
    rival = ProfileFactory(display_name="Bilal Ahmed").user
    booking = services.booking_request(
        mentee=founder, session_type=session_type, start=NOW + timedelta(days=7, hours=5), agenda=AGENDA
    )
    taken = datetime(2027, 3, 14, 16, tzinfo=UTC)
    services.booking_request(mentee=rival, session_type=session_type, start=taken, agenda=AGENDA)

    # when
    response = sign_in(Client(), founder).post(f"/sessions/{booking.pk}/move/{taken.strftime('%Y%m%dT%H%MZ')}/")

    # then
    assert response.status_code == 302
    assert response.url == f"/mentors/{mentor.pk}/?type={session_type.pk}&week=6&reschedule={booking.pk}"
    booking.refresh_from_db()
    assert (booking.status, booking.reschedule_count) == (Booking.Status.CONFIRMED, 0)
