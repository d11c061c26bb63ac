"""The export ledger: reports, currency conversion, verification, corrections with history, who sees what."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from PIL import Image
from pypdf import PdfReader

from ledger import services, urls
from ledger.models import ExchangeRate, ExportReport
from network.models import AuditEntry, Membership, Notification, Organisation
from tests.network.factories import (
    MembershipFactory,
    OrganisationFactory,
    ProfileFactory,
    active_content,
    pdf_document,
    pdf_with_active_content,
    photo_with_location,
)

pytestmark = pytest.mark.django_db

PDF = pdf_document(text="Export statement")


@pytest.fixture(autouse=True)
def private_root(tmp_path):
    field = ExportReport._meta.get_field("evidence")
    original = field.storage
    field.storage = FileSystemStorage(location=tmp_path, base_url="/no-public-url/")
    yield tmp_path
    field.storage = original


@pytest.fixture
def ledger():
    centre = OrganisationFactory(name="NIC Lahore", slug="nic-lahore", kind=Organisation.Kind.INCUBATOR)
    manager = ProfileFactory(display_name="Manager").user
    MembershipFactory(organisation=centre, user=manager, role=Membership.Role.OWNER)
    centre_member = ProfileFactory(display_name="Centre member").user
    MembershipFactory(organisation=centre, user=centre_member, role=Membership.Role.MEMBER)
    startup = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    founder = ProfileFactory(display_name="Founder").user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    teammate = ProfileFactory(display_name="Teammate").user
    MembershipFactory(organisation=startup, user=teammate, role=Membership.Role.MEMBER)
    freelancer = ProfileFactory(display_name="Freelancer").user
    other_centre = OrganisationFactory(name="Peshawar Foundry", slug="peshawar", kind=Organisation.Kind.INCUBATOR)
    other_manager = ProfileFactory(display_name="Other manager").user
    MembershipFactory(organisation=other_centre, user=other_manager, role=Membership.Role.OWNER)
    other_founder = ProfileFactory(display_name="Other founder").user
    MembershipFactory(organisation=OrganisationFactory(slug="khet"), user=other_founder, role=Membership.Role.OWNER)
    ExchangeRate.objects.create(currency="PKR", year=2026, quarter=2, usd_per_unit=Decimal("0.00357143"), source="SBP")
    return SimpleNamespace(**locals())


def report(ledger, **data):
    values = {"year": 2026, "quarter": 2, "amount": Decimal(10000), "currency": "USD", "markets": ["US", "GB"]}
    values.update(data)
    return services.export_report_submit(
        actor=ledger.founder, centre=ledger.centre, organisation=ledger.startup, data=values
    )


def events() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("event", flat=True))


# --- Services --------------------------------------------------------------------------


def test_a_report_in_rupees_is_converted_at_the_recorded_rate(ledger):
    filed = report(ledger, amount=Decimal(2800000), currency="pkr")

    assert (filed.currency, filed.usd_rate, filed.amount_usd) == ("PKR", Decimal("0.00357143"), Decimal("10000.00"))
    assert sorted(c.code for c in filed.markets) == ["GB", "US"]
    assert filed.status == ExportReport.Status.SUBMITTED
    assert events() == ["ledger.export_report.create"]
    assert list(Notification.objects.values_list("recipient", flat=True)) == [ledger.manager.pk]


def test_a_currency_without_a_rate_and_a_future_quarter_are_refused(ledger):
    with pytest.raises(ValidationError) as no_rate:
        report(ledger, currency="AED")
    with pytest.raises(ValidationError) as future:
        report(ledger, year=2099, quarter=1)

    assert list(no_rate.value.message_dict) == ["currency"]
    assert future.value.message_dict == {"quarter": ["Report a quarter that has begun, not a future one."]}
    assert not ExportReport.objects.exists()


def test_only_owners_and_admins_report_for_a_startup_and_a_freelancer_reports_for_themself(ledger):
    for outsider in (ledger.teammate, ledger.other_founder):
        with pytest.raises(PermissionDenied):
            services.export_report_submit(
                actor=outsider, centre=ledger.centre, organisation=ledger.startup,
                data={"year": 2026, "quarter": 2, "amount": Decimal(5), "currency": "USD"},
            )  # fmt: skip
    own = services.export_report_submit(
        actor=ledger.freelancer, centre=ledger.centre, data={"year": 2026, "quarter": 2, "amount": 500}
    )

    assert (own.person, own.organisation, own.reporter_name) == (ledger.freelancer, None, "Freelancer")
    assert ExportReport.objects.count() == 1


def test_one_open_report_per_quarter(ledger):
    report(ledger)

    with pytest.raises(ValidationError) as twice:
        report(ledger, amount=Decimal(5))

    assert list(twice.value.message_dict) == ["quarter"]
    assert ExportReport.objects.count() == 1


def test_editable_until_verified_and_a_query_sends_it_back(ledger):
    filed = report(ledger)
    services.export_report_query(actor=ledger.manager, report=filed, reason="Which customers?")
    filed.refresh_from_db()
    assert (filed.status, filed.query_reason) == ("queried", "Which customers?")

    services.export_report_update(actor=ledger.founder, report=filed, data={"amount": Decimal(12000)})
    filed.refresh_from_db()
    assert (filed.status, filed.amount_usd) == ("submitted", Decimal("12000.00"))

    services.export_report_verify(actor=ledger.manager, report=filed)
    with pytest.raises(ValidationError):
        services.export_report_update(actor=ledger.founder, report=filed, data={"amount": Decimal(1)})
    filed.refresh_from_db()
    assert (filed.status, filed.amount, filed.verified_by) == ("verified", Decimal(12000), ledger.manager)
    assert events() == [
        "ledger.export_report.create",
        "ledger.export_report.query",
        "ledger.export_report.update",
        "ledger.export_report.verify",
    ]


@pytest.mark.parametrize("who", ["centre_member", "other_manager", "founder"])
def test_only_the_centres_managers_verify_or_query(ledger, who):
    filed = report(ledger)
    for action in (
        lambda: services.export_report_verify(actor=getattr(ledger, who), report=filed),
        lambda: services.export_report_query(actor=getattr(ledger, who), report=filed, reason="?"),
    ):
        with pytest.raises(PermissionDenied):
            action()
    assert ExportReport.objects.get().status == "submitted"


def test_a_correction_replaces_the_verified_figure_only_once_verified_and_history_stays(ledger):
    first = report(ledger)
    services.export_report_verify(actor=ledger.manager, report=first)

    correction = report(ledger, amount=Decimal(9000))
    assert correction.replaces == first
    assert list(ExportReport.objects.filter(status="verified").values_list("amount", flat=True)) == [Decimal(10000)]

    services.export_report_verify(actor=ledger.manager, report=correction)

    assert dict(ExportReport.objects.values_list("pk", "status")) == {first.pk: "superseded", correction.pk: "verified"}


def test_evidence_is_checked_by_content(ledger):
    with pytest.raises(ValidationError) as error:
        services.export_report_submit(
            actor=ledger.founder, centre=ledger.centre, organisation=ledger.startup,
            data={"year": 2026, "quarter": 2, "amount": Decimal(1)},
            evidence=SimpleUploadedFile("statement.pdf", b"not a pdf at all", content_type="application/pdf"),
        )  # fmt: skip
    assert error.value.message_dict == {"evidence": ["Upload a PDF, PNG or JPEG file."]}


def test_evidence_is_stored_without_its_location_or_active_content(ledger, private_root):
    # given: a photo of an invoice taken on a phone, and a statement carrying scripts and a form
    photo, statement = photo_with_location("invoice.jpg"), pdf_with_active_content(PDF)

    # when
    filed = [
        services.export_report_submit(
            actor=ledger.founder, centre=ledger.centre, organisation=ledger.startup,
            data={"year": 2026, "quarter": quarter, "amount": Decimal(100), "currency": "USD"},
            evidence=evidence,
        )
        for quarter, evidence in (
            (1, photo), (2, SimpleUploadedFile("statement.pdf", statement, content_type="application/pdf")),
        )
    ]  # fmt: skip

    # then
    photo_bytes, pdf_bytes = ((private_root / report.evidence.name).read_bytes() for report in filed)
    with Image.open(io.BytesIO(photo_bytes)) as image:
        assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (640, 480), {})
    assert b"Exif" not in photo_bytes
    assert active_content(pdf_bytes) == {}
    assert "Export statement" in PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    assert [r.evidence_content_type for r in filed] == ["image/jpeg", "application/pdf"]


# --- Pages -----------------------------------------------------------------------------


def test_the_ladder_on_a_report_and_its_evidence(client, client_for, ledger):
    filed = services.export_report_submit(
        actor=ledger.founder, centre=ledger.centre, organisation=ledger.startup,
        data={"year": 2026, "quarter": 2, "amount": Decimal(10000), "currency": "USD"},
        evidence=SimpleUploadedFile("statement.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    pages = [reverse("ledger:export-detail", args=[filed.pk]), reverse("ledger:export-evidence", args=[filed.pk])]
    queue = reverse("ledger:centre-exports", args=[ledger.centre.slug])

    for path in [*pages, queue]:
        assert client.get(path).status_code == 302
    for outsider in (ledger.other_founder, ledger.other_manager, ledger.freelancer):
        for path in [*pages, queue]:
            assert client_for(outsider).get(path).status_code == 404
    for insider in (ledger.founder, ledger.teammate, ledger.manager, ledger.centre_member):
        for path in pages:
            assert client_for(insider).get(path).status_code == 200
    assert client_for(ledger.teammate).get(queue).status_code == 404
    assert client_for(ledger.centre_member).get(queue).status_code == 200
    download = client_for(ledger.manager).get(pages[1])
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="export-{filed.pk}.pdf"'
    assert download["Cache-Control"] == "private, no-store"


def test_evidence_missing_from_storage_is_not_found_and_logged(client_for, ledger, private_root, caplog):
    filed = services.export_report_submit(
        actor=ledger.founder, centre=ledger.centre, organisation=ledger.startup,
        data={"year": 2026, "quarter": 2, "amount": Decimal(10000), "currency": "USD"},
        evidence=SimpleUploadedFile("statement.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    (private_root / filed.evidence.name).unlink()

    response = client_for(ledger.manager).get(reverse("ledger:export-evidence", args=[filed.pk]))

    assert response.status_code == 404
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "core.uploads"] == [
        ("ERROR", f"A private file is missing from storage: {filed.evidence.name} (export-{filed.pk})")
    ]


def test_outsiders_posting_change_nothing(client_for, ledger):
    filed = report(ledger)
    before = (list(ExportReport.objects.values_list("status", "amount")), events())
    path = reverse("ledger:export-detail", args=[filed.pk])

    for outsider, expected in ((ledger.other_manager, 404), (ledger.centre_member, 302), (ledger.teammate, 403)):
        for data in ({"kind": "verify"}, {"kind": "update", "amount": "1", "currency": "USD"}):
            response = client_for(outsider).post(path, data)
            assert response.status_code in (expected, 403, 302)

    assert (list(ExportReport.objects.values_list("status", "amount")), events()) == before


def test_a_founder_reports_and_the_centre_verifies_through_the_pages(client_for, ledger):
    response = client_for(ledger.founder).post(
        reverse("ledger:export-list"),
        {"reporter": str(ledger.startup.pk), "centre": ledger.centre.pk, "year": "2026", "quarter": "2",
         "amount": "2800000", "currency": "PKR", "markets": ["AE", "US"], "note": "Upwork and direct clients."},
    )  # fmt: skip
    filed = ExportReport.objects.get()
    assert response["Location"] == filed.get_absolute_url()

    verified = client_for(ledger.manager).post(filed.get_absolute_url(), {"kind": "verify"})

    assert verified.status_code == 302
    filed.refresh_from_db()
    assert (filed.status, filed.amount_usd) == ("verified", Decimal("10000.00"))


def test_export_urls_are_in_the_ladder():
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern) and "export" in p.name}
    assert names == {"export-list", "export-detail", "export-evidence", "centre-exports"}


def test_a_freelancers_own_reports_are_in_their_data_download_and_a_startups_are_not(ledger):
    from network.selectors import personal_data_export

    # given: a report the freelancer filed for themself, and one the founder filed for the startup
    services.export_report_submit(
        actor=ledger.freelancer,
        centre=ledger.centre,
        data={"year": 2026, "quarter": 2, "amount": Decimal(2500), "currency": "USD", "markets": ["AE"]},
    )
    report(ledger)

    # when
    mine = personal_data_export(user=ledger.freelancer)["export_reports"]
    founders = personal_data_export(user=ledger.founder)["export_reports"]

    # then: the ledger's section (registered by LedgerConfig.ready) holds the freelancer's own only
    assert [(r["period"], r["amount"], r["markets"], r["centre"], r["status"]) for r in mine] == [
        ("2026 Q2", "2500.00", ["AE"], "NIC Lahore", "submitted")
    ]
    assert founders == []
