"""Every deal-room URL walked by everyone who might try it; then the right people's own journeys."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from pypdf import PdfReader

from core.pagecache import bump_pages
from investments.dealroom import services, urls
from investments.models import DeckAccess, Interest, InterestEvent, InvestorProfile, Pitch, Question, TermsAcceptance
from network.models import AuditEntry, Organisation
from tests.dealroom.conftest import live_pitch
from tests.network.factories import (
    OrganisationFactory,
    ProfileFactory,
    active_content,
    pdf_document,
    pdf_with_active_content,
)
from tests.sessions import totp_code
from tests.timing import deadline

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "interests": sorted(Interest.objects.values_list("pitch_id", "investor_id", "stage", "amount")),
        "events": InterestEvent.objects.count(),
        "questions": sorted(Question.objects.values_list("pk", "text", "answer", "private")),
        "log": DeckAccess.objects.count(),
        "investors": sorted(InvestorProfile.objects.values_list("user_id", "status")),
        "acceptances": TermsAcceptance.objects.count(),
        "pitches": sorted(Pitch.objects.values_list("pk", "status", "version")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def question(room):
    return Question.objects.create(pitch=room.pitch, asker=room.second_investor, text="What is the churn?")


# (method, url name, arguments, data)
ROOM = [
    ("get", "deals:deal-list", lambda w: [], None),
    ("get", "deals:deal-detail", lambda w: [w.pitch.pk], None),
    ("get", "deals:deck-viewer", lambda w: [w.pitch.pk], None),
    ("get", "deals:deck-slide", lambda w: [w.pitch.pk, 1], None),
    ("get", "deals:deck-download", lambda w: [w.pitch.pk], None),
    ("post", "deals:question-create", lambda w: [w.pitch.pk], {"text": "Churn?"}),
    ("post", "deals:interest-update", lambda w: [w.pitch.pk], {"stage": "watching"}),
    ("post", "deals:interest-update", lambda w: [w.pitch.pk], {"stage": "soft", "amount": "10000"}),
    ("post", "deals:interest-reconfirm", lambda w: [w.pitch.pk], {}),
]
STARTUP_SIDE = [
    ("get", "deals:analytics", lambda w: [w.pitch.pk], None),
    ("post", "deals:question-answer", lambda w: [w.question.pk], {"answer": "2%"}),
]
STAFF = [
    ("get", "deals:investor-list", lambda w: [], None),
    ("get", "deals:investor-detail", lambda w: [w.pending.investor.pk], None),
    ("post", "deals:investor-detail", lambda w: [w.pending.investor.pk], {"decision": "approve"}),
]
MEMBERS = [
    ("get", "deals:join", lambda w: [], None),
    ("get", "deals:terms", lambda w: [], None),
    ("post", "deals:terms", lambda w: [], {"version": "1", "accept": "on"}),
]
ALL = ROOM + STARTUP_SIDE + STAFF + MEMBERS
OUTSIDERS = ["member", "other_founder", "pending", "no_mfa", "no_terms", "suspended"]


def ids(rows):
    return [f"{m}-{n}-{i}" for i, (m, n, _a, _d) in enumerate(rows)]


def call(client, method, name, args, data, world):
    path = reverse(name, args=args(world))
    return path, client.get(path) if method == "get" else client.post(path, data)


@pytest.fixture
def world(room, question):
    room.question = question
    return room


def test_the_matrix_covers_every_url():
    names = {f"deals:{p.name}" for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert {name for _m, name, _a, _d in ALL} == names


@pytest.mark.parametrize(("method", "name", "args", "data"), ALL, ids=ids(ALL))
def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_changes(client, world, method, name, args, data):
    before = snapshot()

    path, response = call(client, method, name, args, data, world)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert snapshot() == before


EXPLANATIONS = {
    "member": "You have not applied as an investor yet.",
    "other_founder": "You have not applied as an investor yet.",
    "pending": "Your investor application is waiting for Rabta's staff to vet it.",
    "no_mfa": "Turn on two-factor authentication for your account.",
    "no_terms": "Accept the current confidentiality terms.",
    "suspended": "Your access to the deal room is suspended.",
}


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize(("method", "name", "args", "data"), ROOM, ids=ids(ROOM))
def test_nobody_outside_the_room_sees_a_deal_and_is_told_what_is_missing(
    client_for, world, who, method, name, args, data
):
    before = snapshot()

    _path, response = call(client_for(getattr(world, who)), method, name, args, data, world)

    assert response.status_code == 403
    page = response.content.decode()
    assert EXPLANATIONS[who] in page
    assert "Raqam Pay" not in page
    assert snapshot() == before


@pytest.mark.parametrize("who", [*OUTSIDERS, "investor", "teammate_of_other"])
@pytest.mark.parametrize(("method", "name", "args", "data"), STARTUP_SIDE, ids=ids(STARTUP_SIDE))
def test_only_the_startup_and_its_incubator_see_analytics_and_answer(client_for, world, who, method, name, args, data):
    user = world.other_founder if who == "teammate_of_other" else getattr(world, who)
    before = snapshot()

    _path, response = call(client_for(user), method, name, args, data, world)

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("who", [*OUTSIDERS, "investor", "founder", "manager"])
@pytest.mark.parametrize(("method", "name", "args", "data"), STAFF, ids=ids(STAFF))
def test_only_staff_vet_investors(client_for, world, who, method, name, args, data):
    before = snapshot()

    _path, response = call(client_for(getattr(world, who)), method, name, args, data, world)

    assert response.status_code == 404
    assert snapshot() == before


def test_ids_of_another_deal_lead_nowhere(client_for, world):
    other_question = Question.objects.create(pitch=world.other_pitch, asker=world.investor, text="Other deal?")
    before = snapshot()

    answer = client_for(world.founder).post(
        reverse("deals:question-answer", args=[other_question.pk]), {"answer": "Not mine."}
    )
    analytics = client_for(world.founder).get(reverse("deals:analytics", args=[world.other_pitch.pk]))
    missing = client_for(world.investor).get(reverse("deals:deal-detail", args=[999999]))
    draft = live_pitch(OrganisationFactory(), world.incubator, world.founder, status=Pitch.Status.DRAFT)
    unpublished = client_for(world.investor).get(reverse("deals:deck-slide", args=[draft.pk, 1]))

    assert [answer.status_code, analytics.status_code, missing.status_code, unpublished.status_code] == [404] * 4
    assert snapshot() | {"pitches": None} == before | {"pitches": None}


def test_a_teammate_reads_analytics_but_only_owners_and_admins_answer(client_for, world):
    before = snapshot()

    page = client_for(world.teammate).get(reverse("deals:analytics", args=[world.pitch.pk]))
    answer = client_for(world.teammate).post(
        reverse("deals:question-answer", args=[world.question.pk]), {"answer": "x"}
    )

    assert page.status_code == 200
    assert answer.status_code == 403
    assert snapshot() == before


# --- The right people ------------------------------------------------------------------


def test_the_investor_reads_the_deal_and_every_view_is_logged(client_for, world):
    client = client_for(world.investor)

    listing = client.get(reverse("deals:deal-list"))
    detail = client.get(reverse("deals:deal-detail", args=[world.pitch.pk]))
    viewer = client.get(reverse("deals:deck-viewer", args=[world.pitch.pk]))
    slide = client.get(reverse("deals:deck-slide", args=[world.pitch.pk, 3]))
    beyond = client.get(reverse("deals:deck-slide", args=[world.pitch.pk, 5]))

    assert [listing.status_code, detail.status_code, viewer.status_code, slide.status_code] == [200] * 4
    assert "Raqam Pay" in listing.content.decode()
    page = detail.content.decode()
    assert "500 freelancers paid" in page
    assert "A strong team." in page
    assert slide["Content-Type"] == "image/jpeg"
    assert slide["Cache-Control"] == "private, no-store"
    assert beyond.status_code == 404
    assert list(DeckAccess.objects.values_list("user_id", "kind", "page", "pitch_version")) == [
        (world.investor.pk, "view", None, 1),
        (world.investor.pk, "page", 3, 1),
    ]


def test_downloads_only_where_the_founder_allows_and_watermarked(client_for, world):
    client = client_for(world.investor)
    path = reverse("deals:deck-download", args=[world.pitch.pk])

    refused = client.get(path)
    Pitch.objects.filter(pk=world.pitch.pk).update(allow_download=True)
    allowed = client.get(path)

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert allowed["Content-Disposition"] == 'attachment; filename="raqam-pay-deck-v1.pdf"'
    pages = PdfReader(io.BytesIO(allowed.content)).pages
    assert all(world.investor.email in page.extract_text() for page in pages)
    assert list(DeckAccess.objects.values_list("kind", flat=True)) == ["download"]


def test_suspension_takes_effect_on_the_very_next_request(client_for, world):
    client = client_for(world.investor)
    slide = reverse("deals:deck-slide", args=[world.pitch.pk, 1])
    assert client.get(slide).status_code == 200

    services.investor_decide(actor=world.staff, investor=world.investor.investor, decision="suspend", reason="Leak")

    assert client.get(slide).status_code == 403
    assert DeckAccess.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("deals:deal-list", lambda w: []),
        ("deals:deal-detail", lambda w: [w.pitch.pk]),
        ("deals:deck-slide", lambda w: [w.pitch.pk, 1]),
        ("deals:deck-download", lambda w: [w.pitch.pk]),
    ],
)
def test_a_session_that_did_not_use_the_second_factor_stays_outside(client_for, world, name, args):
    # given: an investor whose account has TOTP, in a session that signed in without it
    client = client_for(world.investor, mfa=False)

    # when
    response = client.get(reverse(name, args=args(world)))

    # then: nothing of the room, and a way to confirm with the authenticator that comes back here
    assert response.status_code == 403
    html = response.content.decode()
    assert "this session has not used two-factor authentication yet" in html
    assert f"{reverse('mfa_reauthenticate')}?next={reverse(name, args=args(world))}" in html
    assert "Raqam Pay" not in html
    assert DeckAccess.objects.count() == 0


def test_confirming_with_the_authenticator_opens_the_room(client_for, world):
    # given
    from allauth.mfa.utils import decrypt

    client = client_for(world.investor, mfa=False)
    secret = decrypt(world.investor.authenticator_set.get(type="totp").data["secret"])
    deals = reverse("deals:deal-list")

    # when
    response = client.post(f"{reverse('mfa_reauthenticate')}?next={deals}", {"code": totp_code(secret)})

    # then
    assert response["Location"] == deals
    assert client.get(deals).status_code == 200


def test_committing_asks_for_the_password_again(client_for, reauthenticated, world):
    path = reverse("deals:interest-update", args=[world.pitch.pk])
    before = snapshot()

    asked = client_for(world.investor).post(path, {"stage": "soft", "amount": "10000"})

    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert snapshot() == before

    done = reauthenticated(world.investor).post(path, {"stage": "soft", "amount": "10000"})

    assert done.status_code == 302
    assert Interest.objects.get(investor=world.investor).amount == Decimal(10000)


def test_watching_needs_no_password_and_bad_moves_are_explained(client_for, reauthenticated, world):
    path = reverse("deals:interest-update", args=[world.pitch.pk])

    watched = client_for(world.investor).post(path, {"stage": "watching"})
    bad = reauthenticated(world.investor).post(path, {"stage": "committed"}, follow=True)

    assert watched.status_code == 302
    assert Interest.objects.get(investor=world.investor).stage == "watching"
    assert "Your interest cannot move from watching to committed." in bad.content.decode()


def test_the_founder_answers_and_the_analytics_show_who_read_what(client_for, world):
    services.deck_access_record(user=world.investor, pitch=world.pitch, kind="view")
    for page in (1, 2, 2):
        services.deck_access_record(user=world.investor, pitch=world.pitch, kind="page", page=page)
    client = client_for(world.founder)

    answered = client.post(
        reverse("deals:question-answer", args=[world.question.pk]), {"answer": "2% a month.", "private": "on"}
    )
    page = client.get(reverse("deals:analytics", args=[world.pitch.pk])).content.decode()

    assert answered.status_code == 302
    world.question.refresh_from_db()
    assert (world.question.answer, world.question.private, world.question.answered_by) == (
        "2% a month.",
        True,
        world.founder,
    )
    assert world.investor.email in page
    assert "1, 2" in page
    assert "What is the churn?" in page


def test_staff_vet_after_confirming_their_password(client_for, reauthenticated, world):
    path = reverse("deals:investor-detail", args=[world.pending.investor.pk])

    before = snapshot()
    read = client_for(world.staff).get(path)
    asked = client_for(world.staff).post(path, {"decision": "approve"})
    assert read.status_code == 200
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert snapshot() == before

    client = reauthenticated(world.staff)
    assert client.get(reverse("deals:investor-list")).status_code == 200
    refused = client.post(path, {"decision": "reject", "reason": ""})
    approved = client.post(path, {"decision": "approve"})

    assert "Give the reason; the investor will read it." in refused.content.decode()
    assert approved.status_code == 302
    assert InvestorProfile.objects.get(user=world.pending).status == "approved"


def test_a_member_applies_through_the_join_page(client_for, world):
    applicant = ProfileFactory().user
    client = client_for(applicant)

    response = client.post(
        reverse("deals:join"),
        {"focus": "Agritech", "ticket_min": "1000", "ticket_max": "500", "country": "AE", "attestation": "on"},
    )
    assert "The largest ticket cannot be smaller than the smallest." in response.content.decode()
    response = client.post(
        reverse("deals:join"),
        {"focus": "Agritech", "ticket_min": "1000", "ticket_max": "25000", "country": "AE", "attestation": "on"},
    )

    assert response.status_code == 302
    assert InvestorProfile.objects.get(user=applicant).status == "pending"


def test_the_investor_accepts_new_terms_on_the_terms_page(client_for, world):
    from investments.models import ConfidentialityTerms

    ConfidentialityTerms.objects.create(version=2, text="Version two.")
    client = client_for(world.investor)
    assert client.get(reverse("deals:deal-list")).status_code == 403

    stale = client.post(reverse("deals:terms"), {"version": "1", "accept": "on"})
    accepted = client.post(reverse("deals:terms"), {"version": "2", "accept": "on"})

    assert stale.status_code == 302
    assert accepted["Location"] == reverse("deals:deal-list")
    assert client.get(reverse("deals:deal-list")).status_code == 200
    assert TermsAcceptance.objects.filter(user=world.investor, terms__version=2).count() == 1


def test_the_deal_list_filters_and_its_query_count_is_constant(client_for, world):
    client = client_for(world.investor)
    path = reverse("deals:deal-list")
    client.get(path)
    bump_pages("deals")  # the page of results is made again, not taken from the cache
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(8):
        pitch = live_pitch(OrganisationFactory(), world.incubator, world.founder, minimum_ticket=Decimal(100000))
        services.interest_set(actor=world.second_investor, pitch=pitch, stage="soft", amount=Decimal(100000 + n))
    bump_pages("deals")
    with CaptureQueriesContext(connection) as many:
        client.get(path)
    filtered = client.get(path, {"ticket": "10000", "instrument": "safe", "sort": "raised"}).content.decode()

    assert len(few) == len(many)
    assert "2 live deals" in filtered


def test_the_deal_lists_incubator_filter_shows_a_new_incubators_deal_at_once(
    client_for, world, django_capture_on_commit_callbacks
):
    """The filter form is cached; an incubator whose first deal goes live appears in it at once."""
    # given
    client = client_for(world.investor)
    path = reverse("deals:deal-list")
    assert "Second Incubator" not in client.get(path).content.decode()
    second = OrganisationFactory(name="Second Incubator", kind=Organisation.Kind.INCUBATOR)
    startup = OrganisationFactory()

    # when: only the pitch is new
    with django_capture_on_commit_callbacks(execute=True):
        live_pitch(startup, second, world.founder)
    content = client.get(path).content.decode()

    # then
    assert f'<option value="{second.pk}">Second Incubator</option>' in content


def test_the_deal_page_query_count_is_constant(client_for, world):
    client = client_for(world.investor)
    path = reverse("deals:deal-detail", args=[world.pitch.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(6):
        asker = world.second_investor
        q = services.question_ask(actor=asker, pitch=world.pitch, text=f"Question {n}?")
        services.question_answer(actor=world.founder, question=q, answer=f"Answer {n}.")
    with CaptureQueriesContext(connection) as many:
        client.get(path)

    assert len(few) == len(many)


def test_changing_the_terms_of_a_live_pitch_asks_for_the_password_again(client_for, reauthenticated, world):
    path = reverse("investments:pitch-edit", args=[world.pitch.pk])
    data = {
        "one_liner": world.pitch.one_liner, "stage": "pre_seed", "problem": "p", "solution": "s",
        "ask_amount": "300000", "currency": "USD", "instrument": "safe", "valuation_cap": "3000000",
    }  # fmt: skip
    before = snapshot()

    asked = client_for(world.founder).post(path, data)

    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert snapshot() == before

    done = reauthenticated(world.founder).post(path, data)

    assert done.status_code == 302
    assert Pitch.objects.get(pk=world.pitch.pk).version == 2


def test_the_deal_list_shows_my_own_stage_on_the_shared_page_of_deals(client_for, world):
    # given: two investors following different deals
    services.interest_set(actor=world.investor, pitch=world.pitch, stage="considering")
    services.interest_set(actor=world.second_investor, pitch=world.other_pitch, stage="watching")

    # when: both open the list (the second gets the page of deals the first one's request cached)
    page = client_for(world.investor).get(reverse("deals:deal-list")).content.decode()
    with CaptureQueriesContext(connection) as second:
        other = client_for(world.second_investor).get(reverse("deals:deal-list")).content.decode()

    # then: each sees their own stage on their own deal, and nobody else's
    assert 'Raqam Pay</a> <span class="tag">You: Considering</span></h2>' in page
    assert page.count("You: ") == 1
    assert 'Khet Kahani</a> <span class="tag">You: Watching</span></h2>' in other
    assert other.count("You: ") == 1
    assert not any("investments_pitch" in q["sql"] for q in second.captured_queries)


def test_the_admin_cannot_change_or_delete_the_access_log(client_for, world):
    entry = services.deck_access_record(user=world.investor, pitch=world.pitch, kind="page", page=1)
    admin = client_for(ProfileFactory(user__is_staff=True, user__is_superuser=True, user__mfa=True).user)

    listing = admin.get(reverse("admin:investments_deckaccess_changelist"))
    change = admin.post(reverse("admin:investments_deckaccess_change", args=[entry.pk]), {"page": "4"})
    delete = admin.post(reverse("admin:investments_deckaccess_delete", args=[entry.pk]), {"post": "yes"})
    bulk = admin.post(
        reverse("admin:investments_deckaccess_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert listing.status_code == 200
    assert (change.status_code, delete.status_code) == (403, 403)
    assert bulk.status_code in (200, 302)
    assert list(DeckAccess.objects.values_list("pk", "page")) == [(entry.pk, 1)]


def store_deck(pitch: Pitch, content: bytes) -> Pitch:
    """Put ``content`` in storage as the pitch's deck as it is, the way a deck stored before uploads were checked is."""
    from django.core.files.base import ContentFile

    pitch = Pitch.objects.get(pk=pitch.pk)
    pitch.deck.save("deck.pdf", ContentFile(content), save=False)
    Pitch.objects.filter(pk=pitch.pk).update(deck=pitch.deck.name, allow_download=True)
    return Pitch.objects.get(pk=pitch.pk)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4\n%%EOF\n", "This deck file is damaged and cannot be opened. Ask the startup to upload it again."),
        (
            # A valid PDF whose page took 2.6 GB to draw and then raised an uncaught error.
            pdf_document((72, 14_400)),
            "Page 1 of this deck measures 72 × 14,400 points, too large to show. The startup needs to upload the "
            "deck again at a normal page size.",
        ),
        (
            pdf_document(*[(960, 540)] * 101),
            "This deck has 101 pages, more than the 100 the deal room shows. The startup needs to upload a shorter "
            "one.",
        ),
    ],
    ids=["damaged", "page-too-tall", "too-many-pages"],
)
def test_a_stored_deck_that_cannot_be_shown_is_explained_never_a_server_error(client_for, world, content, message):
    # given: a deck stored as it is, from before uploads were checked
    pitch = store_deck(world.pitch, content)
    client = client_for(world.investor)

    # when
    with deadline(20):
        page = client.get(reverse("deals:deal-detail", args=[pitch.pk]))
        viewer = client.get(reverse("deals:deck-viewer", args=[pitch.pk]))
        slide = client.get(reverse("deals:deck-slide", args=[pitch.pk, 1]))
        download = client.get(reverse("deals:deck-download", args=[pitch.pk]), follow=True)

    # then: each address says why, in a page of the site; nothing was shown, so nothing is logged
    escaped = message.replace("'", "&#x27;")
    assert page.status_code == 200
    assert escaped in page.content.decode()
    assert "Read the deck" not in page.content.decode()
    assert (viewer.status_code, viewer["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert escaped in viewer.content.decode()
    assert (slide.status_code, slide["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert escaped in slide.content.decode()
    assert download.redirect_chain == [(reverse("deals:deal-detail", args=[pitch.pk]), 302)]
    assert escaped in download.content.decode()
    assert not DeckAccess.objects.exists()


def test_the_startup_sees_why_investors_cannot_read_its_stored_deck(client_for, world):
    pitch = store_deck(world.pitch, pdf_document((72, 14_400)))

    page = client_for(world.founder).get(reverse("investments:pitch-detail", args=[pitch.pk]))

    assert page.status_code == 200
    assert "Investors cannot read the deck stored here. Page 1 of this deck measures 72 × 14,400 points" in (
        page.content.decode()
    )


def test_a_deck_stored_with_active_content_reaches_nobody_with_it(client_for, world):
    # given: a deck stored before uploads were rewritten, carrying scripts, an embedded file and a form
    pitch = store_deck(world.pitch, pdf_with_active_content(pdf_document((960, 540), text="Raqam Pay")))

    # when: an investor downloads it, and the startup and its incubator open it on their side
    download = client_for(world.investor).get(reverse("deals:deck-download", args=[pitch.pk]))
    founder = client_for(world.founder).get(reverse("investments:pitch-deck", args=[pitch.pk]))
    manager = client_for(world.manager).get(reverse("investments:pitch-deck", args=[pitch.pk]))

    # then: each copy has the page and what it shows, and nothing a viewer would run or hand out
    for response in (download, founder, manager):
        assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
        assert active_content(response.content) == {}
        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        assert "Raqam Pay" in text
        assert "Filled in by hand" in text
    assert world.investor.email in PdfReader(io.BytesIO(download.content)).pages[0].extract_text()
