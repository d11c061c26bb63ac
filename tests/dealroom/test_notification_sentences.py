"""What a startup is told when an investor puts money behind its deal: a sentence naming the startup."""

from __future__ import annotations

from decimal import Decimal

import pytest

from investments.dealroom import services
from investments.dealroom.services import INTEREST_NOTICES, WITH_AMOUNT
from network.models import Notification

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__profile__display_name", "message"))


def test_every_stage_with_an_amount_has_its_sentence():
    # then
    assert set(INTEREST_NOTICES) == WITH_AMOUNT


def test_a_soft_commitment_and_a_commitment_are_told_as_sentences_naming_the_startup(room):
    # when
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="watching")
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="soft", amount=Decimal(20000))
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="committed")

    # then
    assert told("investments.interest.watching") == []
    assert told("investments.interest.soft") == [
        ("Founder", "An investor made a soft commitment to Raqam Pay's round."),
    ]
    assert told("investments.interest.committed") == [
        ("Founder", "An investor committed to Raqam Pay's round."),
    ]
