"""Pitches: deck checks, the workflow, versions, and who may see them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from investments import services
from investments.models import Application, Pitch, PitchVersion
from network.models import AuditEntry, Membership
from tests.investments.factories import ApplicationFactory, CohortFactory, IncubatorFactory
from tests.network.factories import (
    MembershipFactory,
    OrganisationFactory,
    ProfileFactory,
    active_content,
    pdf_document,
    pdf_with_active_content,
)
from tests.timing import deadline

pytestmark = pytest.mark.django_db

PDF = pdf_document((960, 540), text="Raqam Pay")


@pytest.fixture(autouse=True)
def private_root(tmp_path):
    field = Pitch._meta.get_field("deck")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path, base_url="/no-public-url/")
    yield tmp_path
    field.storage = original


@pytest.fixture
def setting():
    incubator = IncubatorFactory(slug="nic")
    manager = ProfileFactory().user
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    startup = OrganisationFactory(slug="raqam-pay")
    founder = ProfileFactory().user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    ApplicationFactory(cohort=CohortFactory(incubator=incubator), startup=startup, status=Application.Status.ADMITTED)
    other_founder = ProfileFactory().user
    MembershipFactory(organisation=OrganisationFactory(slug="other"), user=other_founder, role=Membership.Role.OWNER)
    other_manager = ProfileFactory().user
    MembershipFactory(organisation=IncubatorFactory(slug="other-inc"), user=other_manager, role=Membership.Role.OWNER)
    return type("Setting", (), locals())


def encrypted(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def deck(content=PDF, name="deck.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def new_pitch(setting, **extra) -> Pitch:
    data = {
        "one_liner": "Payroll for freelancers exporting services",
        "problem": "Freelancers wait weeks to be paid.",
        "solution": "Instant payouts.",
        "ask_amount": Decimal(250000),
        "currency": "usd",
        "instrument": "safe",
        "valuation_cap": Decimal(3000000),
    }
    data.update(extra)
    return services.pitch_create(
        actor=setting.founder, startup=setting.startup, incubator=setting.incubator, data=data, deck=deck()
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            deck(b"hello, I am text", "deck.pdf"),
            "This file is not a PDF, whatever its name says. Export the deck as PDF.",
        ),
        (deck(PDF + b"0" * (20 * 1024 * 1024)), "The deck is too large. Upload a PDF of at most 20 MB."),
        (deck(PDF, "deck.pdf", "image/png"), "Upload the deck as a PDF (this file says it is “image/png”)."),
        (
            # 340 bytes that start like a PDF: once endorsed and live, investors saw only "cannot be opened".
            deck(b"%PDF-1.7\n" + b"not really a deck " * 18 + b"x" * 7),
            "This file starts like a PDF but cannot be read as one: it is damaged, cut short or not a PDF at all. "
            "Export it as a PDF again and upload that.",
        ),
        (
            deck(pdf_document((960, 540), (72, 14_400))),
            "Page 2 measures 72 × 14,400 points (1.0 × 200.0 inches). Each side of a page must be between 72 and "
            "3,600 points and a page at most 4,000,000 square points; a 16:9 slide is 960 × 540 points, an A4 "
            "page 595 × 842. Export the file again at a normal page size.",
        ),
        (
            deck(pdf_document(*[(960, 540)] * 101)),
            "This PDF has 101 pages; at most 100 are accepted. Upload a shorter file.",
        ),
        (
            deck(encrypted(PDF)),
            "This PDF is protected by a password. Save a copy without the password and upload that.",
        ),
    ],
    ids=["renamed-non-pdf", "oversized", "wrong-content-type", "only-starts-like-a-pdf", "page-too-tall",
         "too-many-pages", "password"],
)  # fmt: skip
def test_bad_decks_are_refused_with_a_clear_message(setting, private_root, upload, message):
    with pytest.raises(ValidationError) as error:
        services.pitch_create(
            actor=setting.founder,
            startup=setting.startup,
            incubator=setting.incubator,
            data={"one_liner": "x", "ask_amount": Decimal(1), "instrument": "safe"},
            deck=upload,
        )
    assert error.value.message_dict == {"deck": [message]}
    assert Pitch.objects.count() == 0
    assert list(private_root.rglob("*.*")) == []


def test_the_stored_deck_is_rewritten_without_its_active_content(setting, private_root):
    # given: a real deck that also carries scripts, an open action, an embedded file, a filled-in form and links
    upload = deck(pdf_with_active_content(pdf_document((960, 540), (960, 540), text="Raqam Pay")))
    assert set(active_content(upload.read())) == {
        "/OpenAction", "/AA", "/AcroForm", "/Names", "attachments", "page 1 /AA", "page 1 annotations", "bytes",
    }  # fmt: skip
    upload.seek(0)

    # when
    with deadline(10):
        pitch = services.pitch_create(
            actor=setting.founder,
            startup=setting.startup,
            incubator=setting.incubator,
            data={"one_liner": "x", "ask_amount": Decimal(1), "instrument": "safe"},
            deck=upload,
        )

    # then: the pages and what they show are kept; nothing a viewer would run or hand out is
    stored = (private_root / pitch.deck.name).read_bytes()
    assert active_content(stored) == {}
    reader = PdfReader(io.BytesIO(stored))
    assert [page.extract_text().split() for page in reader.pages] == [
        ["Raqam", "Pay", "Filled", "in", "by", "hand"],  # the form field's value is drawn on the page
        ["Raqam", "Pay"],
    ]
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert links == ["https://raqam.example/"]


def test_the_pitch_form_shows_why_a_deck_is_refused(client_for, setting):
    client = client_for(setting.founder)
    url = reverse("investments:pitch-create", args=[setting.startup.slug])
    base = {"one_liner": "Payroll", "stage": "seed", "ask_amount": "100000", "currency": "USD", "instrument": "safe"}

    response = client.post(url, {**base, "deck_file": deck(b"%PDF-1.4\n%%EOF\n")})

    assert response.status_code == 200
    assert "This file starts like a PDF but cannot be read as one" in response.content.decode()
    assert Pitch.objects.count() == 0


def test_the_whole_workflow_with_audit_entries(setting):
    pitch = new_pitch(setting)
    assert (pitch.status, pitch.currency) == (Pitch.Status.DRAFT, "USD")
    assert pitch.deck.name.startswith("decks/")

    services.pitch_transition(actor=setting.founder, pitch=pitch, action="submit")
    with pytest.raises(ValidationError):
        services.pitch_transition(actor=setting.manager, pitch=pitch, action="return", comment="")
    services.pitch_transition(actor=setting.manager, pitch=pitch, action="return", comment="Add your churn.")
    services.pitch_transition(actor=setting.founder, pitch=pitch, action="submit")
    services.pitch_transition(actor=setting.manager, pitch=pitch, action="endorse", comment="Strong team.")
    services.pitch_transition(actor=setting.manager, pitch=pitch, action="ready")
    services.pitch_transition(actor=setting.founder, pitch=pitch, action="close")

    pitch.refresh_from_db()
    assert (pitch.status, pitch.endorsed_by, pitch.endorsement_note) == (
        Pitch.Status.CLOSED,
        setting.manager,
        "Strong team.",
    )
    assert list(
        AuditEntry.objects.filter(event__startswith="investments.pitch").order_by("id").values_list("event", flat=True)
    ) == [
        "investments.pitch.create",
        "investments.pitch.submit",
        "investments.pitch.return",
        "investments.pitch.submit",
        "investments.pitch.endorse",
        "investments.pitch.ready",
        "investments.pitch.close",
    ]


@pytest.mark.parametrize(
    ("action", "actor", "error"),
    [
        ("endorse", "founder", PermissionDenied),
        ("submit", "manager", PermissionDenied),
        ("ready", "manager", ValidationError),
        ("endorse", "other_manager", PermissionDenied),
        ("close", "founder", ValidationError),
        ("launch", "founder", ValidationError),
    ],
)
def test_refused_moves_change_nothing(setting, action, actor, error):
    pitch = new_pitch(setting)
    before = AuditEntry.objects.count()

    with pytest.raises(error):
        services.pitch_transition(actor=getattr(setting, actor), pitch=pitch, action=action)

    pitch.refresh_from_db()
    assert pitch.status == Pitch.Status.DRAFT
    assert AuditEntry.objects.count() == before


def test_submitting_needs_a_complete_pitch(setting):
    pitch = new_pitch(setting, instrument="equity", problem="")
    with pytest.raises(ValidationError) as error:
        services.pitch_transition(actor=setting.founder, pitch=pitch, action="submit")
    assert error.value.messages == ["Complete the pitch before submitting it: problem, pre-money valuation."]


def test_changing_terms_after_investors_saw_the_pitch_makes_a_new_version(setting):
    pitch = new_pitch(setting)
    for actor, action in ((setting.founder, "submit"), (setting.manager, "endorse"), (setting.manager, "ready")):
        services.pitch_transition(actor=actor, pitch=pitch, action=action)

    services.pitch_update(actor=setting.founder, pitch=pitch, data={"one_liner": "Sharper wording"})
    pitch.refresh_from_db()
    assert (pitch.version, PitchVersion.objects.count()) == (1, 0)

    services.pitch_update(actor=setting.founder, pitch=pitch, data={"ask_amount": Decimal(400000)})

    pitch.refresh_from_db()
    assert pitch.version == 2
    old = PitchVersion.objects.get()
    assert (old.number, old.terms["ask_amount"]) == (1, "250000.00")


def test_a_submitted_pitch_cannot_be_edited(setting):
    pitch = new_pitch(setting)
    services.pitch_transition(actor=setting.founder, pitch=pitch, action="submit")
    with pytest.raises(ValidationError):
        services.pitch_update(actor=setting.founder, pitch=pitch, data={"ask_amount": Decimal(1)})


def test_a_startup_not_admitted_by_the_incubator_cannot_pitch_through_it(setting):
    with pytest.raises(ValidationError):
        services.pitch_create(
            actor=setting.founder,
            startup=setting.startup,
            incubator=IncubatorFactory(slug="unrelated"),
            data={"one_liner": "x", "ask_amount": Decimal(1), "instrument": "safe"},
        )


def test_who_sees_the_pitch_and_its_deck(client, client_for, setting):
    pitch = new_pitch(setting)
    page = reverse("investments:pitch-detail", args=[pitch.pk])
    deck_url = reverse("investments:pitch-deck", args=[pitch.pk])

    assert client.get(page).status_code == 302
    assert client.get(deck_url).status_code == 302
    for outsider in (setting.other_founder, setting.other_manager):
        assert client_for(outsider).get(page).status_code == 404
        assert client_for(outsider).get(deck_url).status_code == 404
    for insider in (setting.founder, setting.manager):
        assert client_for(insider).get(page).status_code == 200
    response = client_for(setting.manager).get(deck_url)
    assert response["Content-Type"] == "application/pdf"
    assert [page.extract_text().strip() for page in PdfReader(io.BytesIO(response.content)).pages] == ["Raqam Pay"]


def test_the_editor_creates_a_pitch_and_refuses_bad_input(client_for, setting):
    client = client_for(setting.founder)
    url = reverse("investments:pitch-create", args=[setting.startup.slug])
    base = {"one_liner": "Payroll", "stage": "seed", "ask_amount": "100000", "currency": "USD", "instrument": "safe"}

    bad = client.post(url, {**base, "traction_metric_0": "MRR", "deck_file": deck(b"nope")})
    good = client.post(
        url, {**base, "traction_metric_0": "MRR (USD)", "traction_value_0": "12,000", "deck_file": deck()}
    )

    assert bad.status_code == 200
    assert "Give both the metric and its value, or neither." in bad.content.decode()
    assert good.status_code == 302
    assert Pitch.objects.get().traction == [{"metric": "MRR (USD)", "value": "12,000"}]


def test_the_pitch_page_query_count_is_constant(client_for, setting):
    from mentorship.models import Booking, Endorsement
    from tests.mentorship.factories import BookingFactory, MentorFactory

    pitch = new_pitch(setting)
    client = client_for(setting.manager)
    path = reverse("investments:pitch-detail", args=[pitch.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(6):
        mentor = MentorFactory()
        BookingFactory(mentee=setting.founder, session_type__mentor=mentor, status=Booking.Status.COMPLETED)
        Endorsement.objects.create(mentor=mentor, founder=setting.founder, text=f"Endorsement {n}")
        PitchVersion.objects.create(pitch=pitch, number=n + 2, terms=pitch.terms())
    with CaptureQueriesContext(connection) as many:
        page = client.get(path).content.decode()

    assert "<dt>Sessions held</dt><dd>6</dd><dt>Mentors</dt><dd>6</dd>" in page
    assert len(few) == len(many)
