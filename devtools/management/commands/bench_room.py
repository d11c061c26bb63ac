"""Benchmark the live session room against a bare WebSocket relay, in one run.

    DATABASE_URL=postgres://…/rabta_bench REDIS_URL=redis://127.0.0.1:6379/4 \\
        python manage.py bench_room [--rooms 500] [--seconds 20] [--processes 2]

It creates bench rooms (confirmed bookings with two signed-in members each),
starts real daphne processes on this machine, connects real WebSocket
clients, and measures with every message persisted:

- round-trip delivery latency (send → the other participant receives) for one
  pair, and for ``--rooms`` rooms of two, each client sending a message every
  two seconds;
- delivered / sent;
- server memory per idle connection;
- the same scenarios against a bare ``websockets`` relay started by this
  script, as the floor.

Everything it created is deleted at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from mentorship.models import Booking, Mentor, RoomMessage, SessionType
from network.models import Profile, User

ROOT = Path(__file__).resolve().parents[3]
BENCH_DOMAIN = "bench-room.rabta.pk"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise CommandError(f"nothing listens on port {port}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- Data ----------------------------------------------------------------------


def make_rooms(count: int) -> list[tuple[int, str, str]]:
    """``count`` open rooms (confirmed bookings starting in five minutes), each with its two members
    signed in: (booking id, mentor's Cookie header, founder's Cookie header) for a production server."""
    clean_up()
    password = "!"  # noqa: S105 - an unusable password: bench members sign in by session only
    User.objects.bulk_create([User(email=f"bench-{n}@{BENCH_DOMAIN}", password=password) for n in range(2 * count)])
    users = list(User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, display_name=f"Bench {u.pk}") for u in users])
    Mentor.objects.bulk_create([Mentor(user=u, timezone="UTC", status=Mentor.Status.APPROVED) for u in users[::2]])
    mentors = list(Mentor.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}").order_by("user_id"))
    SessionType.objects.bulk_create([SessionType(mentor=m, title="Bench") for m in mentors])
    types = list(SessionType.objects.filter(mentor__in=mentors).order_by("mentor__user_id"))
    start = timezone.now() + timedelta(minutes=5)
    Booking.objects.bulk_create(
        [
            Booking(
                mentor=m,
                mentee=users[2 * n + 1],
                session_type=t,
                start=start,
                end=start + timedelta(hours=2),
                status=Booking.Status.CONFIRMED,
                agenda="bench",
            )
            for n, (m, t) in enumerate(zip(mentors, types, strict=True))
        ]
    )
    bookings = list(Booking.objects.filter(mentor__in=mentors).select_related("mentor").order_by("mentor__user_id"))
    by_user = {u.pk: u for u in users}
    return [
        (booking.pk, _cookie(by_user[booking.mentor.user_id]), _cookie(by_user[booking.mentee_id]))
        for booking in bookings
    ]


def _cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.PRODUCTION_SESSION_COOKIE_NAME}={session.session_key}"


@transaction.atomic
def clean_up() -> None:
    users = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
    # A server still finishing its last messages would store one between the two deletes below; with the
    # rooms locked first, its INSERT waits for this transaction and then finds no room.
    list(Booking.objects.filter(mentee__in=users).select_for_update().values_list("pk", flat=True))
    RoomMessage.objects.filter(booking__mentee__in=users).delete()
    Booking.objects.filter(mentee__in=users).delete()
    SessionType.objects.filter(mentor__user__in=users).delete()
    Mentor.objects.filter(user__in=users).delete()
    users.delete()


async def burst(url_of, cookies: list[str], origin: str) -> tuple[int, float, list[str]]:
    """Open one connection per cookie all at once; (welcomed, seconds until the last welcome, errors)."""
    from websockets.asyncio.client import connect

    errors: list[str] = []
    sockets = []

    async def one(n: int, cookie: str) -> float | None:
        try:
            ws = await connect(url_of(n), additional_headers={"Cookie": cookie}, origin=origin, open_timeout=30)
            sockets.append(ws)
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame.get("type") == "welcome":
                return time.perf_counter()
            errors.append(repr(frame))
        except Exception as error:
            errors.append(repr(error))
        return None

    started = time.perf_counter()
    done = await asyncio.gather(*(one(n, cookie) for n, cookie in enumerate(cookies)))
    welcomed = [at for at in done if at is not None]
    seconds = (max(welcomed) - started) if welcomed else float("nan")
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return len(welcomed), seconds, errors


# --- Clients -------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.sent: dict[str, tuple[float, str]] = {}
        self.latencies: list[float] = []
        self.delivered = 0
        self.errors = 0
        self.last_error = ""
        self.timeline: list[tuple[float, float]] = []


async def client(
    url: str,
    cookie: str | None,
    origin: str,
    stats: Stats,
    ready: asyncio.Event,
    stop: asyncio.Event,
    interval: float | None,
    me: str,
    inboxes: dict,
):
    from websockets.asyncio.client import connect

    headers = {"Cookie": cookie} if cookie else {}
    for attempt in range(5):
        try:
            socket_ = await connect(url, additional_headers=headers, origin=origin, open_timeout=30, max_size=2**16)
            break
        except Exception as error:
            if attempt == 4:
                stats.errors += 1
                stats.last_error = repr(error)
                return None
            await asyncio.sleep(0.2 * (attempt + 1))
    inboxes[me] = socket_

    async def reader():
        with contextlib.suppress(Exception):
            async for frame in socket_:
                data = json.loads(frame)
                if data.get("type") == "message":
                    sent = stats.sent.get(data["message"]["client_id"])
                    if sent is not None and sent[1] != me:
                        now = time.perf_counter()
                        stats.latencies.append((now - sent[0]) * 1000)
                        stats.timeline.append((now, (now - sent[0]) * 1000))
                        stats.delivered += 1

    read_task = asyncio.create_task(reader())
    await ready.wait()
    if interval:
        await asyncio.sleep(random.random() * interval)
        while not stop.is_set():
            client_id = str(uuid.uuid4())
            stats.sent[client_id] = (time.perf_counter(), me)
            try:
                await socket_.send(json.dumps({"type": "message", "client_id": client_id, "body": "bench message"}))
            except Exception:
                stats.errors += 1
                break
            await asyncio.sleep(interval)
    else:
        await stop.wait()
    await asyncio.sleep(3)  # let the last messages arrive
    read_task.cancel()
    await socket_.close()
    return None


class Command(BaseCommand):
    help = "Measure the session room (latency, delivery, memory) against a bare WebSocket relay."

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, default=500)
        parser.add_argument("--seconds", type=int, default=20)
        parser.add_argument("--processes", type=int, default=2, help="daphne processes (clients spread over them)")
        parser.add_argument("--pair-messages", type=int, default=200)
        parser.add_argument(
            "--server",
            choices=["daphne", "uvicorn"],
            default="uvicorn",
            help="daphne: one process per port; uvicorn: the production server (bin/web), --processes workers",
        )
        parser.add_argument("--burst", type=int, default=300, help="connections opened at once to one process")
        parser.add_argument(
            "--restart-rooms", type=int, default=0, help="rooms talking across a restart of a Redis of the run's own"
        )

    def handle(
        self,
        *args,
        rooms: int,
        seconds: int,
        processes: int,
        pair_messages: int,
        server: str,
        burst: int,
        restart_rooms: int,
        **options,
    ):
        self.server = server
        if not settings.REDIS_URL and processes > 1:
            raise CommandError("Several processes share rooms through Redis: set REDIS_URL.")
        self.stdout.write(
            f"database {connection.vendor}, layer {settings.CHANNEL_LAYERS['default']['BACKEND']}, "
            f"{processes} {server} process(es), {os.cpu_count()} cores"
        )
        pairs = make_rooms(max(rooms, (burst + 1) // 2, restart_rooms, 1))
        try:
            self._run(pairs, rooms, seconds, processes, pair_messages)
            if burst:
                self._burst(pairs, burst)
            if restart_rooms:
                self._restart(pairs[:restart_rooms], processes)
        finally:
            clean_up()

    # --- data ----------------------------------------------------------------

    # --- runs ----------------------------------------------------------------

    def _run(self, pairs, rooms: int, seconds: int, processes: int, pair_messages: int) -> None:
        relay_port = free_port()
        relay = subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, str(ROOT / "benchmarks" / "ws_relay.py"), str(relay_port)], cwd=ROOT
        )
        wait_for_port(relay_port)
        log = open(settings.DATA_DIR / "bench-room-servers.log", "w")  # noqa: SIM115 - open for the servers' lifetime
        # Production settings, as the servers would run; the one-pair run sends
        # back to back, far above the per-member rate limit.
        env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the sessions made here must verify there
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
            "RABTA_ROOM_MESSAGES_PER_10_SECONDS": "100000",
        }
        if self.server == "daphne":
            ports = [free_port() for _ in range(processes)]
            commands = [
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
                for port in ports
            ]
        else:
            ports = [free_port()]
            commands = [[str(ROOT / "bin" / "web")]]
            env.update({"HOST": "127.0.0.1", "PORT": str(ports[0]), "WEB_WORKERS": str(processes)})
        servers = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603
            for command in commands
        ]
        self.stdout.write(f"server logs: {log.name}")
        try:
            for port in ports:
                wait_for_port(port)
            time.sleep(2)  # uvicorn's workers start after the port opens
            server_pids = [pid for server in servers for pid in [server.pid, *children(server.pid)]]
            rabta_urls = [f"ws://127.0.0.1:{port}/ws/sessions/{{}}/room/" for port in ports]
            relay_url = [f"ws://127.0.0.1:{relay_port}/room/{{}}"]

            for name, urls, origin_of, pids in (
                ("bare relay", relay_url, lambda u: "http://127.0.0.1", [relay.pid]),
                (
                    "Rabta room",
                    rabta_urls,
                    lambda u: u.replace("ws://", "http://").split("/ws/")[0],
                    server_pids,
                ),
            ):
                p50, p99, delivered = asyncio.run(
                    self._pair(urls, origin_of, pairs[0], pair_messages, name == "Rabta room")
                )
                self.stdout.write(
                    f"{name}, 1 pair, {pair_messages} messages: "
                    f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, delivered {delivered}"
                )
                result = asyncio.run(self._many(urls, origin_of, pairs[:rooms], seconds, pids, name == "Rabta room"))
                self.stdout.write(
                    f"{name}, {rooms} rooms ({2 * rooms} clients), a message per client every 2 s for {seconds} s: "
                    f"sent {result['sent']}, delivered {result['delivered']} ({result['ratio']:.2%}), "
                    f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, connect errors {result['errors']}, "
                    f"memory {result['per_connection_kib']:.0f} KiB per idle connection, "
                    f"server CPU {result['cpu_ms_per_message']:.2f} ms per message sent"
                    + (f"; last connect error: {result['last_error']}" if result["errors"] else "")
                )
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(timeout=10)
            relay.terminate()
            relay.wait(timeout=10)

    def _server_env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
            "HOST": "127.0.0.1",
            **extra,
        }

    @contextlib.contextmanager
    def _web(self, **extra: str):
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 - a fixed command line
            [str(ROOT / "bin" / "web")],
            cwd=ROOT,
            env=self._server_env(PORT=str(port), **extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for_port(port)
            time.sleep(2)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(server.pid, 15)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=10)

    def _burst(self, pairs, count: int) -> None:
        cookies = [cookie for _booking, mentor, founder in pairs for cookie in (mentor, founder)][:count]
        bookings = [booking for booking, _mentor, _founder in pairs for _ in range(2)][:count]
        with self._web(WEB_WORKERS="1") as base:
            ws = base.replace("http://", "ws://")

            def url_of(n):
                return f"{ws}/ws/sessions/{bookings[n]}/room/"

            asyncio.run(burst(url_of, cookies[:1], base))  # the process has connected to everything once
            welcomed, seconds, errors = asyncio.run(burst(url_of, cookies, base))
        self.stdout.write(
            f"Rabta room, burst of {count} connections to one process: {welcomed} accepted in {seconds:.2f} s"
            + (f"; {len(errors)} failed, e.g. {errors[0]}" if errors else "")
        )

    def _restart(self, pairs, processes: int) -> None:
        """Rooms talk through a Redis restart (a Redis of this run's own); count lost and duplicated."""
        from devtools.room_client import RoomClient

        port = free_port()

        def redis_up():
            process = subprocess.Popen(  # noqa: S603 - a fixed command line
                [
                    "/usr/bin/redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
            )
            wait_for_port(port)
            return process

        redis = redis_up()
        url = f"redis://127.0.0.1:{port}/0"
        try:
            with self._web(WEB_WORKERS=str(processes), REDIS_URL=url, RABTA_ROOM_MESSAGES_PER_10_SECONDS="20") as base:

                async def scenario():
                    nonlocal redis
                    clients = [
                        RoomClient(base, booking, cookie, sync_timeout=3).start()
                        for booking, mentor, founder in pairs
                        for cookie in (mentor, founder)
                    ]
                    for client in clients:
                        await client.wait_until(client.connected.is_set, 30)

                    async def talk(client, name):
                        for n in range(15):
                            await client.send_message(f"{name} {n}")
                            await asyncio.sleep(0.6)

                    async def restart():
                        nonlocal redis
                        await asyncio.sleep(3)
                        redis.kill()
                        redis.wait()
                        await asyncio.sleep(1)
                        redis = redis_up()

                    await asyncio.gather(*(talk(c, f"c{n}") for n, c in enumerate(clients)), restart())
                    await asyncio.sleep(1)
                    for client in clients:
                        await client.wait_until(lambda c=client: not c.outbox, 30)
                    for n in range(0, len(clients), 2):
                        a, b = clients[n], clients[n + 1]
                        await a.wait_until(lambda a=a, b=b: a.contiguous == b.contiguous == 30, 30)
                    for client in clients:
                        await client.stop()
                    return clients

                clients = asyncio.run(scenario())
        finally:
            redis.kill()
        lost = doubled = frames_twice = dropped = 0
        for n, (booking, _mentor, _founder) in enumerate(pairs):
            stored = list(RoomMessage.objects.filter(booking_id=booking).order_by("seq").values_list("body", flat=True))
            doubled += len(stored) - len(set(stored))
            for client in clients[2 * n : 2 * n + 2]:
                lost += len(set(stored) - set(client.bodies()))
                frames_twice += sum(1 for seen in client.frames_seen.values() if seen > 1)
                dropped += client.connections - 1
        sent = 30 * len(pairs)
        self.stdout.write(
            f"Rabta room, Redis restarted while {2 * len(pairs)} clients talk ({sent} messages): "
            f"lost {lost}, stored twice {doubled}, seen twice and drawn once {frames_twice}, "
            f"sockets reconnected {dropped}"
        )

    async def _pair(self, urls, origin_of, pair, count: int, authenticated: bool):
        from websockets.asyncio.client import connect

        booking_id, mentor_cookie, mentee_cookie = pair
        url_a = urls[0].format(booking_id)
        url_b = urls[-1].format(booking_id)
        a = await connect(
            url_a, additional_headers={"Cookie": mentor_cookie} if authenticated else {}, origin=origin_of(url_a)
        )
        b = await connect(
            url_b, additional_headers={"Cookie": mentee_cookie} if authenticated else {}, origin=origin_of(url_b)
        )
        latencies = []
        await asyncio.sleep(0.5)
        for socket_ in (a, b):
            with contextlib.suppress(TimeoutError):
                while True:
                    await asyncio.wait_for(socket_.recv(), 0.2)
        delivered = 0
        for _ in range(count):
            client_id = str(uuid.uuid4())
            started = time.perf_counter()
            await a.send(json.dumps({"type": "message", "client_id": client_id, "body": "ping"}))
            while True:
                data = json.loads(await asyncio.wait_for(b.recv(), 10))
                if data.get("type") == "message" and data["message"]["client_id"] == client_id:
                    latencies.append((time.perf_counter() - started) * 1000)
                    delivered += 1
                    break
            with contextlib.suppress(TimeoutError):
                while True:
                    await asyncio.wait_for(a.recv(), 0.01)
        await a.close()
        await b.close()
        return statistics.median(latencies), percentile(latencies, 0.99), f"{delivered}/{count}"

    async def _many(self, urls, origin_of, pairs, seconds: int, pids: list[int], authenticated: bool):
        stats = Stats()
        ready, stop = asyncio.Event(), asyncio.Event()
        inboxes: dict = {}
        memory_before = sum(rss_kib(pid) for pid in pids)
        tasks = []
        for n, (booking_id, mentor_cookie, mentee_cookie) in enumerate(pairs):
            for side, cookie in (("m", mentor_cookie), ("f", mentee_cookie)):
                url = urls[(2 * n + (side == "f")) % len(urls)].format(booking_id)
                tasks.append(
                    asyncio.create_task(
                        client(
                            url,
                            cookie if authenticated else None,
                            origin_of(url),
                            stats,
                            ready,
                            stop,
                            2.0,
                            f"{side}{n}",
                            inboxes,
                        )
                    )
                )
        # wait until every client is connected (or failed), then measure idle memory
        deadline = time.monotonic() + 120
        while len(inboxes) + stats.errors < len(tasks) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        memory_idle = sum(rss_kib(pid) for pid in pids)
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        ready.set()
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        # What a message costs the servers, whatever else runs on the machine: their CPU time while
        # the clients talked, per message sent.
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        sent = len(stats.sent)
        if stats.timeline:
            first = stats.timeline[0][0]
            windows: dict[int, list[float]] = {}
            for at, latency in stats.timeline:
                windows.setdefault(int((at - first) // 5), []).append(latency)
            self.stdout.write(
                "  p99 by 5-second window: "
                + ", ".join(f"{percentile(v, 0.99):.0f} ms" for _k, v in sorted(windows.items()))
            )
        return {
            "sent": sent,
            "delivered": stats.delivered,
            "ratio": stats.delivered / sent if sent else 0,
            "p50": statistics.median(stats.latencies) if stats.latencies else float("nan"),
            "p99": percentile(stats.latencies, 0.99),
            "errors": stats.errors,
            "per_connection_kib": (memory_idle - memory_before) / max(1, len(inboxes)),
            "last_error": stats.last_error,
            "cpu_ms_per_message": 1000 * cpu / sent if sent else float("nan"),
        }
