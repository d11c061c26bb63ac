"""A Python client of the session room's protocol (docs/session-room.md), following it as
``static/js/room.js`` does: for the fault tests and ``manage.py bench_room``.

It keeps an outbox until each message is acknowledged, holds messages by
sequence number, keeps the highest unbroken number (``contiguous``), asks for
everything after it on every connection, on every gap, and every
``sync_every`` seconds; treats a catch-up unanswered for ``sync_timeout``
seconds as a dead link; and reconnects by itself by close code (4403 stops,
4429 and everything else back off). What it *holds* after its own catch-up
is what a person in the room would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus


class RoomClient:
    def __init__(
        self,
        base: str,
        booking_id: int,
        cookie: str,
        *,
        sync_every: float = 20,
        sync_timeout: float = 10,
        open_timeout: float = 10,
    ) -> None:
        self.url = base.replace("http://", "ws://") + f"/ws/sessions/{booking_id}/room/"
        self.origin = base
        self.cookie = cookie
        self.sync_every = sync_every
        self.sync_timeout = sync_timeout
        self.open_timeout = open_timeout
        self.held: dict[int, dict] = {}
        self.contiguous = 0
        self.outbox: dict[str, str] = {}
        self.frames_seen: dict[int, int] = {}  # how often each number arrived (drawn once regardless)
        self.close_codes: list[int | None] = []
        self.refusals: list[str] = []  # handshakes refused without a close code (HTTP errors)
        self.connections = 0
        self.socket = None
        self.stopped = asyncio.Event()
        self.connected = asyncio.Event()
        self._sync_pending_since: float | None = None
        self._resend_at: float | None = None
        self._task: asyncio.Task | None = None

    # --- control ---------------------------------------------------------------

    def start(self) -> RoomClient:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def stop(self) -> None:
        self.stopped.set()
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 10)

    def cut(self) -> None:
        """Drop the TCP connection at once, without a WebSocket close."""
        if self.socket is not None:
            self.socket.transport.abort()

    async def send_message(self, body: str, *, then_cut: bool = False) -> str:
        client_id = str(uuid.uuid4())
        self.outbox[client_id] = body
        if self.socket is not None and self.connected.is_set():
            with contextlib.suppress(ConnectionClosed):
                await self.socket.send(json.dumps({"type": "message", "client_id": client_id, "body": body}))
                if then_cut:
                    self.cut()
        return client_id

    async def wait_until(self, condition, timeout: float) -> bool:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def bodies(self) -> list[str]:
        return [self.held[seq]["body"] for seq in sorted(self.held)]

    # --- the protocol -------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while not self.stopped.is_set():
            try:
                async with connect(
                    self.url,
                    additional_headers={"Cookie": self.cookie},
                    origin=self.origin,
                    open_timeout=self.open_timeout,
                    ping_interval=None,
                ) as socket:
                    self.socket = socket
                    self.connections += 1
                    self.connected.set()
                    await self._session(socket)
                    attempt = 0
            except ConnectionClosed as closed:
                self.close_codes.append(closed.rcvd.code if closed.rcvd else None)
            except InvalidStatus as refused:
                self.refusals.append(str(refused.response.status_code))
            except (OSError, TimeoutError) as error:
                self.refusals.append(type(error).__name__)
            finally:
                self.connected.clear()
                self.socket = None
            if self.stopped.is_set() or (self.close_codes and self.close_codes[-1] == 4403):
                return
            wait = 30 if self.close_codes and self.close_codes[-1] == 4429 else min(5, 0.2 * 2**attempt)
            attempt += 1
            await asyncio.sleep(wait * (0.5 + random.random() / 2))

    async def _session(self, socket) -> None:
        self._sync_pending_since = None
        await self._sync(socket)
        for client_id, body in list(self.outbox.items()):
            await socket.send(json.dumps({"type": "message", "client_id": client_id, "body": body}))
        loop = asyncio.get_running_loop()
        last_sync = loop.time()
        while True:
            try:
                frame = await asyncio.wait_for(socket.recv(), 0.2)
            except TimeoutError:
                frame = None
            if frame is not None:
                await self._handle(socket, json.loads(frame))
            now = loop.time()
            if self._sync_pending_since is not None and now - self._sync_pending_since > self.sync_timeout:
                await socket.close()  # a dead link: the catch-up went unanswered
                raise ConnectionClosed(None, None)
            if self._resend_at is not None and now >= self._resend_at:
                self._resend_at = None
                for client_id, body in list(self.outbox.items()):
                    await socket.send(json.dumps({"type": "message", "client_id": client_id, "body": body}))
            if now - last_sync > self.sync_every:
                last_sync = now
                await self._sync(socket)

    async def _sync(self, socket) -> None:
        if self._sync_pending_since is None:
            self._sync_pending_since = asyncio.get_running_loop().time()
            await socket.send(json.dumps({"type": "sync", "after_seq": self.contiguous}))

    def _take(self, message: dict) -> None:
        seq = message["seq"]
        self.frames_seen[seq] = self.frames_seen.get(seq, 0) + 1
        self.held.setdefault(seq, message)
        while self.contiguous + 1 in self.held:
            self.contiguous += 1

    async def _handle(self, socket, event: dict) -> None:
        kind = event["type"]
        if kind in ("message", "ack"):
            self._take(event["message"])
            if kind == "ack":
                self.outbox.pop(event["client_id"], None)
        elif kind == "history":
            self._sync_pending_since = None
            for message in event["messages"]:
                self._take(message)
            # every number after after_seq that exists is in the answer, up to its last one
            if event["messages"]:
                self.contiguous = max(self.contiguous, event["messages"][-1]["seq"])
            if event["more"]:
                await self._sync(socket)
            elif self.held:
                self.contiguous = max(self.contiguous, max(self.held))
        elif kind == "error" and event.get("code") == "rate_limited" and "client_id" not in event:
            self._sync_pending_since = None
        elif kind == "error" and event.get("code") in ("rate_limited", "busy"):
            # as the browser does: the outbox is sent again a little later
            self._resend_at = asyncio.get_running_loop().time() + 2
        if self.held and max(self.held) > self.contiguous:
            await self._sync(socket)
