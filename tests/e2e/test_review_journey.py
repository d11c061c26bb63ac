"""A founder shares their feedback on a held session as a review, on a phone; staff read it from
their home and publish it in the admin; a visitor sees it on the mentor's page; the founder takes it
down and it is gone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mentorship.models import Booking, Feedback
from tests.e2e.seams import PHONE
from tests.e2e.test_accessibility import violations
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory
from tests.sessions import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
WORDS = "Omar showed us how to price for buyers in the US, and who to ask next."


def test_a_founder_shares_a_review_staff_publish_it_and_a_visitor_reads_it(
    browser: Browser, live_server, seams, tmp_path
):
    # given: a session held a week ago, and staff who read reviews
    base = live_server.url
    mentor = MentorFactory(user=ProfileFactory(display_name="Omar Farooq", visibility="public", is_mentor=True).user)
    founder = ProfileFactory(display_name="Ayesha Khan", visibility="public").user
    start = timezone.now().replace(microsecond=0) - timedelta(days=7)
    held = BookingFactory(
        session_type=SessionTypeFactory(mentor=mentor), mentee=founder, start=start, status=Booking.Status.COMPLETED
    )
    staff = ProfileFactory(display_name="Farah Staff", user__is_staff=True, user__mfa=True).user
    for codename in ("moderate_review", "view_feedback", "change_feedback"):
        staff.user_permissions.add(Permission.objects.get(codename=codename))

    # when: the founder rates the session on their phone, writes a comment and shares it
    phone = signed_in_page(browser, base, founder)
    phone.set_viewport_size(PHONE)
    phone.goto(f"{base}{held.get_absolute_url()}")
    feedback = phone.get_by_role("region", name="Your feedback")
    assert violations(phone) == []
    feedback.get_by_label("5 — excellent").check()
    feedback.get_by_label("Comment:", exact=True).fill(WORDS)
    feedback.get_by_label("Show my rating and comment on my mentor's page").check()
    feedback.get_by_role("button", name="Send feedback").click()

    # then: it waits for staff, and the mentor's page does not show it yet
    expect(phone.get_by_text("Your review is waiting for Rabta's staff to read it.")).to_be_visible()
    visitor = browser.new_page(viewport=PHONE)
    visitor.goto(f"{base}{mentor.get_absolute_url()}")
    expect(visitor.get_by_role("heading", name="Omar Farooq")).to_be_visible()
    expect(visitor.get_by_text(WORDS)).to_have_count(0)

    # when: staff follow their home's link to the waiting reviews and publish it in the admin
    desk = signed_in_page(browser, base, staff, mfa=True)
    desk.set_viewport_size(DESKTOP)
    desk.goto(f"{base}/dashboard/")
    desk.get_by_role("link", name="Read reviews").click()
    expect(desk.get_by_role("heading", name="Select feedback to view")).to_be_visible()
    expect(desk.get_by_role("row").filter(has_text=WORDS)).to_have_count(1)
    desk.get_by_role("checkbox", name="Select this object for an action").first.check()
    desk.get_by_role("combobox", name="Action").select_option("publish_reviews")
    desk.get_by_role("button", name="Run", exact=True).click()
    expect(desk.get_by_text("1 review updated.")).to_be_visible()

    # then: a visitor on a phone reads it on the mentor's page, with the founder's name
    visitor.reload()
    reviews = visitor.get_by_role("region", name="1 review from founders")
    expect(reviews.get_by_text(WORDS)).to_be_visible()
    expect(reviews.get_by_role("link", name="Ayesha Khan")).to_be_visible()
    expect(reviews.get_by_text("Rated 5 of 5")).to_be_visible()
    assert violations(visitor) == []
    visitor.screenshot(path=str(tmp_path / "mentor-page-with-review.png"), full_page=True)

    # when: the founder takes it down
    phone.reload()
    assert violations(phone) == []
    phone.get_by_role("button", name="Take my review down").click()
    expect(phone.get_by_text("Your review is taken down. Your rating still counts.")).to_be_visible()

    # then: gone from the mentor's page at once
    visitor.reload()
    expect(visitor.get_by_text(WORDS)).to_have_count(0)
    assert Feedback.objects.get(author=founder).review == Feedback.Review.PRIVATE
