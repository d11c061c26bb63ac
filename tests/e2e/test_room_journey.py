"""Mentor and founder chat in the session room; the founder's link drops,
they keep typing, the link returns, and both see every message exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mentorship.models import Booking, RoomMessage
from tests.mentorship.factories import BookingFactory
from tests.network.factories import ProfileFactory
from tests.servers import asgi_server
from tests.sessions import signed_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def say(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def bodies(page: Page) -> list[str]:
    return page.locator("#messages .room-body").all_inner_texts()


def test_chat_survives_a_dropped_connection(browser: Browser, seams):
    # The link drops on purpose, and the server stops while the pages are still open: the browser
    # reports each refused reconnection.
    seams.allow_console("WebSocket connection to")
    # given: a session starting in ten minutes
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    mentor = ProfileFactory(display_name="Sara Mentor", timezone="Europe/London").user
    founder = ProfileFactory(display_name="Ali Founder").user
    booking = BookingFactory(mentee=founder, start=start, end=start + timedelta(hours=1))
    booking.mentor.user = mentor
    booking.mentor.save()

    with asgi_server() as base:
        mentor_page = signed_in_page(browser, base, mentor)
        founder_page = signed_in_page(browser, base, founder)
        room = f"{base}/sessions/{booking.pk}/room/"
        mentor_page.goto(room)
        founder_page.goto(room)
        for page in (mentor_page, founder_page):
            expect(page.locator("#connection-status")).to_have_text("Connected")
        expect(founder_page.locator("#presence")).to_contain_text("Sara Mentor")

        # when: they talk
        say(founder_page, "Assalam o alaikum! Shall we start with pricing?")
        expect(mentor_page.locator("#messages")).to_contain_text("Shall we start with pricing?")
        say(mentor_page, "Yes. Share your current tiers: https://example.org/tiers")
        expect(founder_page.locator("#messages a[href='https://example.org/tiers']")).to_be_visible()

        # when: the founder's link drops and they keep typing
        founder_page.context.set_offline(True)
        expect(founder_page.locator("#connection-status")).to_contain_text("Offline")
        say(founder_page, "We have three tiers.")
        say(founder_page, "The top one is barely used.")
        say(mentor_page, "While you were away: consider a usage-based plan.")
        expect(founder_page.locator("#messages .pending")).to_have_count(2)

        # when: the link returns
        founder_page.context.set_offline(False)
        expect(founder_page.locator("#connection-status")).to_have_text("Connected", timeout=20_000)
        expect(founder_page.locator("#messages .pending")).to_have_count(0)
        expect(mentor_page.locator("#messages")).to_contain_text("The top one is barely used.")
        expect(founder_page.locator("#messages")).to_contain_text("consider a usage-based plan")

        # then: both see the same five messages, each exactly once, in the stored order
        stored = list(RoomMessage.objects.filter(booking=booking).order_by("seq").values_list("body", flat=True))
        assert len(stored) == 5
        expect(mentor_page.locator("#messages .room-body")).to_have_count(5)
        expect(founder_page.locator("#messages .room-body")).to_have_count(5)
        assert bodies(mentor_page) == stored
        assert sorted(bodies(founder_page)) == sorted(stored)

        # and a reload draws the same history from the server, nothing doubled
        founder_page.reload()
        expect(founder_page.locator("#connection-status")).to_have_text("Connected")
        assert bodies(founder_page) == stored


def test_a_cancelled_session_tells_the_room_and_stops_reconnecting(browser: Browser):
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    booking = BookingFactory(start=start, end=start + timedelta(hours=1))

    with asgi_server() as base:
        page = signed_in_page(browser, base, booking.mentee)
        sockets: list = []
        page.on("websocket", lambda socket: sockets.append(socket))
        page.goto(f"{base}/sessions/{booking.pk}/room/")
        expect(page.locator("#connection-status")).to_have_text("Connected")

        # the booking is cancelled behind the room's back: the server's access sweep closes it in seconds
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
        expect(page.locator("#connection-status")).to_have_text(
            "This room is closed to you now. Reload the page to see why.", timeout=10_000
        )
        # 4403 means stop: no new connection is tried
        page.wait_for_timeout(3_000)
        assert len(sockets) == 1
