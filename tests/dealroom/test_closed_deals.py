"""A round that closes does not abandon its investors: those who soft-circled or committed are told,
and keep the deal page with its outcome (read only); everyone else loses it, and nothing can be
written to a closed deal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from investments import services as pitch_services
from investments.dealroom import services
from investments.models import Interest, Question
from network.models import Notification

pytestmark = pytest.mark.django_db

CLOSED_NOTICE = "This round has closed."


@pytest.fixture
def closed(room):
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="soft", amount=Decimal(20000))
    services.interest_set(actor=room.second_investor, pitch=room.pitch, stage="watching")
    pitch_services.pitch_transition(actor=room.founder, pitch=room.pitch, action="close")
    return room


def test_a_backer_keeps_the_closed_deal_with_its_outcome_and_no_forms(client_for, closed):
    client = client_for(closed.investor)

    page = client.get(reverse("deals:deal-detail", args=[closed.pitch.pk]))
    deck = client.get(reverse("deals:deck-viewer", args=[closed.pitch.pk]))
    slide = client.get(reverse("deals:deck-slide", args=[closed.pitch.pk, 1]))

    html = page.content.decode()
    assert page.status_code == 200
    assert CLOSED_NOTICE in html
    assert "Soft commitment" in html  # their commitment, as it stood
    assert reverse("deals:interest-update", args=[closed.pitch.pk]) not in html
    assert reverse("deals:question-create", args=[closed.pitch.pk]) not in html
    assert deck.status_code == 200
    assert reverse("deals:question-create", args=[closed.pitch.pk]) not in deck.content.decode()
    assert (slide.status_code, slide["Content-Type"]) == (200, "image/jpeg")


@pytest.mark.parametrize("who", ["second_investor", "no_terms", "member"])
def test_a_watcher_or_anyone_else_loses_the_closed_deal(client_for, closed, who):
    response = client_for(getattr(closed, who)).get(reverse("deals:deal-detail", args=[closed.pitch.pk]))
    assert response.status_code in (403, 404)
    assert CLOSED_NOTICE not in response.content.decode()


def test_a_watcher_gets_404_on_the_closed_deal_and_its_deck(client_for, closed):
    client = client_for(closed.second_investor)
    assert client.get(reverse("deals:deal-detail", args=[closed.pitch.pk])).status_code == 404
    assert client.get(reverse("deals:deck-slide", args=[closed.pitch.pk, 1])).status_code == 404


def test_nothing_can_be_written_to_a_closed_deal(client_for, closed):
    client = client_for(closed.investor)

    interest = client.post(
        reverse("deals:interest-update", args=[closed.pitch.pk]), {"stage": "committed", "amount": "30000"}
    )
    question = client.post(reverse("deals:question-create", args=[closed.pitch.pk]), {"text": "Still open?"})

    assert (interest.status_code, question.status_code) == (404, 404)
    assert Interest.objects.get(pitch=closed.pitch, investor=closed.investor).stage == "soft"
    assert not Question.objects.filter(pitch=closed.pitch).exists()


def test_backers_are_told_the_round_closed_and_where_it_stays(closed):
    notices = Notification.objects.filter(kind="investments.pitch.close.backer")
    assert [(n.recipient, n.message, n.url) for n in notices] == [
        (
            closed.investor,
            "Raqam Pay's round closed. Its deal page stays open to you with the outcome.",
            reverse("deals:deal-detail", args=[closed.pitch.pk]),
        )
    ]


def test_a_visitor_is_sent_to_sign_in_and_sees_nothing_of_the_closed_deal(client, closed):
    response = client.get(reverse("deals:deal-detail", args=[closed.pitch.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
