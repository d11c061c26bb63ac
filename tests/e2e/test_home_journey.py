"""The demo founder and the demo mentor sign in on a phone and their home leads with what is next:
the session starting within the hour, with the link into its room, which opens. ``seams``
(tests/e2e/seams.py) fails the journey on any CSP violation, console error, failed request or page
wider than its window."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mentorship.models import Booking
from network.models import User
from tests.e2e.test_editors_journey import sign_in
from tests.servers import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """A full-page picture of the page at the phone's width, kept where ``HOME_SCREENSHOTS`` says
    (to look at) or in the test's temporary folder."""
    folder = Path(os.environ.get("HOME_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def next_session() -> Booking:
    founder = User.objects.get(email="founder@demo.rabta.pk")
    return (
        Booking.objects.filter(mentee=founder, status=Booking.Status.CONFIRMED)
        .select_related("session_type")
        .order_by("start")
        .first()
    )


@pytest.mark.parametrize(
    ("email", "block", "other"),
    [
        ("founder@demo.rabta.pk", "#block-my-sessions", "Adnan Qureshi"),
        ("mentor@demo.rabta.pk", "#block-mentor-next-session", "Hina Farooqi"),
    ],
)
def test_the_demo_founder_and_mentor_land_on_their_next_session_and_join_its_room(
    browser: Browser, demo, tmp_path, email, block, other
):
    # given: the demo data, whose founder has a session with the demo mentor within the hour
    booking = next_session()
    room = f"/sessions/{booking.pk}/room/"

    with asgi_server() as base:
        # when: they sign in on a phone
        page = browser.new_page()
        sign_in(page, base, email)
        page.wait_for_url(f"{base}/dashboard/")

        # then: their home leads with that session and the way into its room
        card = page.locator(block)
        expect(card).to_contain_text(f"Next session: {booking.session_type.title} with {other}")
        join = card.get_by_role("link", name="Join the room")
        expect(join).to_have_attribute("href", room)
        expect(page.get_by_role("heading", level=2).first).to_have_text(
            "As a founder" if email.startswith("founder") else "As a mentor"
        )
        screenshot(page, tmp_path, f"home-{email.split('@')[0]}-390")

        # when: they follow it, the room opens and connects
        join.click()
        page.wait_for_url(f"{base}{room}")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Session room with {other}")
        expect(page.locator("#connection-status")).to_have_text("Connected")
        page.close()
