"""An incubator manager opens a cohort, a founder applies, two reviewers score
blind, and the founder's startup is admitted — in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from investments.models import Application, Cohort
from network.models import Membership
from tests.investments.factories import IncubatorFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory
from tests.sessions import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_cohort_from_opening_to_admission(browser: Browser, live_server):
    # given
    base = live_server.url
    incubator = IncubatorFactory(name="NIC Karachi", slug="nic-karachi")
    manager = ProfileFactory(display_name="Mariam Manager").user
    MembershipFactory(organisation=incubator, user=manager, role=Membership.Role.OWNER)
    second_reviewer = ProfileFactory(display_name="Rashid Reviewer").user
    startup = OrganisationFactory(name="Soch AI", slug="soch-ai")
    founder = ProfileFactory(display_name="Faiza Founder").user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    manager_page = signed_in_page(browser, base, manager)

    # when: the manager creates and opens a cohort
    manager_page.goto(f"{base}/incubators/nic-karachi/")
    manager_page.get_by_role("link", name="New cohort").click()
    manager_page.get_by_label("Name").fill("AI Exporters 2027")
    manager_page.get_by_label("Programme phase").select_option("build")
    manager_page.get_by_label("Starts on").fill("2027-02-01")
    manager_page.get_by_label("Ends on").fill("2027-07-31")
    manager_page.get_by_role("button", name="Create cohort").click()
    manager_page.get_by_label("Question:", exact=True).fill("What traction do you have?")
    manager_page.get_by_role("button", name="Add question").click()
    manager_page.get_by_label("Criterion:", exact=True).fill("Team")
    manager_page.get_by_label("Weight (1–5)").fill("2")
    manager_page.get_by_role("button", name="Add criterion").click()
    for reviewer in (manager, second_reviewer):
        manager_page.get_by_label("Reviewer's email address").fill(reviewer.email)
        manager_page.get_by_role("button", name="Add reviewer").click()
        expect(manager_page.get_by_text(reviewer.email)).to_be_visible()
    manager_page.get_by_role("button", name="Open applications").click()
    expect(manager_page.get_by_role("heading", name="Status: Open for applications")).to_be_visible()
    cohort = Cohort.objects.get(name="AI Exporters 2027")

    # when: the founder applies
    founder_page = signed_in_page(browser, base, founder)
    founder_page.goto(f"{base}/cohorts/{cohort.pk}/")
    founder_page.get_by_role("link", name="Apply").click()
    founder_page.get_by_label("What traction do you have?").fill("1,200 paying users; first UK customer.")
    founder_page.get_by_role("button", name="Submit application").click()
    expect(founder_page.get_by_text("Your application was submitted.")).to_be_visible()
    application = Application.objects.get(cohort=cohort, startup=startup)

    # when: the first reviewer scores; their score stays hidden
    manager_page.goto(f"{base}/applications/{application.pk}/")
    manager_page.get_by_role("group", name="Team (×2):").get_by_label("4").check()
    manager_page.get_by_role("button", name="Save my scores").click()
    expect(manager_page.get_by_text("1 of 2 reviewers have scored.")).to_be_visible()
    expect(manager_page.get_by_text("Scores stay hidden until every reviewer has scored")).to_be_visible()

    # when: the second reviewer scores; now both see the scores
    reviewer_page = signed_in_page(browser, base, second_reviewer)
    reviewer_page.goto(f"{base}/applications/{application.pk}/")
    reviewer_page.get_by_role("group", name="Team (×2):").get_by_label("2").check()
    reviewer_page.get_by_role("button", name="Save my scores").click()
    expect(reviewer_page.get_by_text("2 of 2 reviewers have scored.")).to_be_visible()
    expect(reviewer_page.get_by_role("cell", name="4.00")).to_be_visible()

    # when: the manager admits the startup
    manager_page.reload()
    manager_page.get_by_label("Decision").select_option("admit")
    manager_page.get_by_role("button", name="Record decision").click()
    expect(manager_page.get_by_text("The decision was recorded and the startup told.")).to_be_visible()

    # then: the founder sees the admission
    founder_page.goto(f"{base}/applications/{application.pk}/")
    expect(founder_page.get_by_text("Admitted", exact=True)).to_be_visible()
    application.refresh_from_db()
    assert application.status == Application.Status.ADMITTED
    assert application.decided_by == manager

    # when: the founder sets a milestone and reports against it
    founder_page.get_by_role("link", name="Milestones").click()
    founder_page.get_by_label("Title").fill("300 paying customers")
    founder_page.get_by_label("KPI:", exact=True).select_option("paying_customers")
    founder_page.get_by_label("Target").fill("300")
    founder_page.get_by_label("Due on").fill("2027-05-31")
    founder_page.get_by_role("button", name="Add milestone").click()
    expect(founder_page.get_by_role("heading", name="300 paying customers")).to_be_visible()
    founder_page.get_by_label("Figure reached").fill("312")
    founder_page.get_by_label("Note").fill("Billing export attached.")
    founder_page.get_by_role("button", name="Submit evidence").click()
    expect(founder_page.get_by_role("strong").filter(has_text="Evidence submitted")).to_be_visible()

    # when: the manager verifies it
    manager_page.goto(f"{base}/cohorts/{cohort.pk}/startups/soch-ai/")
    manager_page.get_by_role("button", name="Verify").click()

    # then: both see it verified, with the progress full
    expect(manager_page.get_by_text("Verified by Mariam Manager")).to_be_visible()
    founder_page.reload()
    expect(founder_page.get_by_role("strong").filter(has_text="Verified")).to_be_visible()
    expect(founder_page.locator("progress")).to_have_attribute("value", "100")
