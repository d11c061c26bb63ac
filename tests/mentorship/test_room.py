"""The session room consumer through the real ASGI stack (origin check, session
auth, routing) with Channels' WebsocketCommunicator."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.asgi import application
from mentorship.models import Booking, RoomMessage, SessionNotes
from tests.asyncio_helpers import run_async
from tests.mentorship.factories import BookingFactory
from tests.network.factories import ProfileFactory
from tests.sessions import session_cookie_header

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> bytes:
    return session_cookie_header(user).encode()


def communicator(booking_id: int, cookie: bytes | None, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    headers = [(b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/sessions/{booking_id}/room/", headers=headers)


# Joining checks access and loads the room from the database through a thread; on a loaded two-core
# CI machine that has taken more than channels' default second.
CONNECT_TIMEOUT = 5


async def joined(booking_id: int, cookie: bytes) -> WebsocketCommunicator:
    """Connect and read the welcome, leaving presence events to the test."""
    comm = communicator(booking_id, cookie)
    connected, _ = await comm.connect(timeout=CONNECT_TIMEOUT)
    assert connected
    frame = await comm.receive_output(timeout=CONNECT_TIMEOUT)
    assert frame["type"] == "websocket.send", f"refused: {frame}"
    welcome = json.loads(frame["text"])
    assert welcome["type"] == "welcome"
    return comm


async def refused_with(comm: WebsocketCommunicator) -> int:
    """Connect and return the close code: refusals are accepted, then closed with a code the client acts on."""
    connected, _ = await comm.connect(timeout=CONNECT_TIMEOUT)
    assert connected, "refusals are accepted first, so the close code reaches the client"
    frame = await comm.receive_output(timeout=CONNECT_TIMEOUT)
    assert frame["type"] == "websocket.close", frame
    return frame["code"]


async def next_of_type(comm: WebsocketCommunicator, kind: str, timeout: float = 2) -> dict:
    while True:
        event = await comm.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


async def drain(comm: WebsocketCommunicator) -> list[dict]:
    events = []
    while not await comm.receive_nothing(timeout=0.2):
        events.append(await comm.receive_json_from())
    return events


@pytest.fixture
def booking():
    """A confirmed session starting in ten minutes: its room is open."""
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    return BookingFactory(start=start, end=start + timedelta(hours=1))


@pytest.fixture
def cookies(booking):
    return {"mentor": session_cookie(booking.mentor.user), "mentee": session_cookie(booking.mentee)}


# --- Who may connect -------------------------------------------------------------


def test_anonymous_visitors_are_refused(booking):
    async def scenario():
        comm = communicator(booking.pk, None)
        assert await refused_with(comm) == 4403

    run_async(scenario)


def test_a_member_who_is_not_a_participant_is_refused(booking):
    stranger = session_cookie(ProfileFactory().user)

    async def scenario():
        comm = communicator(booking.pk, stranger)
        assert await refused_with(comm) == 4403

    run_async(scenario)
    assert RoomMessage.objects.count() == 0


def test_a_foreign_origin_is_refused(booking, cookies):
    async def scenario():
        comm = communicator(booking.pk, cookies["mentee"], origin=b"https://evil.example")
        connected, _ = await comm.connect(timeout=CONNECT_TIMEOUT)
        assert connected is False

    run_async(scenario)


@pytest.mark.parametrize("status", [Booking.Status.CANCELLED, Booking.Status.REQUESTED, Booking.Status.DECLINED])
def test_a_booking_that_is_not_confirmed_has_no_room(booking, cookies, status):
    Booking.objects.filter(pk=booking.pk).update(status=status)

    async def scenario():
        comm = communicator(booking.pk, cookies["mentee"])
        assert await refused_with(comm) == 4403

    run_async(scenario)


def test_the_room_is_closed_until_an_hour_before_the_session(booking, cookies):
    later = timezone.now() + timedelta(days=3)
    Booking.objects.filter(pk=booking.pk).update(start=later, end=later + timedelta(hours=1))

    async def scenario():
        comm = communicator(booking.pk, cookies["mentee"])
        assert await refused_with(comm) == 4403

    run_async(scenario)


def test_participants_join_and_see_each_other(booking, cookies):
    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        assert (await next_of_type(mentor, "presence"))["user_id"] == booking.mentor.user_id
        mentee = await joined(booking.pk, cookies["mentee"])
        # the newcomer hears who is already there, the others hear the newcomer
        here = [e["user_id"] for e in await drain(mentee) if e["type"] == "presence"]
        assert sorted(here) == sorted([booking.mentor.user_id, booking.mentee_id])
        joined_event = await next_of_type(mentor, "presence")
        assert (joined_event["user_id"], joined_event["present"]) == (booking.mentee_id, True)
        await mentee.disconnect()
        left = await next_of_type(mentor, "presence")
        assert (left["user_id"], left["present"]) == (booking.mentee_id, False)
        await mentor.disconnect()

    run_async(scenario)


# --- Delivery ----------------------------------------------------------------------


def test_a_message_is_stored_then_delivered_with_its_sequence_number(booking, cookies):
    client_id = str(uuid.uuid4())

    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        other_tab = await joined(booking.pk, cookies["mentee"])
        for comm in (mentor, mentee, other_tab):
            await drain(comm)
        await mentee.send_json_to({"type": "message", "client_id": client_id, "body": "Salaam! Ready when you are."})
        ack = await next_of_type(mentee, "ack")
        delivered = await next_of_type(mentor, "message")
        echoed = await next_of_type(other_tab, "message")
        to_sender = [e for e in await drain(mentee) if e["type"] == "message"]
        for comm in (mentor, mentee, other_tab):
            await comm.disconnect()
        return ack, delivered, echoed, to_sender

    ack, delivered, echoed, to_sender = run_async(scenario)

    stored = RoomMessage.objects.get()
    assert (stored.author_id, stored.body, str(stored.client_id)) == (
        booking.mentee_id,
        "Salaam! Ready when you are.",
        client_id,
    )
    assert stored.seq == 1
    assert ack["message"] == delivered["message"] == echoed["message"]
    assert (delivered["message"]["seq"], delivered["message"]["client_id"]) == (1, client_id)
    # the sending connection learns of it by the acknowledgement alone; the member's other tab hears it
    assert to_sender == []


def test_sending_the_same_message_twice_stores_it_once_and_broadcasts_it_again(booking, cookies):
    client_id = str(uuid.uuid4())

    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentor)
        await drain(mentee)
        frame = {"type": "message", "client_id": client_id, "body": "Sent twice after a dropped link"}
        await mentee.send_json_to(frame)
        first = await next_of_type(mentee, "ack")
        await mentee.send_json_to(frame)
        second = await next_of_type(mentee, "ack")
        to_mentor = [e for e in await drain(mentor) if e["type"] == "message"]
        await mentor.disconnect()
        await mentee.disconnect()
        return first, second, to_mentor

    first, second, to_mentor = run_async(scenario)

    assert RoomMessage.objects.count() == 1
    assert first["message"] == second["message"]
    # the first broadcast may be what a dropped link lost, so a resend is broadcast again; the
    # client draws each sequence number once
    assert [e["message"]["seq"] for e in to_mentor] == [1, 1]


def test_catching_up_after_a_gap_returns_exactly_the_missing_messages_in_order(booking, cookies):
    async def scenario():
        mentee = await joined(booking.pk, cookies["mentee"])
        ids = []
        for n in range(5):
            await mentee.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": f"message {n}"})
            ids.append((await next_of_type(mentee, "ack"))["message"]["seq"])
        # the mentor was away and holds only the first two
        mentor = await joined(booking.pk, cookies["mentor"])
        await mentor.send_json_to({"type": "sync", "after_seq": ids[1]})
        history = await next_of_type(mentor, "history")
        await mentor.disconnect()
        await mentee.disconnect()
        return ids, history

    ids, history = run_async(scenario)

    assert ids == [1, 2, 3, 4, 5]
    assert [m["seq"] for m in history["messages"]] == [3, 4, 5]
    assert [m["body"] for m in history["messages"]] == ["message 2", "message 3", "message 4"]
    assert (history["more"], history["after_seq"]) == (False, 2)


def test_typing_reaches_only_the_other_side(booking, cookies):
    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentor)
        await drain(mentee)
        await mentee.send_json_to({"type": "typing"})
        to_mentor = await next_of_type(mentor, "typing")
        to_mentee = [e for e in await drain(mentee) if e["type"] == "typing"]
        await mentor.disconnect()
        await mentee.disconnect()
        return to_mentor, to_mentee

    to_mentor, to_mentee = run_async(scenario)
    assert to_mentor["user_id"] == booking.mentee_id
    assert to_mentee == []


# --- Limits ---------------------------------------------------------------------


def test_limits_on_size_and_bad_frames(booking, cookies):
    async def scenario():
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentee)
        await mentee.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "x" * 4001})
        too_long = await next_of_type(mentee, "error")
        await mentee.send_json_to({"type": "message", "client_id": "not-a-uuid", "body": "hello"})
        bad_id = await next_of_type(mentee, "error")
        await mentee.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "   "})
        empty = await next_of_type(mentee, "error")
        await mentee.send_to(text_data="not json")
        not_json = await next_of_type(mentee, "error")
        await mentee.send_json_to({"type": "launch"})
        unknown = await next_of_type(mentee, "error")
        await mentee.send_to(text_data=json.dumps({"type": "message", "body": "y" * 70_000}))
        huge = await next_of_type(mentee, "error")
        closed = await mentee.receive_output(timeout=2)
        return too_long, bad_id, empty, not_json, unknown, huge, closed

    too_long, bad_id, empty, not_json, unknown, huge, closed = run_async(scenario)

    assert (too_long["code"], too_long["message"]) == ("too_long", "A message can be at most 4000 characters.")
    assert bad_id["code"] == "bad_client_id"
    assert empty["code"] == "empty"
    assert not_json["code"] == "bad_frame"
    assert unknown["code"] == "unknown_type"
    assert huge["code"] == "frame_too_big"
    assert closed == {"type": "websocket.close", "code": 1009}
    assert RoomMessage.objects.count() == 0


def test_a_member_sending_too_fast_is_slowed_down(booking, cookies, settings):
    settings.RABTA = {**settings.RABTA, "ROOM_MESSAGES_PER_10_SECONDS": 3}

    async def scenario():
        mentee = await joined(booking.pk, cookies["mentee"])
        answers = []
        for n in range(4):
            await mentee.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": f"burst {n}"})
            answers.append(await next_of_type(mentee, "ack" if n < 3 else "error"))
        await mentee.disconnect()
        return answers

    answers = run_async(scenario)
    assert [a["type"] for a in answers] == ["ack", "ack", "ack", "error"]
    assert answers[-1]["code"] == "rate_limited"
    assert RoomMessage.objects.count() == 3


def test_open_connections_per_member_are_capped(booking, cookies, settings):
    settings.RABTA = {**settings.RABTA, "ROOM_CONNECTIONS_PER_MEMBER": 2}

    async def scenario():
        first = await joined(booking.pk, cookies["mentee"])
        second = await joined(booking.pk, cookies["mentee"])
        refused = await refused_with(communicator(booking.pk, cookies["mentee"]))
        await first.disconnect()
        # a closed connection frees its place
        fourth = communicator(booking.pk, cookies["mentee"])
        accepted, _ = await fourth.connect(timeout=CONNECT_TIMEOUT)
        await second.disconnect()
        await fourth.disconnect()
        return refused, accepted

    refused, accepted = run_async(scenario)
    assert refused == 4429
    assert accepted is True


# --- After the session -------------------------------------------------------------


def test_the_room_turns_read_only_hours_after_the_session(booking, cookies):
    ended = timezone.now() - timedelta(hours=8)
    Booking.objects.filter(pk=booking.pk).update(
        start=ended - timedelta(hours=1), end=ended, status=Booking.Status.COMPLETED
    )

    async def scenario():
        comm = communicator(booking.pk, cookies["mentee"])
        connected, _ = await comm.connect(timeout=CONNECT_TIMEOUT)
        welcome = await comm.receive_json_from(timeout=CONNECT_TIMEOUT)
        await comm.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "body": "too late"})
        error = await next_of_type(comm, "error")
        await comm.disconnect()
        return connected, welcome, error

    connected, welcome, error = run_async(scenario)
    assert connected is True
    assert welcome["state"] == "read_only"
    assert error["code"] == "read_only"
    assert RoomMessage.objects.count() == 0


# --- Shared notes ------------------------------------------------------------------


def test_a_stale_notes_save_is_refused_and_shown(booking, cookies):
    async def scenario():
        mentor = await joined(booking.pk, cookies["mentor"])
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentor)
        await drain(mentee)
        # both opened version 0; the founder saves first
        await mentee.send_json_to({"type": "notes", "text": "1. Pricing tiers", "version": 0})
        to_mentee = await next_of_type(mentee, "notes")
        to_mentor = await next_of_type(mentor, "notes")
        # the mentor saves from version 0 too
        await mentor.send_json_to({"type": "notes", "text": "Hiring plan", "version": 0})
        conflict = await next_of_type(mentor, "notes_conflict")
        nothing_for_mentee = [e for e in await drain(mentee) if e["type"].startswith("notes")]
        await mentor.disconnect()
        await mentee.disconnect()
        return to_mentee, to_mentor, conflict, nothing_for_mentee

    to_mentee, to_mentor, conflict, nothing_for_mentee = run_async(scenario)

    expected = {"text": "1. Pricing tiers", "version": 1, "by": booking.mentee.display_name}
    assert to_mentee["notes"] == to_mentor["notes"] == expected
    assert conflict["notes"]["text"] == "1. Pricing tiers"
    assert nothing_for_mentee == []
    notes = SessionNotes.objects.get(booking=booking)
    assert (notes.text, notes.version, notes.updated_by_id) == ("1. Pricing tiers", 1, booking.mentee_id)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the connection pool is PostgreSQL's")
def test_connections_give_their_database_connection_back_to_the_pool(booking, cookies):
    def checked_out() -> int:
        stats = connection.pool.get_stats()
        return stats["pool_size"] - stats["pool_available"]

    before = checked_out()  # this test's own connection, and any an earlier test's thread still holds
    # more connects than the pool holds, each in its own event loop and worker threads
    for _ in range(settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"] + 2):

        async def scenario():
            comm = await joined(booking.pk, cookies["mentee"])
            await comm.disconnect()

        run_async(scenario)
    assert checked_out() <= before, connection.pool.get_stats()


def test_saving_notes_too_often_is_slowed_down(booking, cookies, settings):
    settings.RABTA = {**settings.RABTA, "ROOM_MESSAGES_PER_10_SECONDS": 2}

    async def scenario():
        mentee = await joined(booking.pk, cookies["mentee"])
        await drain(mentee)
        answers = []
        for version in range(3):
            await mentee.send_json_to({"type": "notes", "text": f"draft {version}", "version": version})
            answers.append(await next_of_type(mentee, "notes" if version < 2 else "error"))
        await mentee.disconnect()
        return answers

    answers = run_async(scenario)
    assert [a["type"] for a in answers] == ["notes", "notes", "error"]
    assert answers[-1]["code"] == "rate_limited"
    assert SessionNotes.objects.get(booking=booking).version == 2
