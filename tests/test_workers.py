"""Two server processes sharing the database and Redis, as production runs: what one does, the other
sees at once (a booking, a profile edit behind the visitors' page cache, signing out through the other worker)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, time

import pytest
import requests
from django.conf import settings

from mentorship.models import Booking
from mentorship.selectors import mentor_slots
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.mentorship.test_room_processes import REDIS_URL
from tests.network.factories import ProfileFactory
from tests.servers import asgi_server
from tests.sessions import session_cookie_value

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_servers():
    run_id = uuid.uuid4().hex[:12]
    with asgi_server(run_id, REDIS_URL=REDIS_URL) as first, asgi_server(run_id, REDIS_URL=REDIS_URL) as second:
        yield first, second


def signed_in(user) -> requests.Session:
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, session_cookie_value(user))
    return session


def csrf(page: requests.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_a_booking_made_through_one_worker_is_seen_through_the_other_at_once(two_servers):
    first, second = two_servers
    mentor = MentorFactory()
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(6), end_time=time(22))
    session_type = SessionTypeFactory(mentor=mentor, requires_approval=False)
    slot = mentor_slots(session_type=session_type)[2]
    token = slot.start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    founder = signed_in(ProfileFactory(display_name="Zara Founder").user)
    path = f"/mentors/{mentor.pk}/book/{session_type.pk}/{token}/"
    # The mentor's and the founder's lists, seen through the second worker.
    mentor_session = signed_in(mentor.user)
    for member in (mentor_session, founder):
        assert member.get(second + "/sessions/", timeout=30).status_code == 200

    form = founder.get(first + path, timeout=30)
    booked = founder.post(
        first + path,
        data={"csrfmiddlewaretoken": csrf(form), "agenda": "Pricing for US customers."},
        headers={"Referer": first + path},
        allow_redirects=False,
        timeout=30,
    )
    seen = founder.get(second + "/sessions/", timeout=30)
    seen_by_mentor = mentor_session.get(second + "/sessions/", timeout=30)

    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert "X-Page-Cache" not in seen.headers  # a member's page is never kept whole
    assert booking.get_absolute_url() in seen.text
    assert booking.get_absolute_url() in seen_by_mentor.text
    taken = requests.get(second + f"/mentors/{mentor.pk}/", timeout=30).text
    assert token not in taken  # the slot is gone for everyone, on the other worker too


def test_a_profile_edit_through_one_worker_refreshes_the_other_workers_cached_page(two_servers):
    first, second = two_servers
    profile = ProfileFactory(display_name="Ayesha Khan", headline="Engineer at Stripe", visibility="public")
    member = signed_in(profile.user)
    public = f"/members/{profile.user_id}/"
    visitor = requests.Session()
    assert visitor.get(second + public, timeout=30).headers["X-Page-Cache"] == "miss"
    assert visitor.get(second + public, timeout=30).headers["X-Page-Cache"] == "hit"

    form = member.get(first + "/profile/edit/", timeout=30)
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form.text))
    # (radio buttons: the pattern above keeps each one's last option)
    fields.update({"csrfmiddlewaretoken": csrf(form), "headline": "Founder of Raqam Pay", "visibility": "public"})
    saved = member.post(
        first + "/profile/edit/", data=fields, headers={"Referer": first + "/profile/edit/"}, allow_redirects=False
    )
    again = visitor.get(second + public, timeout=30)

    assert saved.status_code == 302, saved.text[:2000]
    assert again.headers["X-Page-Cache"] == "miss"
    assert "Founder of Raqam Pay" in again.text


def test_signing_out_through_one_worker_ends_the_session_on_the_other(two_servers):
    first, second = two_servers
    member = signed_in(ProfileFactory(display_name="Nadia Qureshi").user)
    member.get(second + "/members/", timeout=30)
    kept = member.get(second + "/members/", timeout=30)
    assert "Nadia Qureshi" in kept.text

    # The page's sign-out form (its CSRF token) works, through the other worker.
    cookies_before = member.cookies.get_dict()
    out = member.post(
        first + "/accounts/logout/",
        data={"csrfmiddlewaretoken": csrf(kept)},
        headers={"Referer": first + "/members/"},
        allow_redirects=False,
        timeout=30,
    )
    # The old cookies, replayed (a browser would have dropped the session cookie).
    after = requests.get(second + "/members/", cookies=cookies_before, allow_redirects=False, timeout=30)

    assert out.status_code == 302
    assert after.status_code == 302  # to the sign-in page: the session cached by the other worker is gone
    assert "/accounts/login/" in after.headers["Location"]
