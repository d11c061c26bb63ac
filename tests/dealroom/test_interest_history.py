"""Interest history: an investor sees their own on the deal page; the startup's side sees everyone's as a
timeline on the analytics page; nobody else sees any."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from investments.dealroom import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(room):
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="watching")
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="soft", amount=Decimal(20000))
    services.interest_set(actor=room.second_investor, pitch=room.pitch, stage="considering")
    return room


def test_an_investor_sees_their_own_history_and_not_anothers(moved, client_for):
    own = client_for(moved.investor).get(reverse("deals:deal-detail", args=[moved.pitch.pk])).content.decode()
    other = client_for(moved.second_investor).get(reverse("deals:deal-detail", args=[moved.pitch.pk]))

    assert "My history on this deal" in own
    assert 'Soft commitment <span class="muted">(was watching)</span> · 20,000 USD' in own
    assert "20,000 USD" not in other.content.decode()
    assert "Considering" in other.content.decode()


@pytest.mark.parametrize(("who", "status"), [("founder", 200), ("teammate", 200), ("manager", 200), ("staff", 200)])
def test_the_startup_side_sees_every_investors_timeline(moved, client_for, who, status):
    client = client_for(getattr(moved, who), mfa=True) if who == "staff" else client_for(getattr(moved, who))

    response = client.get(reverse("deals:analytics", args=[moved.pitch.pk]))

    assert response.status_code == status
    page = response.content.decode()
    assert "Interest over time" in page
    assert [e.stage for e in response.context["timeline"]] == ["considering", "soft", "watching"]


@pytest.mark.parametrize("who", ["investor", "other_founder", "member"])
def test_investors_and_outsiders_get_no_timeline(moved, client_for, who):
    response = client_for(getattr(moved, who)).get(reverse("deals:analytics", args=[moved.pitch.pk]))

    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(moved, client):
    path = reverse("deals:analytics", args=[moved.pitch.pk])

    response = client.get(path)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")
