"""A founder in Karachi books a Los Angeles mentor; the mentor confirms; both
see the session at their own local times; the founder downloads the .ics."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect

from mentorship.models import Booking
from tests.mentorship.factories import AvailabilityRuleFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

KARACHI = ZoneInfo("Asia/Karachi")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()


def test_founder_books_mentor_confirms_both_see_local_times(browser: Browser, live_server, tmp_path):
    # given: a mentor in Los Angeles with evening hours every day, approving each request
    mentor = MentorFactory(user=ProfileFactory(display_name="Laila Mentor", timezone="America/Los_Angeles").user)
    for weekday in range(7):
        AvailabilityRuleFactory(mentor=mentor, weekday=weekday, start_time=time(17), end_time=time(20))
    SessionTypeFactory(mentor=mentor, title="Office hours", requires_approval=True, min_notice_hours=12)
    founder = ProfileFactory(display_name="Kamran Founder", timezone="Asia/Karachi").user
    founder_page = browser.new_context().new_page()
    mentor_page = browser.new_context().new_page()

    # when: the founder picks the first free time on the mentor's page
    sign_in(founder_page, live_server.url, founder.email)
    founder_page.goto(f"{live_server.url}/mentors/{mentor.pk}/?week=1")
    expect(founder_page.get_by_text("Times in your time zone (Asia/Karachi)")).to_be_visible()
    first_slot = founder_page.locator(".slots a").first
    shown = first_slot.locator("time").get_attribute("datetime")
    first_slot.click()
    founder_page.get_by_label("What would you like to discuss?").fill("Pricing our SaaS for customers in the US.")
    founder_page.get_by_role("button", name="Send request").click()
    expect(founder_page.get_by_text("Waiting for the mentor")).to_be_visible()

    # then: the booking is at the instant the founder saw
    booking = Booking.objects.get(mentee=founder)
    assert booking.start.astimezone(KARACHI).isoformat() == shown
    karachi_time = booking.start.astimezone(KARACHI).strftime("%H:%M")
    la_time = booking.start.astimezone(LOS_ANGELES).strftime("%H:%M")
    assert "17:00" <= la_time < "20:00"

    # when: the mentor accepts from their sessions page
    sign_in(mentor_page, live_server.url, mentor.user.email)
    mentor_page.get_by_role("navigation", name="Main").get_by_role("link", name="My sessions").click()
    expect(mentor_page.get_by_role("heading", name="Requests waiting for your answer")).to_be_visible()
    mentor_page.locator(f"a[href='/sessions/{booking.pk}/']").first.click()
    mentor_page.get_by_role("button", name="Accept").click()
    expect(mentor_page.get_by_text("The session is confirmed.")).to_be_visible()

    # then: each sees their own local time, with the other's beside it
    expect(mentor_page.get_by_text(f"{la_time}–")).to_be_visible()
    expect(mentor_page.locator("dd").filter(has_text=f"{la_time}–")).to_contain_text("(America/Los_Angeles)")
    founder_page.goto(f"{live_server.url}/sessions/{booking.pk}/")
    expect(founder_page.get_by_text("Confirmed", exact=True)).to_be_visible()
    expect(founder_page.get_by_text(f"{karachi_time}–")).to_be_visible()
    expect(founder_page.get_by_text(f"{la_time} (America/Los_Angeles)")).to_be_visible()

    # when: the founder downloads the calendar file
    with founder_page.expect_download() as download_info:
        founder_page.get_by_role("link", name="Download calendar file (.ics)").click()
    path = tmp_path / "session.ics"
    download_info.value.save_as(path)

    # then: a real calendar event at the booked time, confirmed
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert len(events) == 1
    assert events[0]["UID"] == f"{booking.uid}@rabta"
    assert events[0].decoded("DTSTART") == booking.start
    assert str(events[0]["STATUS"]) == "CONFIRMED"
