"""Milestones, evidence and tranches: services, file checks, the milestone board's ladder."""

from __future__ import annotations

import html
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from investments import services
from investments.models import Evidence, Milestone, Tranche
from network.models import AuditEntry
from tests.investments.factories import PDF, make_milestone
from tests.network.factories import active_content, image_upload, pdf_with_active_content, photo_with_location

pytestmark = pytest.mark.django_db


def events() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("event", flat=True))


# --- Setting milestones ----------------------------------------------------------------


def test_the_incubator_or_the_startup_sets_milestones_for_an_admitted_startup(setting):
    by_manager = make_milestone(setting)
    by_founder = services.milestone_create(
        actor=setting.founder,
        cohort=setting.cohort,
        startup=setting.startup,
        data={"title": "Export revenue", "kpi": "export_revenue", "target": Decimal(5000), "due_on": date(2027, 5, 1)},
    )

    assert (by_manager.status, by_founder.status) == (Milestone.Status.OPEN, Milestone.Status.OPEN)
    assert events() == ["investments.milestone.create", "investments.milestone.create"]


@pytest.mark.parametrize("who", ["teammate", "staff_member", "other_founder", "other_manager"])
def test_others_cannot_set_milestones(setting, who):
    with pytest.raises(PermissionDenied):
        services.milestone_create(
            actor=getattr(setting, who),
            cohort=setting.cohort,
            startup=setting.startup,
            data={"title": "x", "kpi": "uptime", "target": Decimal(99), "due_on": date(2027, 4, 1)},
        )
    assert Milestone.objects.count() == 0


def test_a_startup_that_was_not_admitted_gets_no_milestones(setting):
    with pytest.raises(ValidationError):
        services.milestone_create(
            actor=setting.manager,
            cohort=setting.cohort,
            startup=setting.other_startup,
            data={"title": "x", "kpi": "uptime", "target": Decimal(99), "due_on": date(2027, 4, 1)},
        )
    assert Milestone.objects.count() == 0


def test_a_custom_kpi_needs_a_name(setting):
    with pytest.raises(ValidationError) as error:
        make_milestone(setting, kpi="custom", kpi_label="  ")
    assert error.value.message_dict == {"kpi_label": ["Name the custom KPI."]}


def test_the_milestone_form_asks_for_the_custom_kpis_name_in_words(client_for, setting):
    # given
    data = {
        "kind": "milestone",
        "milestone-title": "Pilots",
        "milestone-kpi": "custom",
        "milestone-kpi_label": "",
        "milestone-target": "3",
        "milestone-due_on": "2027-05-01",
    }
    path = reverse("investments:enrolment-detail", args=[setting.cohort.pk, setting.startup.slug])

    # when
    response = client_for(setting.founder).post(path, data)

    # then
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Name your custom KPI, for example “Pilot customers signed”." in page
    assert "investments_milestone_custom_kpi_named" not in page
    assert Milestone.objects.count() == 0
    assert events() == []


# --- Evidence and its files -----------------------------------------------------------------


def test_a_member_submits_evidence_with_a_pdf(setting, private_root):
    milestone = make_milestone(setting)

    evidence = services.evidence_submit(
        actor=setting.teammate,
        milestone=milestone,
        value=Decimal(1040),
        note="Stripe export attached",
        upload=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf"),
    )

    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.SUBMITTED
    assert evidence.content_type == "application/pdf"
    assert evidence.file.name.startswith("evidence/")
    assert evidence.file.name.endswith(".pdf")
    assert "report" not in evidence.file.name
    stored = (private_root / evidence.file.name).read_bytes()
    assert [page.extract_text().strip() for page in PdfReader(io.BytesIO(stored)).pages] == ["Milestone evidence"]
    assert events()[-1] == "investments.evidence.submit"


def test_an_evidence_photo_is_stored_without_its_location(setting, private_root):
    # given: a photo from a phone, with where it was taken in its EXIF
    milestone = make_milestone(setting)

    # when
    evidence = services.evidence_submit(
        actor=setting.teammate, milestone=milestone, value=Decimal(12), upload=photo_with_location()
    )

    # then: the same picture, at its full size, and no EXIF at all
    stored = (private_root / evidence.file.name).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (640, 480), {})
        assert image.getpixel((320, 240)) == pytest.approx((30, 90, 160), abs=3)
    assert b"Exif" not in stored
    assert b"Phone 15" not in stored
    assert evidence.content_type == "image/jpeg"
    assert evidence.file.name.endswith(".jpg")


