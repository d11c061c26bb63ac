"""A member deactivated or a session cancelled while its room is open closes the room's connections
at once (close code 4403); should that message be lost, each server process's access sweep closes
them within ROOM_ACCESS_SWEEP_SECONDS."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from mentorship import services
from mentorship.models import Booking, RoomMessage
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


def test_a_missed_deactivation_closes_the_connection_at_the_next_access_sweep(booking, cookies, settings):
    # given: the account is switched off behind the consumers' backs (no channel message)
    settings.RABTA = {**settings.RABTA, "ROOM_ACCESS_SWEEP_SECONDS": 0.2}

    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentor)
        await drain(mentee)
        await database_sync_to_async(User.objects.filter(pk=booking.mentee_id).update)(is_active=False)
        started = asyncio.get_running_loop().time()
        code = await closed_with(mentee)
        waited = asyncio.get_running_loop().time() - started
        # then: nothing written after the close reaches the closed connection, and it cannot post
        await mentor.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "Private advice"})
        await next_of_type(mentor, "ack")
        await mentee.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "After I left"})
        after = await mentee.receive_nothing(timeout=0.5)
        await mentor.disconnect()
        return code, waited, after

    code, waited, after = run_async(scenario)

    assert code == 4403
    assert waited < 2
    assert after is True
    assert list(RoomMessage.objects.values_list("body", flat=True)) == ["Private advice"]


@pytest.mark.parametrize("change", ["cancelled behind its back", "cancelled by the service"])
def test_a_cancelled_session_closes_its_room(booking, cookies, settings, change):
    settings.RABTA = {
        **settings.RABTA,
        "ROOM_ACCESS_SWEEP_SECONDS": 0.2 if change != "cancelled by the service" else 60,
    }

    def cancel():
        if change == "cancelled by the service":
            services.booking_cancel(actor=booking.mentee, booking=booking, reason="Something came up")
        else:
            Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentor)
        await drain(mentee)
        await database_sync_to_async(cancel)()
        return await closed_with(mentor), await closed_with(mentee)

    # a service cancellation closes at once (the sweep is a minute away); one behind its back at the sweep
    assert run_async(scenario) == (4403, 4403)


@pytest.mark.parametrize("how", ["signed out", "password changed"])
def test_signing_out_or_changing_the_password_makes_live_connections_connect_again(booking, cookies, how):
    from allauth.account.signals import password_changed
    from django.contrib.auth.signals import user_logged_out

    def signal():
        if how == "signed out":
            user_logged_out.send(sender=User, request=None, user=booking.mentee)
        else:
            password_changed.send(sender=User, request=None, user=booking.mentee)

    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentee)
        await database_sync_to_async(signal)()
        code = await closed_with(mentee)
        # the mentor's connection is not theirs: it goes on
        await mentor.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "Still here"})
        ack = await next_of_type(mentor, "ack")
        await mentor.disconnect()
        return code, ack

    code, ack = run_async(scenario)
    # 4401: connect again, and the session is checked afresh (an ended one is then refused with 4403)
    assert code == 4401
    assert ack["message"]["body"] == "Still here"
