"""An incubator manager opens a cohort, a founder applies, two reviewers score
blind, the startup is admitted, reaches a verified milestone, gets a mentor,
and its pitch is submitted and endorsed — in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from investments.models import Application, Cohort, Pitch
from network.models import Membership
from tests.investments.factories import PDF, IncubatorFactory
from tests.mentorship.factories import MentorFactory
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory
from tests.sessions import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_cohort_from_opening_to_an_endorsed_pitch(browser: Browser, live_server, tmp_path, settings):
    # given
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
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

    # when: the manager assigns a mentor with office hours
    mentor = MentorFactory(user=ProfileFactory(display_name="Sana Mentor").user)
    manager_page.goto(f"{base}/cohorts/{cohort.pk}/manage/")
    manager_page.get_by_label("Startup:", exact=True).select_option(label="Soch AI")
    manager_page.get_by_label("Mentor's email address").fill(mentor.user.email)
    manager_page.get_by_label("Office hours:", exact=True).fill("Thursdays 18:00 Pakistan time")
    manager_page.get_by_role("button", name="Assign mentor").click()
    expect(manager_page.get_by_role("cell", name="Sana Mentor", exact=True)).to_be_visible()

    # when: the founder writes a pitch with a PDF deck, previews it and submits it
    founder_page.goto(f"{base}/cohorts/{cohort.pk}/startups/soch-ai/")
    expect(founder_page.get_by_text("Thursdays 18:00 Pakistan time")).to_be_visible()
    founder_page.get_by_role("link", name="Write a pitch").click()
    founder_page.get_by_label("One-liner").fill("Urdu speech AI for call centres abroad")
    founder_page.get_by_label("Problem").fill("Call centres cannot search Urdu calls.")
    founder_page.get_by_label("Solution").fill("Speech search tuned for Urdu and Punjabi.")
    founder_page.get_by_label("Traction figure 1: metric").fill("Paying customers")
    founder_page.get_by_label("Traction figure 1: value").fill("312")
    founder_page.get_by_label("The ask").fill("300000")
    founder_page.get_by_label("Currency").fill("USD")
    founder_page.get_by_label("Instrument").select_option("safe")
    founder_page.get_by_label("Valuation cap").fill("4000000")
    deck = tmp_path / "deck.pdf"
    deck.write_bytes(PDF)
    founder_page.get_by_label("Deck (PDF, at most 20 MB)").set_input_files(str(deck))
    founder_page.get_by_role("button", name="Save and preview").click()
    expect(founder_page.get_by_text("Your pitch was saved as a draft.")).to_be_visible()
    expect(founder_page.get_by_text("312")).to_be_visible()
    founder_page.get_by_role("button", name="Submit to the incubator").click()
    expect(founder_page.get_by_text("Submitted to the incubator")).to_be_visible()
    pitch = Pitch.objects.get(startup=startup)

    # when: the manager sees it on the cohort at a glance and endorses it
    manager_page.goto(f"{base}/cohorts/{cohort.pk}/")
    glance = manager_page.get_by_role("table", name="Admitted startups, their mentors, milestones and pitches")
    expect(glance.get_by_role("cell", name="Sana Mentor", exact=True)).to_be_visible()
    glance.get_by_role("link", name="Submitted to the incubator").click()
    manager_page.get_by_label("Endorsement, shown to investors").fill("Strong team; verified traction.")
    manager_page.get_by_role("button", name="Endorse").click()

    # then: the founder sees the endorsement
    expect(manager_page.get_by_text("Endorsed", exact=True)).to_be_visible()
    founder_page.goto(f"{base}/pitches/{pitch.pk}/")
    expect(founder_page.get_by_text("Strong team; verified traction.")).to_be_visible()
    pitch.refresh_from_db()
    assert (pitch.status, pitch.endorsed_by) == (Pitch.Status.ENDORSED, manager)
