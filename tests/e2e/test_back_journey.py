"""Back and reload after htmx changed part of a page (a directory search, a week of a mentor's times)
bring the whole page back, with its header and styles, never the fragment htmx asked for."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_booking_journey import sign_in
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def expect_whole_page(page: Page, heading: str) -> None:
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    # the site's stylesheet applies: a bare fragment has no <head> and no stylesheet
    assert page.evaluate("document.styleSheets.length") >= 1
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"


def test_back_and_reload_after_a_directory_search_show_the_whole_directory(browser: Browser, live_server):
    # given: a member in the directory, and another signed in
    ProfileFactory(display_name="Zainab Rizvi", headline="Payments engineer in London")
    ProfileFactory(display_name="Omar Farooq", headline="Founder in Lahore")
    viewer = ProfileFactory(display_name="Hina Viewer").user
    page = browser.new_context().new_page()
    sign_in(page, live_server.url, viewer.email)

    # when: a search typed in the directory (htmx swaps the results and pushes the address)
    page.goto(live_server.url + "/members/")
    page.locator("#id_q").press_sequentially("Zainab")  # typed: htmx searches as the member types
    expect(page).to_have_url(re.compile(r"/members/\?q=Zainab(&|$)"), timeout=10_000)
    expect(page.get_by_role("link", name="Omar Farooq")).to_have_count(0)
    page.get_by_role("link", name="Zainab Rizvi").click()
    expect(page.get_by_role("heading", name="Zainab Rizvi", level=1)).to_be_visible()
    page.go_back()

    # then: the directory, whole, with the search's results
    expect(page).to_have_url(re.compile(r"/members/\?q=Zainab(&|$)"))
    expect_whole_page(page, "Directory")
    expect(page.get_by_role("link", name="Zainab Rizvi")).to_be_visible()

    # and a reload of the pushed address is the whole page too
    page.reload()
    expect_whole_page(page, "Directory")
    expect(page.get_by_role("link", name="Zainab Rizvi")).to_be_visible()


def test_back_and_reload_after_changing_the_week_show_the_whole_mentor_page(browser: Browser, live_server):
    # given: a mentor with hours every day
    mentor = MentorFactory(user=ProfileFactory(display_name="Laila Mentor", timezone="Asia/Karachi").user)
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(17), end_time=time(20))
    SessionTypeFactory(mentor=mentor, title="Office hours")
    founder = ProfileFactory(display_name="Kamran Founder", timezone="Asia/Karachi").user
    page = browser.new_context().new_page()
    sign_in(page, live_server.url, founder.email)

    # when: the next week is shown (htmx swaps the slot picker), then the member leaves and comes back
    page.goto(f"{live_server.url}/mentors/{mentor.pk}/")
    page.get_by_role("link", name="Later week →").click()
    expect(page).to_have_url(f"{live_server.url}/mentors/{mentor.pk}/?type={mentor.session_types.get().pk}&week=1")
    expect(page.get_by_role("link", name="← Earlier week")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My sessions").click()
    expect(page.get_by_role("heading", name="My sessions", level=1)).to_be_visible()
    page.go_back()

    # then: the mentor's page, whole, at the week that was shown
    expect_whole_page(page, "Laila Mentor")
    expect(page.get_by_role("link", name="← Earlier week")).to_be_visible()

    page.reload()
    expect_whole_page(page, "Laila Mentor")
    expect(page.get_by_role("link", name="← Earlier week")).to_be_visible()
