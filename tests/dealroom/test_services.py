"""Deal room services: vetting, terms, the gate, questions, interest and reconfirmation, the access log."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import Http404
from pypdf import PdfReader

from investments import services as pitch_services
from investments.dealroom import decks, selectors, services
from investments.models import (
    ConfidentialityTerms,
    DeckAccess,
    Interest,
    InterestEvent,
    InvestorProfile,
    Pitch,
    PitchVersion,
    Question,
    TermsAcceptance,
)
from investments.permissions import DealRoomClosed, access_deal, deal_room_missing
from network.models import AuditEntry, Notification
from tests.dealroom.conftest import make_investor
from tests.network.factories import ProfileFactory, pdf_document
from tests.timing import deadline

pytestmark = pytest.mark.django_db


def events() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("event", flat=True))


# --- Who gets in -----------------------------------------------------------------------


def test_a_member_applies_and_staff_are_told(room):
    applicant = ProfileFactory(display_name="Applicant").user

    investor = services.investor_apply(
        actor=applicant,
        data={"focus": "Climate", "ticket_min": 1000, "ticket_max": 20000, "country": "CA", "attestation": True},
    )

    assert (investor.status, investor.country.code) == (InvestorProfile.Status.PENDING, "CA")
    assert events()[-1] == "investments.investor.apply"
    assert list(Notification.objects.filter(kind="investments.investor.apply").values_list("recipient", flat=True)) == [
        room.staff.pk
    ]


def test_an_application_needs_the_attestation_and_a_sane_ticket_range(room):
    applicant = ProfileFactory().user
    data = {"focus": "x", "ticket_min": 1000, "ticket_max": 20000, "country": "CA"}

    with pytest.raises(ValidationError) as no_attestation:
        services.investor_apply(actor=applicant, data={**data, "attestation": False})
    with pytest.raises(ValidationError) as upside_down:
        services.investor_apply(actor=applicant, data={**data, "ticket_max": 10, "attestation": True})

    assert list(no_attestation.value.message_dict) == ["attestation"]
    assert upside_down.value.message_dict == {"ticket_max": ["The largest ticket cannot be smaller than the smallest."]}
    assert not InvestorProfile.objects.filter(user=applicant).exists()


@pytest.mark.parametrize(
    ("start", "decision", "end"),
    [
        ("pending", "approve", "approved"),
        ("pending", "reject", "rejected"),
        ("approved", "suspend", "suspended"),
        ("suspended", "approve", "approved"),
    ],
)
def test_staff_vet_with_a_reason_and_an_audit_entry(room, start, decision, end):
    user = make_investor("Vetted", status=start)
    investor = user.investor

    services.investor_decide(actor=room.staff, investor=investor, decision=decision, reason="Checked references.")

    investor.refresh_from_db()
    assert (investor.status, investor.decided_by, investor.decision_reason) == (end, room.staff, "Checked references.")
    entry = AuditEntry.objects.get(event=f"investments.investor.{decision}")
    assert (entry.actor, entry.data["from"], entry.data["to"]) == (room.staff, start, end)
    assert Notification.objects.filter(recipient=user, kind=f"investments.investor.{decision}").count() == 1


@pytest.mark.parametrize(
    ("start", "decision"),
    [("approved", "approve"), ("rejected", "approve"), ("rejected", "suspend"), ("pending", "suspend"), ("x", "y")],
)
def test_refused_vetting_moves_change_nothing(room, start, decision):
    user = make_investor("Vetted", status=start if start != "x" else "pending")
    before = (InvestorProfile.objects.get(user=user).status, events())

    with pytest.raises(ValidationError):
        services.investor_decide(actor=room.staff, investor=user.investor, decision=decision, reason="r")

    assert (InvestorProfile.objects.get(user=user).status, events()) == before


def test_rejecting_or_suspending_needs_a_reason_and_only_staff_vet(room):
    with pytest.raises(ValidationError) as error:
        services.investor_decide(actor=room.staff, investor=room.pending.investor, decision="reject", reason=" ")
    assert error.value.message_dict == {"reason": ["Give the reason; the investor will read it."]}
    for who in (room.manager, room.investor, room.founder):
        with pytest.raises(PermissionDenied):
            services.investor_decide(actor=who, investor=room.pending.investor, decision="approve")
    assert InvestorProfile.objects.get(user=room.pending).status == "pending"


def test_the_gate_says_exactly_what_is_missing(room):
    assert deal_room_missing(room.investor) == []
    assert deal_room_missing(room.member) == ["apply"]
    assert deal_room_missing(room.pending) == ["pending"]
    assert deal_room_missing(room.suspended) == ["suspended"]
    assert deal_room_missing(room.no_mfa) == ["mfa"]
    assert deal_room_missing(room.no_terms) == ["terms"]


def test_new_terms_ask_everyone_again_and_acceptance_records_version_time_and_address(room):
    newer = ConfidentialityTerms.objects.create(version=2, text="New terms.")

    assert deal_room_missing(room.investor) == ["terms"]
    with pytest.raises(ValidationError):
        services.terms_accept(actor=room.investor, terms=room.terms, ip_address="203.0.113.9")
    acceptance = services.terms_accept(actor=room.investor, terms=newer, ip_address="203.0.113.9")

    assert (acceptance.terms.version, acceptance.ip_address) == (2, "203.0.113.9")
    assert acceptance.accepted_at is not None
    assert deal_room_missing(room.investor) == []
    services.terms_accept(actor=room.investor, terms=newer)  # twice is harmless
    assert TermsAcceptance.objects.filter(user=room.investor).count() == 2
    assert events().count("investments.terms.accept") == 1


def test_suspension_shuts_the_door_on_the_next_check(room):
    assert access_deal(room.investor, room.pitch.pk) == room.pitch

    services.investor_decide(actor=room.staff, investor=room.investor.investor, decision="suspend", reason="Leak")

    with pytest.raises(DealRoomClosed) as closed:
        access_deal(room.investor, room.pitch.pk)
    assert closed.value.missing == ["suspended"]


def test_a_withdrawn_pitch_is_gone_from_the_room(room):
    pitch_services.pitch_transition(actor=room.founder, pitch=room.pitch, action="withdraw")

    with pytest.raises(Http404):
        access_deal(room.investor, room.pitch.pk)


# --- Questions -------------------------------------------------------------------------


def test_questions_are_shared_unless_the_founder_keeps_one_private(room):
    public = services.question_ask(actor=room.investor, pitch=room.pitch, text="What is the churn?", slide=3)
    private = services.question_ask(actor=room.investor, pitch=room.pitch, text="Who else invests?")
    services.question_answer(actor=room.founder, question=public, answer="2% a month.")
    services.question_answer(actor=room.founder, question=private, answer="We will tell you.", private=True)

    mine = list(selectors.questions_for_investor(pitch=room.pitch, user=room.investor))
    theirs = list(selectors.questions_for_investor(pitch=room.pitch, user=room.second_investor))

    assert mine == [public, private]
    assert theirs == [public]
    assert Notification.objects.filter(recipient=room.investor, kind="investments.question.answer").count() == 2
    assert events()[-4:] == [
        "investments.question.create",
        "investments.question.create",
        "investments.question.answer",
        "investments.question.answer",
    ]


def test_bad_questions_and_answers_are_refused(room):
    with pytest.raises(ValidationError) as blank:
        services.question_ask(actor=room.investor, pitch=room.pitch, text="  ")
    with pytest.raises(ValidationError) as no_slide:
        services.question_ask(actor=room.investor, pitch=room.pitch, text="Slide?", slide=9, page_count=4)
    with pytest.raises(DealRoomClosed):
        services.question_ask(actor=room.no_terms, pitch=room.pitch, text="Let me in?")
    question = services.question_ask(actor=room.investor, pitch=room.pitch, text="Churn?")
    for outsider in (room.teammate, room.other_founder, room.second_investor, room.manager):
        with pytest.raises(PermissionDenied):
            services.question_answer(actor=outsider, question=question, answer="No.")

    assert blank.value.message_dict == {"text": ["Write your question."]}
    assert no_slide.value.message_dict == {"slide": ["The deck has no slide 9."]}
    assert Question.objects.get().answer == ""


# --- Interest --------------------------------------------------------------------------


def stage_path(user, pitch) -> list[tuple[str, Decimal | None]]:
    return list(
        InterestEvent.objects.filter(interest__investor=user, interest__pitch=pitch).values_list("stage", "amount")
    )


def test_interest_moves_through_the_stages_with_history(room):
    for stage, amount in [("watching", None), ("considering", None), ("soft", Decimal(20000)), ("committed", None)]:
        services.interest_set(actor=room.investor, pitch=room.pitch, stage=stage, amount=amount)

    interest = Interest.objects.get(investor=room.investor)
    assert (interest.stage, interest.amount, interest.counts) == ("committed", Decimal(20000), True)
    assert stage_path(room.investor, room.pitch) == [
        ("watching", None),
        ("considering", None),
        ("soft", Decimal(20000)),
        ("committed", Decimal(20000)),
    ]
    assert selectors.round_progress(pitch=room.pitch)["committed"] == Decimal(20000)


@pytest.mark.parametrize(
    ("path", "stage", "amount", "message"),
    [
        ([], "committed", Decimal(10000), "Your interest cannot move from nothing to committed."),
        ([("watching", None)], "committed", Decimal(10000), "Your interest cannot move from watching to committed."),
        ([], "soft", None, "Give the amount, in USD."),
        ([], "soft", Decimal(100), "The minimum ticket is 5,000 USD."),
        ([("soft", Decimal(9000)), ("committed", None)], "soft", Decimal(9000), None),
        ([], "nonsense", None, None),
    ],
)
def test_refused_interest_moves_change_nothing(room, path, stage, amount, message):
    for step, value in path:
        services.interest_set(actor=room.investor, pitch=room.pitch, stage=step, amount=value)
    before = (stage_path(room.investor, room.pitch), events())

    with pytest.raises(ValidationError) as error:
        services.interest_set(actor=room.investor, pitch=room.pitch, stage=stage, amount=amount)

    if message:
        assert message in error.value.messages
    assert (stage_path(room.investor, room.pitch), events()) == before


def test_changed_terms_suspend_commitments_until_reconfirmed(room):
    # given: one soft, one firm commitment, one watcher
    services.interest_set(actor=room.investor, pitch=room.pitch, stage="soft", amount=Decimal(20000))
    services.interest_set(actor=room.second_investor, pitch=room.pitch, stage="soft", amount=Decimal(30000))
    services.interest_set(actor=room.second_investor, pitch=room.pitch, stage="committed")
    watcher = make_investor("Watcher", terms=room.terms)
    services.interest_set(actor=watcher, pitch=room.pitch, stage="watching")
    assert selectors.round_progress(pitch=room.pitch)["raised"] == Decimal(50000)

    # when: the founder raises the cap
    pitch_services.pitch_update(actor=room.founder, pitch=room.pitch, data={"valuation_cap": Decimal(4000000)})

    # then: the commitments stop counting, the old terms are kept, and the investors are asked
    room.pitch.refresh_from_db()
    assert room.pitch.version == 2
    assert PitchVersion.objects.get(pitch=room.pitch).terms["valuation_cap"] == "3000000.00"
    progress = selectors.round_progress(pitch=room.pitch)
    assert (progress["raised"], progress["waiting"]) == (Decimal(0), 2)
    assert sorted(
        Notification.objects.filter(kind="investments.interest.reconfirm").values_list("recipient", flat=True)
    ) == sorted([room.investor.pk, room.second_investor.pk])
    with pytest.raises(ValidationError):
        services.interest_set(actor=room.investor, pitch=room.pitch, stage="committed")

    # when: one reconfirms
    services.interest_reconfirm(actor=room.investor, pitch=room.pitch)

    # then: theirs counts again, against version 2
    interest = Interest.objects.get(investor=room.investor)
    assert (interest.needs_reconfirmation, interest.terms_version) == (False, 2)
    assert selectors.round_progress(pitch=room.pitch)["raised"] == Decimal(20000)
    assert events()[-1] == "investments.interest.reconfirm"
    with pytest.raises(ValidationError):
        services.interest_reconfirm(actor=watcher, pitch=room.pitch)


def test_the_database_refuses_an_amount_on_watching_or_none_on_a_commitment(room):
    for stage, amount in (("watching", Decimal(5)), ("soft", None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Interest.objects.create(
                pitch=room.pitch, investor=room.investor, stage=stage, amount=amount, terms_version=1
            )


# --- The access log and the watermark --------------------------------------------------


def test_the_access_log_is_append_only(room):
    entry = services.deck_access_record(user=room.investor, pitch=room.pitch, kind="page", page=2)

    with pytest.raises(TypeError):
        DeckAccess.objects.filter(pk=entry.pk).update(page=3)
    with pytest.raises(TypeError):
        DeckAccess.objects.filter(pk=entry.pk).delete()
    with pytest.raises(TypeError):
        entry.delete()
    entry.page = 3
    with pytest.raises(TypeError):
        entry.save()
    # Below the ORM, the database itself refuses a change or a deletion.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE investments_deckaccess SET page = 3 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM investments_deckaccess WHERE id = %s", [entry.pk])

    assert list(DeckAccess.objects.values_list("page", flat=True)) == [2]


def test_a_downloaded_deck_carries_the_viewers_email_on_every_page(room):
    text = decks.watermark_text(room.investor.email, room.pitch.created_at)

    pdf = decks.watermarked_pdf(room.pitch, text=text)

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 4
    assert all(room.investor.email in page.extract_text() for page in pages)
    assert room.investor.email not in PdfReader(room.pitch.deck.open("rb")).pages[0].extract_text()


def test_slides_are_jpeg_images_of_the_deck(room):
    image = decks.slide_jpeg(room.pitch, 2, text="angel@example.com · 2026-11-22 10:00 UTC")

    assert decks.page_count(room.pitch) == 4
    assert image[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("size", "pixels"),
    [((960, 540), (1280, 720)), ((595, 842), (1280, 1812)), ((72, 3_600), (222, 11_063))],
    ids=["16:9 slide", "A4 portrait", "a long strip"],
)
def test_a_slide_fills_the_width_unless_that_takes_too_many_pixels(room, size, pixels):
    from django.core.files.base import ContentFile
    from PIL import Image

    room.pitch.deck.save("deck.pdf", ContentFile(pdf_document(size)), save=True)

    with deadline(10):
        decks.deck_render(room.pitch)  # what the upload's task does
        slide = Image.open(io.BytesIO(decks.slide_jpeg(room.pitch, 1, text="angel@example.com")))

    assert slide.size == pixels
    assert slide.width * slide.height <= decks.SLIDE_MAX_PIXELS


def test_even_a_page_past_the_limits_is_drawn_with_a_bounded_number_of_pixels(room, monkeypatch):
    # given: the 72 × 14,400 pt page that once took 2.6 GB, and the check that refuses it switched off
    from django.core.files.base import ContentFile
    from PIL import Image

    room.pitch.deck.save("deck.pdf", ContentFile(pdf_document((72, 14_400))), save=True)
    monkeypatch.setattr(decks, "deck_state", lambda pitch: decks.DeckState(pages=1))

    # when
    with deadline(10):
        decks.deck_render(room.pitch)
        slide = Image.open(io.BytesIO(decks.slide_jpeg(room.pitch, 1, text="angel@example.com")))

    # then: at most SLIDE_MAX_PIXELS (2.5 megapixels), about 10 MB while it is drawn
    assert slide.size == (111, 22_126)
    assert slide.width * slide.height <= decks.SLIDE_MAX_PIXELS == 2_457_600


def test_a_closed_pitch_is_not_in_the_deal_list(room):
    Pitch.objects.filter(pk=room.other_pitch.pk).update(status=Pitch.Status.CLOSED)

    assert list(selectors.deal_list()) == [room.pitch]


def test_investors_following_the_sector_hear_when_a_deal_goes_live(room):
    from network.models import Sector

    fintech, agri = (
        Sector.objects.get_or_create(slug="fintech", defaults={"name": "FinTech"})[0],
        (Sector.objects.get_or_create(slug="agritech", defaults={"name": "AgriTech"})[0]),
    )
    room.investor.investor.sectors.set([fintech])
    room.second_investor.investor.sectors.set([agri])
    room.suspended.investor.sectors.set([fintech])
    pitch = Pitch.objects.create(
        startup=room.startup, incubator=room.incubator, status=Pitch.Status.ENDORSED, one_liner="Next round",
        ask_amount=Decimal(1000), instrument="safe", sector=fintech,
    )  # fmt: skip

    pitch_services.pitch_transition(actor=room.manager, pitch=pitch, action="ready")

    told = list(Notification.objects.filter(kind="investments.deal.live").values_list("recipient", flat=True))
    assert told == [room.investor.pk]