def test_an_evidence_pdf_is_stored_without_its_active_content(setting, private_root):
    milestone = make_milestone(setting)
    upload = SimpleUploadedFile("report.pdf", pdf_with_active_content(PDF), content_type="application/pdf")

    evidence = services.evidence_submit(actor=setting.teammate, milestone=milestone, value=Decimal(12), upload=upload)

    stored = (private_root / evidence.file.name).read_bytes()
    assert active_content(stored) == {}
    assert PdfReader(io.BytesIO(stored)).pages[0].extract_text().split() == [
        "Milestone", "evidence", "Filled", "in", "by", "hand",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("notes.pdf", b"just some text, renamed", "application/pdf", "Upload a PDF, PNG or JPEG file."),
        (
            "big.pdf",
            PDF + b"0" * (5 * 1024 * 1024),
            "application/pdf",
            "The file is too large. Upload one of at most 5 MB.",
        ),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really", "image/png", "This image cannot be read. Upload another one."),
        ("script.pdf", b"<script>alert(1)</script>", "application/pdf", "Upload a PDF, PNG or JPEG file."),
        (
            "junk.pdf",
            b"%PDF-1.7\n" + b"x" * 331,
            "application/pdf",
            "This file starts like a PDF but cannot be read as one: it is damaged, cut short or not a PDF at all. "
            "Export it as a PDF again and upload that.",
        ),
        (
            "huge.png",
            image_upload(size=(8000, 6000)).read(),  # 48 megapixels of one colour: a small file, 144 MB decoded
            "image/png",
            "This image is larger than 40 megapixels. Upload a smaller scan or photo.",
        ),
    ],
    ids=["renamed-text", "oversized", "broken-image", "html", "only-starts-like-a-pdf", "too-many-pixels"],
)
def test_bad_evidence_files_are_refused_with_a_clear_message(
    setting, private_root, name, content, content_type, message
):
    # given
    milestone = make_milestone(setting)
    before = events()

    # when
    with pytest.raises(ValidationError) as error:
        services.evidence_submit(
            actor=setting.founder,
            milestone=milestone,
            value=Decimal(10),
            upload=SimpleUploadedFile(name, content, content_type=content_type),
        )

    # then
    assert error.value.message_dict == {"file": [message]}
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.OPEN
    assert Evidence.objects.count() == 0
    assert list(private_root.rglob("*.*")) == []
    assert events() == before


def test_people_outside_the_startup_cannot_submit_evidence(setting):
    milestone = make_milestone(setting)
    for outsider in (setting.manager, setting.other_founder):
        with pytest.raises(PermissionDenied):
            services.evidence_submit(actor=outsider, milestone=milestone, value=Decimal(1))
    assert Evidence.objects.count() == 0


# --- Verification and tranches --------------------------------------------------------------


def test_verify_records_who_and_when_and_unlocks_the_tranche(setting):
    # given
    milestone = make_milestone(setting)
    tranche = services.tranche_create(
        actor=setting.manager,
        cohort=setting.cohort,
        startup=setting.startup,
        amount=Decimal(500000),
        milestone=milestone,
    )

    # when: released too early
    with pytest.raises(ValidationError) as early:
        services.tranche_release(actor=setting.manager, tranche=tranche)
    services.evidence_submit(actor=setting.founder, milestone=milestone, value=Decimal(1100))
    with pytest.raises(ValidationError):
        services.tranche_release(actor=setting.manager, tranche=tranche)
    services.milestone_verify(actor=setting.manager, milestone=milestone)
    released = services.tranche_release(actor=setting.manager, tranche=tranche)

    # then
    assert early.value.messages == ["This tranche is tied to “1,000 paying users”, which is not verified yet."]
    milestone.refresh_from_db()
    assert (milestone.status, milestone.verified_by) == (Milestone.Status.VERIFIED, setting.manager)
    assert milestone.verified_at is not None
    assert (released.released_by, released.released_at is not None) == (setting.manager, True)
    assert events()[-2:] == ["investments.milestone.verify", "investments.tranche.release"]
    with pytest.raises(ValidationError):
        services.tranche_release(actor=setting.manager, tranche=tranche)


def test_return_needs_a_reason_and_reopens_the_milestone_for_evidence(setting):
    milestone = make_milestone(setting)
    services.evidence_submit(actor=setting.founder, milestone=milestone, value=Decimal(900))

    with pytest.raises(ValidationError):
        services.milestone_return(actor=setting.manager, milestone=milestone, reason=" ")
    returned = services.milestone_return(actor=setting.manager, milestone=milestone, reason="Attach the Stripe export")
    services.evidence_submit(actor=setting.founder, milestone=milestone, value=Decimal(1010))

    assert returned.status == Milestone.Status.RETURNED
    milestone.refresh_from_db()
    assert (milestone.status, milestone.return_reason) == (Milestone.Status.SUBMITTED, "")


