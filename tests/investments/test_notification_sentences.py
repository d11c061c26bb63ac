"""What the other side of a pitch is told after each move: one sentence per move, naming the startup."""

from __future__ import annotations

import pytest

from investments import services
from investments.permissions import PITCH_ACTIONS
from investments.services import PITCH_NOTICES
from network.models import Notification
from tests.investments.test_pitches import new_pitch

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__profile__display_name", "message"))


def test_every_pitch_move_has_its_sentence():
    # then
    assert set(PITCH_NOTICES) == set(PITCH_ACTIONS)


def test_each_move_of_a_pitch_tells_the_other_side_in_a_sentence(setting):
    # given
    pitch = new_pitch(setting)
    incubator = setting.incubator.name

    # when
    services.pitch_transition(actor=setting.founder, pitch=pitch, action="submit")
    services.pitch_transition(actor=setting.manager, pitch=pitch, action="return", comment="Add your churn.")
    services.pitch_transition(actor=setting.founder, pitch=pitch, action="submit")
    services.pitch_transition(actor=setting.manager, pitch=pitch, action="endorse", comment="Strong team.")
    services.pitch_transition(actor=setting.manager, pitch=pitch, action="ready")
    services.pitch_transition(actor=setting.manager, pitch=pitch, action="close")

    # then
    assert told("investments.pitch.submit") == [
        ("Manager", f"Raqam Pay submitted its pitch to {incubator} for review."),
        ("Manager", f"Raqam Pay submitted its pitch to {incubator} for review."),
    ]
    assert told("investments.pitch.return") == [
        ("Founder", f"{incubator} returned Raqam Pay's pitch with comments to address."),
        ("Teammate", f"{incubator} returned Raqam Pay's pitch with comments to address."),
    ]
    assert told("investments.pitch.endorse") == [
        ("Founder", f"{incubator} endorsed Raqam Pay's pitch."),
        ("Teammate", f"{incubator} endorsed Raqam Pay's pitch."),
    ]
    assert told("investments.pitch.ready") == [
        ("Founder", f"{incubator} put Raqam Pay's pitch forward to the deal room."),
        ("Teammate", f"{incubator} put Raqam Pay's pitch forward to the deal room."),
    ]
    assert told("investments.pitch.close") == [
        ("Founder", f"Raqam Pay's pitch to {incubator} was closed."),
        ("Teammate", f"Raqam Pay's pitch to {incubator} was closed."),
    ]


def test_a_withdrawn_pitch_tells_the_incubator_in_a_sentence(setting):
    # given
    pitch = new_pitch(setting)
    services.pitch_transition(actor=setting.founder, pitch=pitch, action="submit")

    # when
    services.pitch_transition(actor=setting.founder, pitch=pitch, action="withdraw")

    # then
    assert told("investments.pitch.withdraw") == [
        ("Manager", f"Raqam Pay withdrew its pitch from {setting.incubator.name}."),
    ]
