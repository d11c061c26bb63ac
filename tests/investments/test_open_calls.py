"""Open calls: cohorts taking applications can be found by anyone, applied to, and are in the sitemap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from investments.models import Cohort, programme_today
from investments.sitemaps import OpenCohortSitemap
from network.models import Membership, Sector
from tests.investments.factories import CohortFactory, IncubatorFactory
from tests.network.factories import PASSWORD, MembershipFactory, OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    """Two incubators; open, closing, closed, draft, running and finished cohorts."""
    today = programme_today()
    fintech, agritech = Sector.objects.get(slug="fintech"), Sector.objects.get(slug="agritech")
    nic = IncubatorFactory(name="NIC Lahore", slug="nic-lahore")
    foundry = IncubatorFactory(name="Peshawar Foundry", slug="peshawar-foundry")
    soon = CohortFactory(incubator=nic, name="Export Builders", applications_close_on=today + timedelta(days=3))
    soon.sectors.set([fintech])
    last_day = CohortFactory(incubator=foundry, name="Agri Sprint", applications_close_on=today)
    last_day.sectors.set([agritech, fintech])
    no_deadline = CohortFactory(incubator=foundry, name="Rolling", applications_close_on=None)
    CohortFactory(incubator=nic, name="Closed yesterday", applications_close_on=today - timedelta(days=1))
    CohortFactory(incubator=nic, name="Draft", status=Cohort.Status.DRAFT)
    CohortFactory(incubator=nic, name="Running", status=Cohort.Status.RUNNING)
    CohortFactory(incubator=nic, name="Finished", status=Cohort.Status.FINISHED)
    founder = ProfileFactory(display_name="Founder").user
    MembershipFactory(organisation=OrganisationFactory(slug="raqam-pay"), user=founder, role=Membership.Role.OWNER)
    return type("Calls", (), locals())


def test_the_open_calls_list_cohorts_taking_applications_soonest_deadline_first(client, calls):
    response = client.get(reverse("investments:open-calls"))

    assert response.status_code == 200
    assert [c.name for c in response.context["cohorts"]] == ["Agri Sprint", "Export Builders", "Rolling"]
    page = response.content.decode()
    assert "Closed yesterday" not in page
    assert "Draft" not in page
    assert "Running" not in page
    assert "Peshawar Foundry" in page
    assert "NIC Lahore" in page
    assert f"Applications close {calls.soon.applications_close_on:%-d %b %Y}" in page
    assert "Applications are open until the incubator closes them" in page
    assert '<span class="tag">AgriTech</span>' in page
    assert '<span class="tag">Every sector</span>' in page  # "Rolling" names none


def test_a_signed_out_visitor_is_asked_to_sign_in_and_brought_back_to_the_application(client, calls):
    apply_url = reverse("investments:application-create", args=[calls.soon.pk])

    page = client.get(reverse("investments:open-calls")).content.decode()
    signed_in = client.post(
        f"/accounts/login/?next={quote(apply_url)}",
        {"login": calls.founder.email, "password": PASSWORD, "next": apply_url},
    )

    assert f'href="/accounts/login/?next={quote(apply_url)}">Sign in to apply to Export Builders</a>' in page
    assert (signed_in.status_code, signed_in["Location"]) == (302, apply_url)
    assert client.get(apply_url).status_code == 200


def test_a_founder_gets_the_apply_link_itself(client_for, calls):
    response = client_for(calls.founder).get(reverse("investments:open-calls"))

    apply_url = reverse("investments:application-create", args=[calls.soon.pk])
    assert f'<a class="button" href="{apply_url}">Apply to Export Builders</a>' in response.content.decode()
    assert client_for(calls.founder).get(apply_url).status_code == 200


def test_the_open_calls_filter_by_sector_and_incubator(client, calls):
    by_sector = client.get(reverse("investments:open-calls"), {"sector": "agritech"})
    by_incubator = client.get(reverse("investments:open-calls"), {"incubator": "nic-lahore"})
    unknown = client.get(reverse("investments:open-calls"), {"sector": "nope", "incubator": "nope"})

    assert [c.name for c in by_sector.context["cohorts"]] == ["Agri Sprint"]
    assert [c.name for c in by_incubator.context["cohorts"]] == ["Export Builders"]
    assert "Open calls of NIC Lahore" in by_incubator.content.decode()
    assert len(unknown.context["cohorts"]) == 3


def test_the_open_calls_query_count_is_constant(client, calls):
    path = reverse("investments:open-calls")
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(6):
        cohort = CohortFactory(incubator=IncubatorFactory(), name=f"More {n}")
        cohort.sectors.set(Sector.objects.all()[:2])
    with CaptureQueriesContext(connection) as many:
        response = client.get(path)

    assert len(response.context["cohorts"]) == 9
    assert len(few) == len(many)


def test_the_home_page_the_dashboard_and_the_incubator_page_link_to_the_open_calls(client, client_for, calls):
    link = reverse("investments:open-calls")

    dashboard = client_for(calls.founder).get(reverse("network:dashboard")).content.decode()
    incubator_page = client.get(calls.nic.get_absolute_url()).content.decode()

    assert f'href="{link}"' in dashboard
    assert f'href="{link}?incubator=nic-lahore">Open calls of NIC Lahore</a>' in incubator_page


def test_the_incubator_link_takes_a_founder_or_visitor_to_the_incubator_page_not_a_404(client, client_for, calls):
    path = reverse("investments:incubator-dashboard", args=["nic-lahore"])

    as_founder = client_for(calls.founder).get(path)
    as_visitor = client.get(path)
    missing = client.get(reverse("investments:incubator-dashboard", args=["no-such-incubator"]))
    startup = client.get(reverse("investments:incubator-dashboard", args=["raqam-pay"]))

    assert (as_founder.status_code, as_founder["Location"]) == (302, calls.nic.get_absolute_url())
    assert (as_visitor.status_code, as_visitor["Location"]) == (302, calls.nic.get_absolute_url())
    assert missing.status_code == 404
    assert startup.status_code == 404


def test_the_open_cohort_sitemap_lists_cohorts_taking_applications():
    today = programme_today()
    open_cohort = CohortFactory(name="Open")
    CohortFactory(name="Closed", applications_close_on=today - timedelta(days=1))
    CohortFactory(name="Draft", status=Cohort.Status.DRAFT)
    CohortFactory(name="Running", status=Cohort.Status.RUNNING)

    sitemap = OpenCohortSitemap()

    assert list(sitemap.items()) == [open_cohort]
    assert sitemap.location(open_cohort) == f"/cohorts/{open_cohort.pk}/"


def test_a_manager_names_the_sectors_a_cohort_looks_for(client_for):
    incubator = IncubatorFactory(slug="nic-lahore")
    manager = ProfileFactory().user
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    fintech = Sector.objects.get(slug="fintech")

    response = client_for(manager).post(
        reverse("investments:cohort-create", args=["nic-lahore"]),
        {"name": "Hack", "phase": "build", "starts_on": "2027-01-01", "ends_on": "2027-02-01", "sectors": [fintech.pk]},
    )

    cohort = Cohort.objects.get(name="Hack")
    assert response.status_code == 302
    assert list(cohort.sectors.all()) == [fintech]


@override_settings(SITE_URL="https://rabta.pk")
def test_the_sitemap_lists_open_calls_at_the_public_origin(client):
    today = programme_today()
    open_cohort = CohortFactory(name="Open")
    closed = CohortFactory(name="Closed", applications_close_on=today - timedelta(days=1))

    body = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1").content.decode()

    assert f"<loc>https://rabta.pk/cohorts/{open_cohort.pk}/</loc>" in body
    assert f"/cohorts/{closed.pk}/" not in body
    assert "127.0.0.1" not in body


def test_a_call_closes_at_midnight_in_pakistan_whatever_zone_the_viewer_is_in(monkeypatch, client, client_for):
    # given: 20:30 UTC on 2 December is already 3 December in Karachi (UTC+5), still 2 December in Toronto
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 2, 20, 30, tzinfo=UTC))
    closed_on_the_2nd = CohortFactory(name="Closed on the 2nd", applications_close_on=date(2026, 12, 2))
    last_day = CohortFactory(name="Last day", applications_close_on=date(2026, 12, 3))
    toronto = ProfileFactory(timezone="America/Toronto").user

    # when
    with timezone.override("America/Toronto"):
        today, accepting = programme_today(), closed_on_the_2nd.accepts_applications
    for_toronto = client_for(toronto).get(reverse("investments:open-calls"))
    for_visitor = client.get(reverse("investments:open-calls"))

    # then
    assert today == date(2026, 12, 3)
    assert accepting is False
    assert last_day.accepts_applications is True
    assert [c.name for c in for_toronto.context["cohorts"]] == ["Last day"]
    assert [c.name for c in for_visitor.context["cohorts"]] == ["Last day"]
