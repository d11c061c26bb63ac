"""The public impact dashboard: figures on a known data set, the CSV, the cache, and query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms import selectors
from investments.models import Interest, Pitch
from ledger import services as ledger_services
from ledger.models import ExportReport
from mentorship.models import Booking
from network.models import Membership, Organisation, Sector
from tests.investments.factories import IncubatorFactory
from tests.mentorship.factories import BookingFactory, MentorFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def verified(centre, startup, year, quarter, usd, *, status="verified"):
    return ExportReport.objects.create(
        organisation=startup, centre=centre, year=year, quarter=quarter, amount=usd, currency="USD",
        usd_rate=1, amount_usd=usd, status=status,
    )  # fmt: skip


@pytest.fixture
def data():
    fintech = Sector.objects.get_or_create(slug="fintech", defaults={"name": "FinTech"})[0]
    saas = Sector.objects.get_or_create(slug="saas", defaults={"name": "SaaS"})[0]
    lahore = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    karachi = IncubatorFactory(name="NIC Karachi", slug="nic-karachi")
    pay = OrganisationFactory(name="Raqam Pay", slug="raqam-pay")
    pay.sectors.set([fintech])
    dukaan = OrganisationFactory(name="Dukaan OS", slug="dukaan")
    dukaan.sectors.set([saas])
    verified(lahore, pay, 2026, 1, Decimal(10000))
    verified(lahore, pay, 2026, 2, Decimal(15000))
    verified(karachi, dukaan, 2026, 2, Decimal(5000))
    verified(karachi, dukaan, 2026, 3, Decimal(99999), status="submitted")  # not verified: never counted
    verified(lahore, pay, 2025, 4, Decimal(77777), status="superseded")  # replaced: never counted
    return locals()


def test_the_figures_on_a_known_data_set(data):
    exports = selectors.export_figures()

    assert exports["total"] == Decimal(30000)
    assert (exports["reports"], exports["startups"], exports["freelancers"]) == (3, 2, 0)
    assert [(r["year"], r["quarter"], r["usd"]) for r in exports["by_quarter"]] == [
        (2026, 1, Decimal(10000)),
        (2026, 2, Decimal(20000)),
    ]
    assert [(r["name"], r["usd"]) for r in exports["by_sector"]] == [
        ("FinTech", Decimal(25000)),
        ("SaaS", Decimal(5000)),
    ]
    assert [(r["name"], r["usd"]) for r in exports["by_centre"]] == [
        ("NIC Lahore", Decimal(25000)),
        ("NIC Karachi", Decimal(5000)),
    ]
    assert [r["bar"] for r in exports["by_quarter"]] == [150, 300]


def test_a_centre_page_counts_only_its_own(client, data):
    page = client.get(reverse("cms:impact-centre", args=["nic-karachi"]))

    assert page.status_code == 200
    assert selectors.export_figures(centre=data["karachi"])["total"] == Decimal(5000)
    assert "5,000" in page.content.decode()
    assert client.get(reverse("cms:impact-centre", args=["raqam-pay"])).status_code == 404


def test_mentoring_and_capital_in_aggregate_only(data):
    mentor = MentorFactory()
    start = timezone.now() - timedelta(days=3)
    for n in range(2):
        BookingFactory(
            session_type__mentor=mentor, start=start + timedelta(hours=n), end=start + timedelta(hours=n, minutes=45),
            status=Booking.Status.COMPLETED,
        )  # fmt: skip
    pitch = Pitch.objects.create(
        startup=data["pay"], incubator=data["lahore"], status="ready", one_liner="x", ask_amount=100000,
        instrument="safe", endorsed_at=timezone.now(),
    )  # fmt: skip
    for stage, amount, waiting in (("soft", 20000, False), ("committed", 30000, False), ("soft", 50000, True)):
        Interest.objects.create(
            pitch=pitch, investor=ProfileFactory().user, stage=stage, amount=amount, terms_version=1,
            needs_reconfirmation=waiting,
        )  # fmt: skip

    mentoring = selectors.mentoring_figures()
    capital = selectors.capital_figures()

    assert (mentoring["sessions"], mentoring["hours"], mentoring["mentors"]) == (2, 2, 1)
    assert [(r["code"], r["mentors"]) for r in mentoring["by_country"]] == [("US", 1)]
    assert capital == {
        "pitches_endorsed": 1,
        "by_currency": [{"currency": "USD", "soft": Decimal(20000), "committed": Decimal(30000)}],
    }


def test_the_csv_has_every_breakdown(client, data):
    response = client.get(reverse("cms:impact-csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "breakdown,key,verified_exports_usd",
        "quarter,2026-Q1,10000.00",
        "quarter,2026-Q2,20000.00",
        "sector,FinTech,25000.00",
        "sector,SaaS,5000.00",
        "centre,NIC Lahore,25000.00",
        "centre,NIC Karachi,5000.00",
        "total,all,30000.00",
    ]


def test_a_verified_report_shows_on_the_cached_dashboard_at_once(client, data, django_capture_on_commit_callbacks):
    manager = ProfileFactory().user
    MembershipFactory(organisation=data["karachi"], user=manager, role=Membership.Role.OWNER)
    founder = ProfileFactory().user
    MembershipFactory(organisation=data["dukaan"], user=founder, role=Membership.Role.OWNER)
    assert "30,000" in client.get(reverse("cms:impact")).content.decode()  # now cached
    report = ledger_services.export_report_submit(
        actor=founder, centre=data["karachi"], organisation=data["dukaan"],
        data={"year": 2026, "quarter": 1, "amount": Decimal(4000), "currency": "USD"},
    )  # fmt: skip
    assert "30,000" in client.get(reverse("cms:impact")).content.decode()  # unverified: unchanged

    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.export_report_verify(actor=manager, report=report)

    page = client.get(reverse("cms:impact")).content.decode()
    assert "34,000" in page
    assert "9,000" in client.get(reverse("cms:impact-centre", args=["nic-karachi"])).content.decode()


def test_the_dashboard_query_count_is_constant(client, data, settings):
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client.get(reverse("cms:impact"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cms:impact"))
    for n in range(10):
        startup = OrganisationFactory(kind=Organisation.Kind.STARTUP)
        verified(data["lahore"], startup, 2025, 1 + n % 4, Decimal(1000 + n))
        MentorFactory()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cms:impact"))

    assert len(few) == len(many)


def test_the_home_page_counts_mentors_as_the_impact_page_and_the_mentor_list_do():
    # given: one listed mentor, and three who are not (pending, suspended, a profile that only ticked the box)
    MentorFactory()
    MentorFactory(status="pending")
    MentorFactory(status="suspended")
    ProfileFactory(is_mentor=True)

    # then
    assert selectors.home_figures()["mentors"] == 1
    assert selectors.mentoring_figures()["mentors"] == 1
