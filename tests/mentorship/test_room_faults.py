"""The session room under faults, caused for real: the production server (``bin/web``), a Redis of the
test's own that is stopped, restarted and paused, TCP connections cut right after a send, bursts.

Every fault test counts from the receiver's view *after its client's own catch-up*
(``devtools.room_client``, which follows the protocol as the browser does) and from the stored
history: each stored message held exactly once by both sides, none lost, none doubled.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from devtools.room_client import RoomClient
from mentorship.models import RoomMessage
from tests.asyncio_helpers import run_async
from tests.mentorship.factories import BookingFactory
from tests.servers import production_session_cookie, redis_server, web_server

pytestmark = pytest.mark.django_db(transaction=True)


MESSAGES = 25
# The goal is 3 s on the 2-core development machine, measured by ``manage.py bench_room`` (docs/session-room.md);
# the suite runs beside other work (the test's own 300 clients among it), so it bounds the time loosely and
# holds the count exactly: every connection accepted, none refused or dropped.
BURST_SECONDS = 15


@pytest.fixture
def booking():
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    return BookingFactory(start=start, end=start + timedelta(hours=1))


@pytest.fixture
def redis():
    with redis_server() as server:
        yield server


def stored_bodies(booking) -> list[str]:
    return list(RoomMessage.objects.filter(booking=booking).order_by("seq").values_list("body", flat=True))


def assert_exactly_once(booking, *clients: RoomClient) -> None:
    stored = list(RoomMessage.objects.filter(booking=booking).order_by("seq").values_list("seq", "body"))
    assert [seq for seq, _ in stored] == list(range(1, len(stored) + 1)), "sequence numbers are dense"
    for client in clients:
        assert client.bodies() == [body for _, body in stored], "the client holds every stored message, in order"
        assert client.contiguous == len(stored)
    bodies = [body for _, body in stored]
    assert len(bodies) == len(set(bodies)), "nothing stored twice"


@pytest.fixture
def cookies(booking):
    return production_session_cookie(booking.mentor.user), production_session_cookie(booking.mentee)


def test_a_message_sent_just_before_the_link_drops_reaches_the_other_side(booking, cookies, redis):
    """Six times: the founder sends and the TCP connection is cut at once, before any answer is read."""
    with web_server(shared_secret=True, REDIS_URL=redis.url) as base:

        async def scenario():
            mentor = RoomClient(base, booking.pk, cookies[0]).start()
            founder = RoomClient(base, booking.pk, cookies[1]).start()
            for client in (mentor, founder):
                assert await client.wait_until(client.connected.is_set, 15)
            sent = []
            for n in range(6):
                assert await founder.wait_until(founder.connected.is_set, 15)
                sent.append(f"cut {n}")
                await founder.send_message(f"cut {n}", then_cut=True)
                await asyncio.sleep(0.3)
                sent.append(f"reply {n}")
                await mentor.send_message(f"reply {n}")
            done = await mentor.wait_until(lambda: len(mentor.held) >= len(sent) and not founder.outbox, 30)
            await founder.wait_until(lambda: founder.contiguous >= len(sent), 10)
            await mentor.stop()
            await founder.stop()
            return done, sent, mentor, founder

        done, sent, mentor, founder = run_async(scenario)

    assert done
    assert sorted(stored_bodies(booking)) == sorted(sent)
    assert founder.connections >= 7  # six cuts, six reconnects
    assert_exactly_once(booking, mentor, founder)


@pytest.mark.parametrize("fault", ["restart", "pause"])
def test_a_redis_restart_or_pause_mid_conversation_loses_and_doubles_nothing(booking, cookies, redis, fault):
    """Both sides talk every 550 ms while Redis is restarted, or paused for 6 s (longer than the
    client's 3 s catch-up timeout and the server's publish timeouts)."""
    with web_server(shared_secret=True, REDIS_URL=redis.url) as base:

        async def scenario():
            mentor = RoomClient(base, booking.pk, cookies[0], sync_timeout=3).start()
            founder = RoomClient(base, booking.pk, cookies[1], sync_timeout=3).start()
            for client in (mentor, founder):
                assert await client.wait_until(client.connected.is_set, 15)

            async def talk(client, name):
                # as fast as the room allows (20 messages in 10 s per connection)
                for n in range(MESSAGES):
                    await client.send_message(f"{name} {n}")
                    await asyncio.sleep(0.55)

            async def fault_midway():
                await asyncio.sleep(2)
                if fault == "restart":
                    await asyncio.to_thread(redis.stop)
                    await asyncio.sleep(1)
                    await asyncio.to_thread(redis.start)
                else:
                    redis.pause()
                    await asyncio.sleep(6)
                    redis.resume()

            await asyncio.gather(talk(mentor, "mentor"), talk(founder, "founder"), fault_midway())
            settled = await mentor.wait_until(
                lambda: (
                    not mentor.outbox and not founder.outbox and mentor.contiguous == founder.contiguous == 2 * MESSAGES
                ),
                60,
            )
            await mentor.stop()
            await founder.stop()
            return settled, mentor, founder

        settled, mentor, founder = run_async(scenario)

    assert settled, (len(mentor.held), len(founder.held), len(mentor.outbox), len(founder.outbox))
    assert len(stored_bodies(booking)) == 2 * MESSAGES
    assert_exactly_once(booking, mentor, founder)


def test_a_restart_keeps_open_sockets_open(booking, cookies, redis):
    with web_server(shared_secret=True, REDIS_URL=redis.url) as base:

        async def scenario():
            mentor = RoomClient(base, booking.pk, cookies[0]).start()
            founder = RoomClient(base, booking.pk, cookies[1]).start()
            for client in (mentor, founder):
                assert await client.wait_until(client.connected.is_set, 15)
            await asyncio.to_thread(redis.stop)
            await asyncio.sleep(0.5)
            await asyncio.to_thread(redis.start)
            await asyncio.sleep(1.5)  # the layer reconnects by itself
            await founder.send_message("after the restart")
            heard = await mentor.wait_until(lambda: "after the restart" in mentor.bodies(), 5)
            await mentor.stop()
            await founder.stop()
            return heard, mentor, founder

        heard, mentor, founder = run_async(scenario)

    assert heard
    assert (mentor.connections, founder.connections) == (1, 1), "no socket dropped"


def test_joining_while_redis_is_down_is_refused_with_4503_then_recovers(booking, redis):
    with web_server(shared_secret=True, REDIS_URL=redis.url) as base:
        url = base.replace("http://", "ws://") + f"/ws/sessions/{booking.pk}/room/"
        cookie = production_session_cookie(booking.mentee)

        async def join() -> int | None:
            try:
                async with connect(url, additional_headers={"Cookie": cookie}, origin=base, open_timeout=10) as ws:
                    while True:
                        await asyncio.wait_for(ws.recv(), 5)
                        return None  # a frame: joined
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

        redis.stop()
        while_down = run_async(join)
        redis.start()
        time.sleep(1)
        after = run_async(join)

    assert while_down == 4503
    assert after is None


def test_a_members_connection_count_cannot_leak(booking, redis):
    """Connections that end by any path give their place back; a server killed outright holding every
    place locks the member out only until the entries expire (here 10 s; 45 s in production)."""
    ttl = {"RABTA_ROOM_CONNECTION_TTL_SECONDS": "10", "RABTA_ROOM_HEARTBEAT_SECONDS": "1"}
    run_id = uuid.uuid4().hex[:12]
    cookie = production_session_cookie(booking.mentee)

    async def hold(base, count):
        url = base.replace("http://", "ws://") + f"/ws/sessions/{booking.pk}/room/"
        sockets = []
        for _ in range(count):
            ws = await connect(url, additional_headers={"Cookie": cookie}, origin=base, open_timeout=10)
            await asyncio.wait_for(ws.recv(), 5)  # the welcome
            sockets.append(ws)
        return sockets

    async def close_code(base) -> int | None:
        url = base.replace("http://", "ws://") + f"/ws/sessions/{booking.pk}/room/"
        try:
            async with connect(url, additional_headers={"Cookie": cookie}, origin=base, open_timeout=10) as ws:
                await asyncio.wait_for(ws.recv(), 5)
                return None
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    with web_server(run_id, shared_secret=True, REDIS_URL=redis.url, **ttl) as base:

        async def churn():
            # twenty connections cut without a close, more than the cap of five
            for _ in range(4):
                for ws in await hold(base, 5):
                    ws.transport.abort()
                await asyncio.sleep(0.3)
            return await close_code(base)

        after_churn = run_async(churn)

    pids: list[int] = []
    with web_server(run_id, shared_secret=True, REDIS_URL=redis.url, pids=pids, **ttl) as base:
        # a second server holds all five places and is killed outright (no finally runs)

        async def fill_and_kill():
            await hold(base, 5)
            os.killpg(pids[0], signal.SIGKILL)
            return time.monotonic()

        killed_at = run_async(fill_and_kill)

    with web_server(run_id, shared_secret=True, REDIS_URL=redis.url, **ttl) as base:
        locked = run_async(lambda: close_code(base))
        locked_after = time.monotonic() - killed_at
        time.sleep(max(0, killed_at + 10.5 - time.monotonic()))
        freed = run_async(lambda: close_code(base))

    assert after_churn is None, "twenty cut connections left no trace"
    assert locked_after < 10, "the check ran while the dead server's entries were still live"
    assert locked == 4429
    assert freed is None


def test_a_burst_of_300_connections_to_one_process_is_all_accepted(redis):
    """300 members (150 rooms) connect to one production server process at the same moment."""
    from devtools.management.commands.bench_room import burst, make_rooms

    pairs = make_rooms(150)
    cookies = [cookie for _booking, mentor, founder in pairs for cookie in (mentor, founder)]
    bookings = [booking for booking, _mentor, _founder in pairs for _ in range(2)]
    with web_server(shared_secret=True, REDIS_URL=redis.url, WEB_WORKERS="1") as base:
        ws = base.replace("http://", "ws://")
        # one connection first: the process has imported and connected everything, as a live one has
        run_async(lambda: burst(lambda n: f"{ws}/ws/sessions/{bookings[n]}/room/", cookies[:1], base))
        welcomed, seconds, errors = run_async(
            lambda: burst(lambda n: f"{ws}/ws/sessions/{bookings[n]}/room/", cookies, base)
        )

    assert (welcomed, errors[:3]) == (300, [])
    assert seconds < BURST_SECONDS, f"{seconds:.2f} s"
