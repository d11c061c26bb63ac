"""A member deactivated while in a session room is removed from it at once (close code 4403), and a
connection that missed the message re-checks the account before it relays anything."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from mentorship import consumers
from mentorship.models import RoomMessage
from network.models import User
from network.services import user_deactivate
from tests.asyncio_helpers import run_async
from tests.mentorship.factories import BookingFactory
from tests.mentorship.test_room import CONNECT_TIMEOUT, drain, joined, next_of_type, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booking():
    """A confirmed session starting in ten minutes: its room is open."""
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    return BookingFactory(start=start, end=start + timedelta(hours=1))


@pytest.fixture
def cookies(booking):
    return {"mentor": session_cookie(booking.mentor.user), "mentee": session_cookie(booking.mentee)}


async def closed_with(comm) -> int | None:
    """The close code the server sent, skipping any frames before it."""
    while True:
        output = await comm.receive_output(timeout=CONNECT_TIMEOUT)
        if output["type"] == "websocket.close":
            return output.get("code")


def test_deactivating_closes_the_members_connection_at_once(booking, cookies):
    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentor)
        await drain(mentee)
        await database_sync_to_async(user_deactivate)(actor=None, user=booking.mentee)
        code = await closed_with(mentee)
        await mentee.disconnect(code=code)  # as the server does once it has closed the socket
        left = await next_of_type(mentor, "presence")
        # the mentor's own connection goes on
        await mentor.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "Still here"})
        ack = await next_of_type(mentor, "ack")
        await mentor.disconnect()
        return code, left, ack

    code, left, ack = run_async(scenario)

    assert code == 4403
    assert (left["user_id"], left["present"]) == (booking.mentee_id, False)
    assert ack["message"]["body"] == "Still here"


def test_a_missed_deactivation_is_caught_before_the_next_message_is_relayed(booking, cookies, monkeypatch):
    # given: the account is switched off behind the consumers' backs (no channel message)
    monkeypatch.setattr(consumers, "ACTIVE_RECHECK", consumers.timedelta(seconds=0.2))

    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentor)
        await drain(mentee)
        await database_sync_to_async(User.objects.filter(pk=booking.mentee_id).update)(is_active=False)
        await asyncio.sleep(0.3)
        # when: the mentor writes
        await mentor.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "Private advice"})
        await next_of_type(mentor, "ack")
        # then: the mentee's connection closes instead of receiving it
        frames = []
        while True:
            output = await mentee.receive_output(timeout=CONNECT_TIMEOUT)
            frames.append(output)
            if output["type"] == "websocket.close":
                break
        await mentor.disconnect()
        return frames

    frames = run_async(scenario)

    assert frames[-1] == {"type": "websocket.close", "code": 4403}
    assert not any("Private advice" in frame.get("text", "") for frame in frames)


def test_a_deactivated_member_cannot_post_on_a_connection_still_open(booking, cookies, monkeypatch):
    monkeypatch.setattr(consumers, "ACTIVE_RECHECK", consumers.timedelta(seconds=0.2))

    async def scenario():
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentee)
        await database_sync_to_async(User.objects.filter(pk=booking.mentee_id).update)(is_active=False)
        await asyncio.sleep(0.3)
        await mentee.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "After I left"})
        return await closed_with(mentee)

    assert run_async(scenario) == 4403
    assert RoomMessage.objects.count() == 0
