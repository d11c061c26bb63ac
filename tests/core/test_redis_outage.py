"""The production web server (bin/web) keeps serving with its Redis stopped or paused: the cache is an
optimisation. Members sign in, read and book; sign-in limits still count; /readyz says 503; a
session ended while Redis could not hear of it does not come back when Redis does."""

from __future__ import annotations

import re
import time
from datetime import UTC
from datetime import time as clock

import pytest
import requests

from mentorship.models import Booking
from mentorship.selectors import mentor_slots
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import PASSWORD, ProfileFactory
from tests.servers import redis_server, web_server

pytestmark = pytest.mark.django_db(transaction=True)

# A page's own work plus one cache call that waits out its half-second timeout, on a busy machine.
PAUSED_BOUND = 3.0


@pytest.fixture
def redis():
    with redis_server() as server:
        yield server


@pytest.fixture
def world():
    mentor = MentorFactory(user=ProfileFactory(display_name="Ayesha Malik", visibility="public").user)
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=clock(6), end_time=clock(22))
    session_type = SessionTypeFactory(mentor=mentor, requires_approval=False)
    founder = ProfileFactory(display_name="Hamza Tariq").user
    return mentor, session_type, founder


class _Browser(requests.Session):
    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False  # production marks cookies secure; this server speaks plain HTTP on loopback
        return response


def _browser() -> requests.Session:
    return _Browser()


def _get(session: requests.Session, url: str) -> requests.Response:
    return session.get(url, timeout=30, allow_redirects=False)


def _token(page: requests.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _sign_in(session: requests.Session, base: str, email: str, password: str = PASSWORD) -> requests.Response:
    form = _get(session, f"{base}/accounts/login/")
    assert form.status_code == 200
    return session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": _token(form), "login": email, "password": password},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )


def _ready(base: str) -> int:
    return requests.get(f"{base}/readyz", timeout=30).status_code


def test_with_redis_stopped_members_sign_in_read_and_book(redis, world):
    mentor, session_type, founder = world
    slot = mentor_slots(session_type=session_type)[2]
    book_url = f"/mentors/{mentor.pk}/book/{session_type.pk}/{slot.start.astimezone(UTC).strftime('%Y%m%dT%H%MZ')}/"
    with web_server(REDIS_URL=redis.url) as base:
        visitor = _browser()
        assert _get(visitor, f"{base}/mentors/").status_code == 200  # made with Redis up, and cached
        assert _ready(base) == 200

        # when: Redis stops under the running server
        redis.stop()

        # then: visitors' pages, signing in, the member's pages and booking all work
        assert _get(_browser(), f"{base}/").status_code == 200
        assert _get(_browser(), f"{base}/mentors/").status_code == 200
        member = _browser()
        signed_in = _sign_in(member, base, founder.email)
        assert signed_in.status_code == 302, signed_in.text[:300]
        assert _get(member, f"{base}/dashboard/").status_code == 200
        assert "Ayesha Malik" in _get(member, f"{base}/mentors/{mentor.pk}/").text
        form = _get(member, f"{base}{book_url}")
        assert form.status_code == 200
        booked = member.post(
            f"{base}{book_url}",
            data={"csrfmiddlewaretoken": _token(form), "agenda": "Pricing for our first export customers."},
            headers={"Referer": f"{base}{book_url}"},
            timeout=30,
            allow_redirects=False,
        )
        assert booked.status_code == 302, booked.text[:300]
        assert Booking.objects.filter(mentee=founder, session_type=session_type, start=slot.start).count() == 1
        assert "with Ayesha Malik" in _get(member, f"{base}/sessions/").text
        # and: the load balancer is told, while the process still answers
        assert _ready(base) == 503
        assert requests.get(f"{base}/healthz", timeout=30).status_code == 200

        # when: Redis is back
        redis.start()
        deadline = time.monotonic() + 10
        while _ready(base) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)

        # then
        assert _ready(base) == 200
        assert _get(member, f"{base}/dashboard/").status_code == 200


def test_with_redis_stopped_wrong_passwords_are_still_limited(redis, world):
    _, _, founder = world
    with web_server(REDIS_URL=redis.url) as base:
        redis.stop()
        session = _browser()
        answers = []
        for _ in range(7):
            response = _sign_in(session, base, founder.email, "wrong-password")
            limited = "Too many failed login attempts" in response.text
            answers.append("limited" if limited else str(response.status_code))

    assert answers == ["200"] * 5 + ["limited"] * 2


def test_with_redis_paused_pages_answer_within_a_bound(redis, world):
    mentor, _, founder = world
    with web_server(REDIS_URL=redis.url) as base:
        member = _browser()
        assert _sign_in(member, base, founder.email).status_code == 302
        assert _get(member, f"{base}/dashboard/").status_code == 200

        # when: Redis stops answering, its connections left open
        redis.pause()
        timings = []
        for url in ("/", "/mentors/", "/dashboard/", f"/mentors/{mentor.pk}/", "/sessions/"):
            started = time.monotonic()
            browser = member if url in ("/dashboard/", "/sessions/") else _browser()
            status = _get(browser, f"{base}{url}").status_code
            timings.append((url, status, time.monotonic() - started))
        redis.resume()

    assert [(url, status) for url, status, _ in timings] == [
        ("/", 200),
        ("/mentors/", 200),
        ("/dashboard/", 200),
        (f"/mentors/{mentor.pk}/", 200),
        ("/sessions/", 200),
    ]
    assert max(seconds for _, _, seconds in timings) < PAUSED_BOUND, timings


def test_a_session_ended_while_redis_was_paused_does_not_come_back_with_it(redis, world):
    _, _, founder = world
    with web_server(REDIS_URL=redis.url) as base:
        # given: a member signed in, their session in Redis
        member = _browser()
        assert _sign_in(member, base, founder.email).status_code == 302
        assert _get(member, f"{base}/dashboard/").status_code == 200
        stolen = dict(member.cookies)

        # when: they sign out while Redis is paused (the database forgets the session, Redis cannot)
        redis.pause()
        page = _get(member, f"{base}/accounts/logout/")
        signed_out = member.post(
            f"{base}/accounts/logout/",
            data={"csrfmiddlewaretoken": _token(page)},
            headers={"Referer": f"{base}/accounts/logout/"},
            timeout=30,
            allow_redirects=False,
        )
        assert signed_out.status_code == 302
        redis.resume()
        time.sleep(2.5)  # the cache tries Redis again

        # then: the old cookie signs nobody in
        replay = _browser()
        for name, value in stolen.items():
            replay.cookies.set(name, value)
        answer = _get(replay, f"{base}/dashboard/")

    assert answer.status_code == 302
    assert "/accounts/login/" in answer.headers["Location"]
