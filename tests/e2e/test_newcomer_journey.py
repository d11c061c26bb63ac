"""A newcomer signs up, verifies the email, completes a profile, finds a
mentor in the directory and asks for an introduction — in real Chromium."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from network.models import Introduction, Notification, Sector, User
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "journey-passphrase-2026"


def test_newcomer_signs_up_and_asks_a_mentor_for_an_introduction(page: Page, live_server, run_tasks, settings):
    settings.SITE_URL = live_server.url  # the public origin every email link starts with
    # given: a mentor in Toronto working in FinTech
    # (get_or_create: after other live-server tests the seeded rows may have been flushed)
    fintech, _ = Sector.objects.get_or_create(slug="fintech", defaults={"name": "FinTech"})
    mentor = ProfileFactory(
        display_name="Bilal Qureshi",
        headline="Payments engineer",
        city="Toronto",
        country="CA",
        timezone="America/Toronto",
        lives_abroad=True,
        is_mentor=True,
    )
    mentor.sectors.set([fintech])

    # when: the newcomer signs up from the home page
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Join Rabta").first.click()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    # then: the verification email is sent by the worker and its link confirms the address
    assert run_tasks() == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    # when: the profile is completed
    page.get_by_role("link", name="Complete your profile").click()
    page.get_by_label("Name").fill("Zara Founder")
    page.get_by_label("Headline").fill("Founder of a payroll startup in Lahore")
    page.get_by_label("City").fill("Lahore")
    page.get_by_label("Country").select_option("PK")
    page.get_by_label("I am a founder").check()
    page.get_by_label("FinTech").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", name="Zara Founder")).to_be_visible()

    # when: the directory is filtered to FinTech mentors abroad
    page.get_by_role("link", name="Directory").click()
    page.get_by_label("Role").select_option("mentor")
    page.get_by_label("Sector").select_option("fintech")
    page.get_by_label("Lives abroad").select_option("true")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 member found")).to_be_visible()
    page.get_by_role("link", name="Bilal Qureshi").click()

    # then: no contact details before the introduction
    expect(page.get_by_text(mentor.user.email)).to_have_count(0)

    # when: the newcomer asks for an introduction
    page.get_by_role("link", name="Ask for an introduction").click()
    page.get_by_label("Why would you like to be introduced?").fill(
        "We are about to pay freelancers abroad and I would value your advice on payment rails."
    )
    page.get_by_role("button", name="Send request").click()

    # then
    expect(page.get_by_text("Your request was sent.")).to_be_visible()
    newcomer = User.objects.get(email="newcomer@example.org")
    introduction = Introduction.objects.get(requester=newcomer)
    assert introduction.recipient == mentor.user
    assert introduction.status == Introduction.Status.PENDING
    assert Notification.objects.filter(recipient=mentor.user, kind="network.introduction.request").count() == 1


def test_directory_fits_a_phone_screen(page: Page, live_server, member, password):
    # given: a phone-sized window, signed in
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()

    for path in ["/", "/dashboard/", "/members/", "/organisations/", "/introductions/", "/profile/edit/"]:
        # when
        page.goto(live_server.url + path)
        # then: nothing wider than the screen, the navigation is reachable
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_newcomer_in_toronto_starts_in_toronto_time(browser, live_server):
    # given: a browser whose clock is set to Toronto, on a phone
    context = browser.new_context(timezone_id="America/Toronto", viewport={"width": 390, "height": 844})
    page = context.new_page()

    # when: they sign up
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("toronto@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    # then: their profile is in the browser's zone, not the default
    assert User.objects.get(email="toronto@example.org").profile.timezone == "America/Toronto"
    context.close()
