"""Rooms across server processes, and a connection cut mid-conversation.

Two real daphne processes share rooms through the Redis on this machine;
clients are real WebSocket clients (the ``websockets`` library). Both run on
either database: the servers use the test database of this run.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from websockets.asyncio.client import connect

from mentorship.models import RoomMessage
from tests.asyncio_helpers import run_async
from tests.mentorship.factories import BookingFactory
from tests.servers import asgi_server
from tests.sessions import session_cookie_header

pytestmark = pytest.mark.django_db(transaction=True)

# The servers always use Redis, whatever this run's own settings are: rooms
# across processes need it. A run-specific prefix keeps runs apart.
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"


def room_url(base: str, booking_id: int) -> str:
    return base.replace("http://", "ws://") + f"/ws/sessions/{booking_id}/room/"


async def open_room(base: str, booking_id: int, cookie: str):
    socket = await connect(
        room_url(base, booking_id), additional_headers={"Cookie": cookie}, origin=base, open_timeout=10
    )
    welcome = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert welcome["type"] == "welcome"
    return socket


async def next_of_type(socket, kind: str, timeout: float = 5, seen: list | None = None) -> dict:
    """The next event of ``kind``; events passed over on the way are kept in ``seen``."""
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        if event["type"] == kind:
            return event
        if seen is not None:
            seen.append(event)


async def events_until_quiet(socket, quiet: float = 0.5) -> list[dict]:
    events = []
    while True:
        try:
            events.append(json.loads(await asyncio.wait_for(socket.recv(), quiet)))
        except TimeoutError:
            return events


@pytest.fixture
def booking():
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    return BookingFactory(start=start, end=start + timedelta(hours=1))


@pytest.fixture
def two_servers():
    run_id = uuid.uuid4().hex[:12]
    with asgi_server(run_id, REDIS_URL=REDIS_URL) as first, asgi_server(run_id, REDIS_URL=REDIS_URL) as second:
        yield first, second


def test_participants_on_two_server_processes_hear_each_other(booking, two_servers):
    first, second = two_servers
    mentor_cookie, founder_cookie = session_cookie_header(booking.mentor.user), session_cookie_header(booking.mentee)

    async def scenario():
        mentor = await open_room(first, booking.pk, mentor_cookie)
        founder = await open_room(second, booking.pk, founder_cookie)
        await events_until_quiet(mentor)
        await events_until_quiet(founder)
        await founder.send(json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": "From process B"}))
        heard_by_mentor = await next_of_type(mentor, "message")
        await mentor.send(json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": "From process A"}))
        heard_by_founder = [e for e in await events_until_quiet(founder) if e["type"] == "message"]
        await mentor.close()
        await founder.close()
        return heard_by_mentor, heard_by_founder

    heard_by_mentor, heard_by_founder = run_async(scenario)

    stored = list(RoomMessage.objects.order_by("seq").values_list("seq", "body"))
    assert stored == [(1, "From process B"), (2, "From process A")]
    assert heard_by_mentor["message"]["seq"] == 1
    # the founder hears the mentor's message once (their own comes back as the acknowledgement)
    assert [e["message"]["seq"] for e in heard_by_founder] == [2]


def test_a_cut_connection_loses_nothing_and_doubles_nothing(booking, two_servers):
    first, second = two_servers
    mentor_cookie, founder_cookie = session_cookie_header(booking.mentor.user), session_cookie_header(booking.mentee)
    in_flight = str(uuid.uuid4())

    async def scenario():
        mentor = await open_room(first, booking.pk, mentor_cookie)
        founder = await open_room(second, booking.pk, founder_cookie)
        await founder.send(json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": "one"}))
        last_seen = (await next_of_type(founder, "ack"))["message"]["seq"]

        # the founder sends, and the link is cut before any answer is read
        await founder.send(json.dumps({"type": "message", "client_id": in_flight, "body": "two"}))
        founder.transport.abort()
        # meanwhile the mentor keeps talking (and hears whatever arrives)
        mentor_events: list[dict] = []
        for body in ("three", "four"):
            await mentor.send(json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": body}))
            await next_of_type(mentor, "ack", seen=mentor_events)

        # the founder's client reconnects, resends its outbox, and catches up
        founder = await open_room(second, booking.pk, founder_cookie)
        await founder.send(json.dumps({"type": "message", "client_id": in_flight, "body": "two"}))
        resent = await next_of_type(founder, "ack")
        await founder.send(json.dumps({"type": "sync", "after_seq": last_seen}))
        history = await next_of_type(founder, "history")
        mentor_events.extend(await events_until_quiet(mentor))
        mentor_heard = [e["message"]["body"] for e in mentor_events if e["type"] == "message"]
        await mentor.close()
        await founder.close()
        return resent, history, mentor_heard

    resent, history, mentor_heard = run_async(scenario)

    # "two" is stored once: when the cut frame still reached the server, or else on the resend
    stored = list(RoomMessage.objects.order_by("seq").values_list("body", flat=True))
    assert sorted(stored) == ["four", "one", "three", "two"]
    assert stored[0] == "one"
    assert resent["message"]["body"] == "two"
    # catch-up returns exactly what came after the last message the founder held, in stored order
    assert [m["body"] for m in history["messages"]] == stored[1:]
    # the mentor heard "two" at least once (a resend is broadcast again; the client draws each number once)
    assert mentor_heard.count("two") >= 1
