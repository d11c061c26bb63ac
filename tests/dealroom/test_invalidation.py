"""Which cached pages a deal-room write refreshes: the deal list's namespace for what the list
shows (live deals and the amounts that count), nothing for the rest — the deck access log written
on every slide view above all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from investments.dealroom import services
from investments.models import DeckAccess, Interest, InvestorProfile, Pitch, Question
from tests.dealroom.conftest import live_pitch
from tests.network.factories import OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def test_turning_pages_of_the_deck_bumps_nothing(room, client_for, bumped):
    client = client_for(room.investor)

    with bumped() as seen:
        viewer = client.get(reverse("deals:deck-viewer", args=[room.pitch.pk]))
        slides = [client.get(reverse("deals:deck-slide", args=[room.pitch.pk, n])) for n in (1, 2)]

    assert [viewer.status_code, *(s.status_code for s in slides)] == [200, 200, 200]
    assert DeckAccess.objects.filter(user=room.investor, pitch=room.pitch).count() == 3
    assert seen == set()


def test_questions_answers_terms_and_vetting_bump_nothing(room, bumped):
    with bumped() as asked:
        question = services.question_ask(actor=room.investor, pitch=room.pitch, text="What is your churn?")
    with bumped() as answered:
        services.question_answer(actor=room.founder, question=question, answer="Two per cent a month.")
    with bumped() as vetted:
        services.investor_decide(
            actor=room.staff, investor=room.pending.investor, decision="approve", reason="Known angel."
        )

    assert (asked, answered, vetted) == (set(), set(), set())
    assert Question.objects.get(pk=question.pk).answer == "Two per cent a month."
    assert InvestorProfile.objects.get(user=room.pending).status == InvestorProfile.Status.APPROVED


def test_interests_bump_the_deal_list_when_the_amounts_that_count_change(room, bumped):
    with bumped() as watching:
        services.interest_set(actor=room.investor, pitch=room.pitch, stage="watching")
    with bumped() as soft:
        services.interest_set(actor=room.investor, pitch=room.pitch, stage="soft", amount=Decimal(20000))
    with bumped() as same_again:
        interest = Interest.objects.get(investor=room.investor, pitch=room.pitch)
        interest.save()
    with bumped() as waiting:
        interest.needs_reconfirmation = True
        interest.save(update_fields=["needs_reconfirmation"])

    assert (watching, soft, same_again, waiting) == (set(), {"deals"}, set(), {"deals"})


def test_a_live_pitch_bumps_the_deal_list_for_what_the_list_shows(room, bumped):
    pitch = Pitch.objects.get(pk=room.pitch.pk)
    with bumped() as long_text:
        pitch.problem = "Freelancers wait 45 days to be paid."
        pitch.save()
    with bumped() as ask:
        pitch.ask_amount = Decimal(300000)
        pitch.save()
    with bumped() as closed:
        pitch.status = Pitch.Status.CLOSED
        pitch.save()
    with bumped() as closed_edit:
        pitch.one_liner = "Payroll, closed"
        pitch.save()

    assert (long_text, ask, closed, closed_edit) == (set(), {"deals"}, {"deals"}, set())


def test_a_draft_pitch_bumps_nothing(room, bumped):
    with bumped() as created:
        draft = Pitch.objects.create(
            startup=room.startup, incubator=room.incubator, one_liner="Next round", ask_amount=Decimal(1000),
            instrument=Pitch.Instrument.SAFE, created_by=room.founder,
        )  # fmt: skip
    with bumped() as deleted:
        draft.delete()

    assert (created, deleted) == (set(), set())


# --- The deal list still follows each change ---------------------------------------------------


@pytest.fixture
def angel(room, client_for, redis_cache):
    client = client_for(room.investor)
    assert "Raqam Pay" in client.get("/deals/").content.decode()
    return client


def test_a_new_ask_shows_on_the_deal_list_at_once(room, angel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pitch = Pitch.objects.get(pk=room.pitch.pk)
        pitch.ask_amount = Decimal(500000)
        pitch.save()

    assert "Raising 500,000 USD" in angel.get("/deals/").content.decode()


def test_a_closed_round_leaves_the_deal_list_at_once(room, angel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pitch = Pitch.objects.get(pk=room.pitch.pk)
        pitch.status = Pitch.Status.CLOSED
        pitch.save()

    page = angel.get("/deals/").content.decode()
    assert "Raqam Pay" not in page
    assert "Khet Kahani" in page


def test_a_commitment_waiting_for_reconfirmation_leaves_the_round_at_once(
    room, angel, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.interest_set(actor=room.second_investor, pitch=room.pitch, stage="soft", amount=Decimal(25000))
    assert "25,000 USD committed (10%)" in angel.get("/deals/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        interest = Interest.objects.get(investor=room.second_investor)
        interest.needs_reconfirmation = True
        interest.save()

    assert "0 USD committed (0%)" in angel.get("/deals/").content.decode()


def test_a_new_startup_name_shows_on_the_deal_list_at_once(room, angel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        room.startup.name = "Raqam Pay Global"
        room.startup.save()

    assert "Raqam Pay Global" in angel.get("/deals/").content.decode()


def test_a_second_live_deal_of_another_incubator_is_offered_in_the_filter(
    room, angel, django_capture_on_commit_callbacks
):
    incubator = OrganisationFactory(name="Plan9", slug="plan9", kind="incubator")
    with django_capture_on_commit_callbacks(execute=True):
        live_pitch(OrganisationFactory(name="Hawa Clean"), incubator, ProfileFactory().user)

    assert ">Plan9</option>" in angel.get("/deals/").content.decode()
