"""Stories and impact in Chromium: an editor writes a story in Wagtail, a reviewer approves it and it
appears on the home page and in the feed; a founder reports exports, the centre verifies, the dashboard moves."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from ledger.models import ExchangeRate
from network.models import Membership, Organisation
from tests.network.factories import MembershipFactory, OrganisationFactory, ProfileFactory
from tests.sessions import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_story_from_draft_to_home_page(browser: Browser, live_server):
    # given: an editor and a reviewer (Wagtail's Editors and Moderators groups)
    base = live_server.url
    editor = ProfileFactory(display_name="Nadia Editor", user__mfa=True).user
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    reviewer = ProfileFactory(display_name="Omar Reviewer", user__mfa=True).user
    reviewer.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    from cms.models import StoryIndexPage

    index = StoryIndexPage.objects.get()

    # when: the editor writes a story and submits it for moderation
    page = signed_in_page(browser, base, editor)
    page.goto(f"{base}/editors/pages/add/cms/storypage/{index.pk}/")
    page.get_by_role("textbox", name="Title*").fill("Hawa Clean sells air monitors to Oman")
    page.get_by_role("textbox", name="Standfirst*").fill("A Peshawar startup's first export order.")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Submit to Moderators approval").click()
    expect(page.get_by_text("created and submitted for moderation")).to_be_visible()

    # then: not public yet
    anonymous = browser.new_page()
    anonymous.goto(f"{base}/")
    expect(anonymous.get_by_text("Hawa Clean sells air monitors to Oman")).to_have_count(0)

    # when: the reviewer approves it
    review = signed_in_page(browser, base, reviewer)
    review.goto(f"{base}/editors/")
    review.get_by_role("link", name="Hawa Clean sells air monitors to Oman").first.click()
    review.get_by_role("button", name="More actions").click()
    review.get_by_role("button", name="Approve and publish").click()
    expect(review.get_by_text("has been updated")).to_be_visible()
    expect(review.get_by_text("Current page status: live")).to_be_visible()

    # then: the story is on the home page and in the feed
    anonymous.goto(f"{base}/")
    expect(anonymous.get_by_role("link", name="Hawa Clean sells air monitors to Oman")).to_be_visible()
    feed = anonymous.request.get(f"{base}/stories/feed/").text()
    assert "Hawa Clean sells air monitors to Oman" in feed
    from cms.models import StoryPage

    story = StoryPage.objects.get(title="Hawa Clean sells air monitors to Oman")
    assert (story.live, story.owner, story.workflow_states.get().status) == (True, editor, "approved")


def test_exports_from_report_to_dashboard(browser: Browser, live_server):
    # given: a centre and a startup
    base = live_server.url
    centre = OrganisationFactory(name="Peshawar Startup Foundry", slug="peshawar", kind=Organisation.Kind.INCUBATOR)
    manager = ProfileFactory(display_name="Gul Manager").user
    MembershipFactory(organisation=centre, user=manager, role=Membership.Role.OWNER)
    startup = OrganisationFactory(name="Hawa Clean", slug="hawa-clean")
    founder = ProfileFactory(display_name="Sana Founder").user
    MembershipFactory(organisation=startup, user=founder, role=Membership.Role.OWNER)
    ExchangeRate.objects.get_or_create(currency="PKR", year=2026, quarter=3, defaults={"usd_per_unit": "0.0036"})
    anonymous = browser.new_page()
    anonymous.goto(f"{base}/impact/")
    expect(anonymous.get_by_text("Nothing verified yet.").first).to_be_visible()

    # when: the founder reports a quarter in rupees
    page = signed_in_page(browser, base, founder)
    page.goto(f"{base}/exports/")
    page.get_by_label("Whose exports").select_option(label="Hawa Clean")
    page.get_by_label("Verifying centre").select_option(label="Peshawar Startup Foundry")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Quarter").select_option("3")
    page.get_by_label("Amount").fill("5000000")
    page.get_by_label("Currency").fill("PKR")
    page.get_by_role("button", name="Send for verification").click()
    expect(page.get_by_text("Waiting for verification")).to_be_visible()
    expect(page.get_by_text("18,000.00")).to_be_visible()

    # and the centre verifies it
    centre_page = signed_in_page(browser, base, manager)
    centre_page.goto(f"{base}/organisations/peshawar/exports/")
    centre_page.get_by_role("link", name="Hawa Clean").click()
    centre_page.get_by_role("button", name="Verify this report").click()
    expect(centre_page.get_by_text("Verified", exact=True)).to_be_visible()

    # then: the public dashboard moves at once
    anonymous.reload()
    expect(anonymous.get_by_text("18,000 USD of verified exports")).to_be_visible()
    expect(anonymous.get_by_role("cell", name="2026 Q3")).to_be_visible()
