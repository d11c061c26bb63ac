"""Material changes to a live pitch: traction and stage version the pitch like its terms do, investors are
asked to reconfirm or told, the endorsement says which version it endorsed, and every change is shown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from investments import selectors as pitch_selectors
from investments import services as pitch_services
from investments.dealroom import services
from investments.models import Interest, Pitch, PitchVersion
from network.models import AuditEntry, Notification
from tests.dealroom.conftest import make_investor

pytestmark = pytest.mark.django_db

TRACTION = [{"metric": "Paying freelancers", "value": "540"}, {"metric": "Monthly payouts (USD)", "value": "310000"}]


@pytest.fixture
def live(room):
    room.pitch.traction = TRACTION
    room.pitch.endorsed_version = 1
    room.pitch.save()
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="soft", amount=Decimal(20000))
    room.watcher = make_investor("Watcher", terms=room.terms)
    services.interest_set(actor=room.watcher, pitch=room.pitch, stage="watching")
    room.passer = make_investor("Passer", terms=room.terms)
    services.interest_set(actor=room.passer, pitch=room.pitch, stage="passed")
    return room


def test_changing_traction_on_a_live_pitch_makes_a_version_and_asks_committed_investors_to_reconfirm(live):
    # when: 540 → 5,400 paying freelancers
    new_traction = [{**TRACTION[0], "value": "5400"}, TRACTION[1]]
    pitch_services.pitch_update(actor=live.founder, pitch=live.pitch, data={"traction": new_traction})

    # then
    live.pitch.refresh_from_db()
    assert live.pitch.version == 2
    assert PitchVersion.objects.get(pitch=live.pitch).terms["traction"] == TRACTION
    interest = Interest.objects.get(investor=live.investor)
    assert interest.needs_reconfirmation is True
    assert Interest.objects.get(investor=live.watcher).needs_reconfirmation is False
    notes = {
        n.recipient_id: (n.kind, n.message) for n in Notification.objects.filter(recipient__investor__isnull=False)
    }
    assert notes == {
        live.investor.pk: (
            "investments.interest.reconfirm",
            "Raqam Pay changed its pitch (version 2): the traction figures. Review the changes and reconfirm your "
            "commitment; it does not count until you do.",
        ),
        live.watcher.pk: (
            "investments.deal.change",
            "Raqam Pay changed its pitch (version 2): the traction figures. Review the changes.",
        ),
    }
    entry = AuditEntry.objects.get(event="investments.pitch.revise")
    assert entry.data == {"from": 1, "to": 2, "changed": ["traction"]}


def test_changing_the_stage_is_material_and_a_prose_edit_is_not(live):
    pitch_services.pitch_update(actor=live.founder, pitch=live.pitch, data={"team": "Two founders, ex-Careem."})
    live.pitch.refresh_from_db()
    assert (live.pitch.version, PitchVersion.objects.count()) == (1, 0)

    pitch_services.pitch_update(actor=live.founder, pitch=live.pitch, data={"stage": Pitch.Stage.SEED})

    live.pitch.refresh_from_db()
    assert live.pitch.version == 2
    assert PitchVersion.objects.get().terms["stage"] == "pre_seed"


def test_earlier_versions_show_every_changed_field_formatted(live):
    pitch_services.pitch_update(
        actor=live.founder,
        pitch=live.pitch,
        data={
            "traction": [{**TRACTION[0], "value": "5400"}, {"metric": "Launched", "value": "2026-11-01"}],
            "valuation_cap": Decimal(4000000),
            "stage": Pitch.Stage.SEED,
        },
    )
    live.pitch.refresh_from_db()

    history = pitch_selectors.pitch_version_history(pitch=live.pitch)

    assert [(v["number"], v["next"]) for v in history] == [(1, 2)]
    assert history[0]["changes"] == [
        {"label": "Valuation cap", "before": "3,000,000 USD", "after": "4,000,000 USD"},
        {"label": "Stage", "before": "Pre-seed", "after": "Seed"},
        {"label": "Traction: Paying freelancers", "before": "540", "after": "5,400"},
        {"label": "Traction: Monthly payouts (USD)", "before": "310,000", "after": "none"},
        {"label": "Traction: Launched", "before": "none", "after": "1 Nov 2026"},
    ]


def test_the_deal_page_shows_the_changes_and_which_version_the_endorsement_speaks_of(live, client_for):
    pitch_services.pitch_update(
        actor=live.founder, pitch=live.pitch, data={"traction": [{**TRACTION[0], "value": "5400"}, TRACTION[1]]}
    )

    page = client_for(live.investor).get(reverse("deals:deal-detail", args=[live.pitch.pk])).content.decode()
    founder_page = client_for(live.founder).get(reverse("investments:pitch-detail", args=[live.pitch.pk]))

    assert "for version 1 of the pitch." in page
    assert "The pitch has changed since this endorsement: it speaks of version 1, and this is version 2." in page
    assert '<th scope="row">Traction: Paying freelancers</th><td>540</td><td>5,400</td>' in page
    assert (
        '<th scope="row">Traction: Paying freelancers</th><td>540</td><td>5,400</td>' in founder_page.content.decode()
    )


def test_endorsing_records_the_version_endorsed(room):
    pitch = Pitch.objects.create(
        startup=room.startup, incubator=room.incubator, status=Pitch.Status.SUBMITTED, one_liner="x",
        ask_amount=Decimal(1000), instrument=Pitch.Instrument.SAFE, version=3,
    )  # fmt: skip

    pitch_services.pitch_transition(actor=room.manager, pitch=pitch, action="endorse", comment="540 paid users.")

    pitch.refresh_from_db()
    assert (pitch.endorsed_version, pitch.changed_since_endorsement) == (3, False)
