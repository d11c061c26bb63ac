"""What a member can do again and again is limited: introduction requests, deal questions, booking
requests, deck slides, searches, exports. Past a limit: 429 with a page that says to wait, the
action not done, never a 500."""

from __future__ import annotations

from datetime import UTC, time

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from investments.models import DeckAccess, Question
from mentorship.models import Booking
from mentorship.selectors import mentor_slots
from network.models import Introduction
from tests.dealroom.conftest import private_root, room  # noqa: F401 - fixtures
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory
from tests.sessions import sign_in

pytestmark = pytest.mark.django_db

TWO = {
    "introduction_request": "2/h",
    "deal_question": "2/h",
    "booking_request": "2/h",
    "deck_slide": "2/h",
    "search": "2/m",
    "export": "2/h",
}


@pytest.fixture(autouse=True)
def _two_of_each(settings):
    settings.RABTA_RATE_LIMITS = TWO


def _refused(response) -> bool:
    return response.status_code == 429 and "Wait a few minutes, then try again." in response.content.decode()


def test_introduction_requests(member):
    client = sign_in(Client(), member)
    others = [ProfileFactory().user for _ in range(3)]

    answers = [
        client.post(reverse("network:introduction-request", args=[o.pk]), {"reason": "We both build payroll tools."})
        for o in others
    ]

    assert [a.status_code for a in answers[:2]] == [302, 302]
    assert _refused(answers[2])
    assert Introduction.objects.filter(requester=member).count() == 2


def test_deal_questions(room):  # noqa: F811 - the fixture
    client = sign_in(Client(), room.investor)
    url = reverse("deals:question-create", args=[room.pitch.pk])

    answers = [client.post(url, {"text": f"Question {n}?"}) for n in range(3)]

    assert [a.status_code for a in answers[:2]] == [302, 302]
    assert _refused(answers[2])
    assert Question.objects.filter(asker=room.investor).count() == 2


def test_deck_slides(room):  # noqa: F811 - the fixture
    client = sign_in(Client(), room.investor)
    url = reverse("deals:deck-slide", args=[room.pitch.pk, 1])

    answers = [client.get(url) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert _refused(answers[2])
    assert DeckAccess.objects.filter(user=room.investor).count() == 2


def test_booking_requests(member):
    mentor = MentorFactory()
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(6), end_time=time(22))
    session_type = SessionTypeFactory(mentor=mentor, requires_approval=True)
    slots = mentor_slots(session_type=session_type)[:3]
    client = sign_in(Client(), member)

    answers = [
        client.post(
            reverse(
                "mentorship:booking-create",
                args=[mentor.pk, session_type.pk, s.start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")],
            ),
            {"topic": f"Pricing {n}"},
        )
        for n, s in enumerate(slots)
    ]

    assert _refused(answers[2])
    assert not any(a.status_code >= 500 for a in answers)
    assert Booking.objects.filter(mentee=member).count() <= 2


@pytest.mark.parametrize("url", ["/members/?q=Ayesha", "/mentors/?q=fintech", "/stories/?q=export"])
def test_searches(member, url):
    client = sign_in(Client(), member)

    answers = [client.get(url) for _ in range(3)]
    browsing = [client.get(url.split("?")[0]) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert _refused(answers[2])
    assert [b.status_code for b in browsing] == [200, 200, 200]  # lists without a search are not limited


def test_a_visitors_searches_count_by_address():
    # (each a new search: a search some visitor made before is answered from the page cache, free)
    first, other = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")

    answers = [first.get(f"/mentors/?q=fintech{n}") for n in range(3)]

    assert _refused(answers[2])
    assert other.get("/mentors/?q=fintech9").status_code == 200


def test_an_htmx_search_past_the_limit_gets_a_message_in_place(member):
    client = sign_in(Client(), member)
    for _ in range(2):
        client.get("/members/?q=Ayesha", headers={"HX-Request": "true"})

    response = client.get("/members/?q=Ayesha", headers={"HX-Request": "true"})

    assert response.status_code == 429
    assert response.content.decode().lstrip().startswith('<div class="message message-error" role="alert">')
    assert response["Retry-After"] == "60"


def test_exports(member):
    client = sign_in(Client(), member)

    answers = [client.get(reverse("cms:impact-csv")) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert _refused(answers[2])


@override_settings(RATELIMIT_ENABLE=False)
def test_limits_can_be_switched_off(member):
    client = sign_in(Client(), member)

    assert [client.get("/members/?q=Ayesha").status_code for _ in range(4)] == [200] * 4
