"""Thirty founders click the same slot at the same moment, over real HTTP
against a live server: exactly one gets it, every other is told the time was
just taken, and nothing else changes. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, time
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings

from mentorship.models import Booking
from mentorship.selectors import mentor_slots
from mentorship.views.times import week_of
from network.models import AuditEntry, Notification
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory
from tests.sessions import session_cookie_value

pytestmark = pytest.mark.django_db(transaction=True)

FOUNDERS = 30


def _signed_in_session(user) -> requests.Session:
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, session_cookie_value(user))
    return session


def _prepare(session: requests.Session, url: str) -> str:
    """Open the booking form as the founder would, and keep its CSRF token."""
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_thirty_founders_race_for_one_slot_and_exactly_one_wins(live_server):
    # given: a Los Angeles mentor with every day open, booked at once (no approval)
    mentor = MentorFactory()
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(6), end_time=time(22))
    session_type = SessionTypeFactory(mentor=mentor, requires_approval=False, per_mentee_cap=5)
    slot = mentor_slots(session_type=session_type)[3]
    token = slot.start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    url = f"{live_server.url}/mentors/{mentor.pk}/book/{session_type.pk}/{token}/"
    founders = [ProfileFactory(display_name=f"Founder {n}").user for n in range(FOUNDERS)]
    sessions = [_signed_in_session(user) for user in founders]
    tokens = [_prepare(session, url) for session in sessions]
    notifications_before = Notification.objects.count()
    start_line = threading.Barrier(FOUNDERS)

    def book(index: int) -> requests.Response:
        session = sessions[index]
        start_line.wait()
        return session.post(
            url,
            data={"csrfmiddlewaretoken": tokens[index], "agenda": f"Founder {index} would like advice on pricing."},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=60,
        )

    # when: all thirty post at once
    with ThreadPoolExecutor(max_workers=FOUNDERS) as pool:
        responses = list(pool.map(book, range(FOUNDERS)))

    # then: one booking, for exactly one founder
    assert [r.status_code for r in responses] == [302] * FOUNDERS
    bookings = list(Booking.objects.all())
    assert len(bookings) == 1
    booking = bookings[0]
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.start == slot.start
    winners = [i for i, r in enumerate(responses) if r.headers["Location"] == f"/sessions/{booking.pk}/"]
    assert len(winners) == 1
    assert founders[winners[0]] == booking.mentee

    # and every other founder is sent back to the mentor's page and told why
    losers = [i for i in range(FOUNDERS) if i not in winners]
    expected = f"/mentors/{mentor.pk}/?type={session_type.pk}&week={week_of(ZoneInfo('Asia/Karachi'), slot.start)}"
    assert all(responses[i].headers["Location"] == expected for i in losers)
    page = sessions[losers[0]].get(live_server.url + responses[losers[0]].headers["Location"], timeout=30)
    assert "This time was just taken by someone else" in page.text

    # and nothing else changed: one audit entry, the notifications of one booking only
    assert list(AuditEntry.objects.filter(event__startswith="mentorship.booking").values_list("event", flat=True)) == [
        "mentorship.booking.confirm"
    ]
    assert Notification.objects.count() - notifications_before == 2


def test_a_founder_cannot_hold_two_overlapping_sessions_with_two_mentors(live_server):
    # given: two mentors free at the same hour, one founder
    first, second = MentorFactory(), MentorFactory()
    types = []
    for mentor in (first, second):
        for weekday in range(7):
            AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(6), end_time=time(22))
        types.append(SessionTypeFactory(mentor=mentor, requires_approval=False))
    start = mentor_slots(session_type=types[0])[3].start
    assert start in {s.start for s in mentor_slots(session_type=types[1])}
    token = start.strftime("%Y%m%dT%H%MZ")
    founder = ProfileFactory().user
    session = _signed_in_session(founder)
    urls = [f"{live_server.url}/mentors/{t.mentor.pk}/book/{t.pk}/{token}/" for t in types]
    csrf = [_prepare(session, u) for u in urls]
    start_line = threading.Barrier(2)

    def book(i: int) -> requests.Response:
        start_line.wait()
        return session.post(
            urls[i],
            data={"csrfmiddlewaretoken": csrf[i], "agenda": "Two mentors at once, by mistake."},
            headers={"Referer": urls[i]},
            allow_redirects=False,
            timeout=60,
        )

    # when: both requests at once
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(book, range(2)))

    # then: one session holds the hour; the other request was refused with a message
    assert Booking.objects.filter(mentee=founder).count() == 1
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([200, 302], [302, 302])
    refused = next(r for r in responses if not r.headers.get("Location", "").startswith("/sessions/"))
    if refused.status_code == 200:
        assert "You already have a session at this time." in refused.text
