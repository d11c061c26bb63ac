"""The deal list and the incubator dashboard, made fresh for every request from fragments shared
between investors: whoever changes what they show (staff, another investor, the member themself)
changes them at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator

from investments.dealroom import services
from investments.models import ConfidentialityTerms, InvestorProfile
from tests.dealroom.conftest import live_pitch
from tests.network.factories import OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

DEALS = "/deals/"


@pytest.fixture
def angel(room, client_for, redis_cache):
    client = client_for(room.investor)
    client.get(DEALS)
    return client


def test_a_suspended_investor_is_shut_out_at_once(room, angel, django_capture_on_commit_callbacks):
    # when: staff suspend the investor
    with django_capture_on_commit_callbacks(execute=True):
        services.investor_decide(
            actor=room.staff, investor=room.investor.investor, decision="suspend", reason="Shared a deck."
        )

    # then: the kept list is not served; Django says what is missing
    assert angel.get(DEALS).status_code == 403
    assert InvestorProfile.objects.get(user=room.investor).status == InvestorProfile.Status.SUSPENDED


def test_new_terms_close_the_room_until_accepted(room, angel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ConfidentialityTerms.objects.create(version=2, text="Keep it confidential, and more.")

    assert angel.get(DEALS).status_code == 403


def test_turning_off_multi_factor_authentication_closes_the_room(room, angel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Authenticator.objects.filter(user=room.investor).get().delete()

    assert angel.get(DEALS).status_code == 403


def test_another_investors_commitment_moves_the_round_at_once(room, angel, django_capture_on_commit_callbacks):
    # when: the second angel commits softly to Raqam Pay
    with django_capture_on_commit_callbacks(execute=True):
        services.interest_set(actor=room.second_investor, pitch=room.pitch, stage="soft", amount=Decimal(25000))

    # then
    assert "25,000 USD committed (10%)" in angel.get(DEALS).content.decode()


def test_a_new_live_deal_appears_at_once(room, angel, django_capture_on_commit_callbacks):
    startup = OrganisationFactory(name="Hawa Clean", slug="hawa-clean")
    with django_capture_on_commit_callbacks(execute=True):
        live_pitch(startup, room.incubator, ProfileFactory().user)

    assert "Hawa Clean" in angel.get(DEALS).content.decode()


def test_the_incubator_dashboard_follows_its_pitches(room, client_for, redis_cache, django_capture_on_commit_callbacks):
    # given: the manager looked at the dashboard
    client = client_for(room.manager)
    url = f"/incubators/{room.incubator.slug}/"
    assert "Khet Kahani" in client.get(url).content.decode()

    # when: a startup's pitch is withdrawn
    with django_capture_on_commit_callbacks(execute=True):
        room.other_pitch.status = room.other_pitch.Status.WITHDRAWN
        room.other_pitch.save()

    # then
    assert "Khet Kahani" not in client.get(url).content.decode()