@pytest.mark.parametrize("status", ["open", "returned", "verified"])
def test_only_submitted_evidence_can_be_verified(setting, status):
    milestone = make_milestone(setting)
    Milestone.objects.filter(pk=milestone.pk).update(status=status, verified_at="2027-01-01T00:00Z")
    with pytest.raises(ValidationError):
        services.milestone_verify(actor=setting.manager, milestone=milestone)


@pytest.mark.parametrize("who", ["staff_member", "founder", "other_manager"])
def test_only_incubator_managers_verify_and_release(setting, who):
    milestone = make_milestone(setting)
    services.evidence_submit(actor=setting.founder, milestone=milestone, value=Decimal(1100))
    tranche = services.tranche_create(
        actor=setting.manager, cohort=setting.cohort, startup=setting.startup, amount=Decimal(1)
    )

    with pytest.raises(PermissionDenied):
        services.milestone_verify(actor=getattr(setting, who), milestone=milestone)
    with pytest.raises(PermissionDenied):
        services.tranche_release(actor=getattr(setting, who), tranche=tranche)

    milestone.refresh_from_db()
    tranche.refresh_from_db()
    assert (milestone.status, tranche.released_at) == (Milestone.Status.SUBMITTED, None)


def test_overdue_milestones_are_flagged(setting):
    past = make_milestone(setting, due_on=date.today() - timedelta(days=1))
    future = make_milestone(setting, title="Later", due_on=date.today() + timedelta(days=30))

    assert (past.is_overdue, future.is_overdue) == (True, False)


# --- The milestone board ---------------------------------------------------------------------


def board(setting) -> str:
    return reverse("investments:enrolment-detail", args=[setting.cohort.pk, setting.startup.slug])


def test_the_board_ladder(client, client_for, setting):
    path = board(setting)

    assert client.get(path).status_code == 302
    for outsider in (setting.other_founder, setting.other_manager):
        assert client_for(outsider).get(path).status_code == 404
    for insider in (setting.manager, setting.staff_member, setting.founder, setting.teammate):
        assert client_for(insider).get(path).status_code == 200


def test_an_outsider_cannot_post_on_the_board_and_nothing_changes(client_for, setting):
    milestone = make_milestone(setting)
    before = (events(), Evidence.objects.count(), Tranche.objects.count())

    for data in (
        {"kind": "evidence", "milestone_id": milestone.pk, "evidence-value": "5"},
        {"kind": "verify", "milestone_id": milestone.pk},
        {"kind": "tranche", "tranche-amount": "10", "tranche-currency": "PKR"},
    ):
        response = client_for(setting.other_manager).post(board(setting), data)
        assert response.status_code == 404

    assert (events(), Evidence.objects.count(), Tranche.objects.count()) == before


def test_evidence_files_are_served_only_through_the_check(client, client_for, setting, private_root):
    milestone = make_milestone(setting)
    evidence = services.evidence_submit(
        actor=setting.founder,
        milestone=milestone,
        value=Decimal(1),
        upload=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
    )
    path = reverse("investments:evidence-file", args=[evidence.pk])

    assert client.get(path).status_code == 302
    assert client_for(setting.other_founder).get(path).status_code == 404
    response = client_for(setting.manager).get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == (private_root / evidence.file.name).read_bytes()


def test_evidence_missing_from_storage_is_not_found_and_logged(client_for, setting, private_root, caplog):
    milestone = make_milestone(setting)
    evidence = services.evidence_submit(
        actor=setting.founder,
        milestone=milestone,
        value=Decimal(1),
        upload=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
    )
    (private_root / evidence.file.name).unlink()

    response = client_for(setting.manager).get(reverse("investments:evidence-file", args=[evidence.pk]))

    assert response.status_code == 404
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "core.uploads"] == [
        ("ERROR", f"A private file is missing from storage: {evidence.file.name} (evidence-{evidence.pk})")
    ]


def test_the_board_query_count_is_constant(client_for, setting):
    client = client_for(setting.manager)
    milestone = make_milestone(setting)
    services.evidence_submit(actor=setting.founder, milestone=milestone, value=Decimal(1))
    client.get(board(setting))
    with CaptureQueriesContext(connection) as few:
        client.get(board(setting))
    for n in range(6):
        more = make_milestone(setting, title=f"Milestone {n}")
        services.evidence_submit(actor=setting.founder, milestone=more, value=Decimal(n))
        services.tranche_create(
            actor=setting.manager, cohort=setting.cohort, startup=setting.startup, amount=Decimal(1)
        )
    with CaptureQueriesContext(connection) as many:
        client.get(board(setting))

    assert len(few) == len(many)
