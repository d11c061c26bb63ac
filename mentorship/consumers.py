"""The live session room: one WebSocket group per confirmed booking.

Delivery that loses nothing: every message is committed to the database
before it is broadcast, and the broadcast carries the stored id. Clients
give each message their own id, so a retry stores nothing twice, and after
any gap they ask for everything after the last id they hold. The channel
layer only makes delivery fast; the database makes it complete.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from mentorship import selectors, services
from mentorship.models import RoomMessage, SessionNotes
from mentorship.permissions import RoomState, access_room, room_state
from network.models import User
from network.realtime import CLOSE_DEACTIVATED, member_group

CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY = 4429
CLOSE_TOO_BIG = 1009
# How long a connection trusts its last access check before asking the database again.
RECHECK = timedelta(seconds=30)
# How long a connection trusts that its member is still active before relaying anything to them or
# storing what they send. Deactivation closes connections at once (``member.deactivated``); this is
# the second line of defence, should that message be lost.
ACTIVE_RECHECK = timedelta(seconds=1)


def off_thread(function):
    """Run ORM and cache work in the worker thread pool (``ASGI_THREADS`` threads), not one shared thread.

    Channels' default (thread-sensitive) runs every consumer's database work
    in a single thread per process; a burst of hundreds of connects then
    queues behind it and handshakes time out. Each call here is a complete
    unit (its own queries, its own transaction), so it may run in any thread.
    """
    return DatabaseSyncToAsync(function, thread_sensitive=False)


def serialize_message(message: RoomMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "client_id": str(message.client_id),
        "author_id": message.author_id,
        "author": message.author.display_name,  # "a former member" once the author's account is closed
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def group_name(booking_id: int) -> str:
    return f"mentorship.booking.{booking_id}"


def broadcast_message(booking_id: int, message: RoomMessage) -> None:
    """From synchronous code (a form post): tell the room about a stored message."""
    async_to_sync(get_channel_layer().group_send)(
        group_name(booking_id), {"type": "room.message", "message": serialize_message(message)}
    )


def broadcast_notes(booking_id: int, notes: SessionNotes) -> None:
    async_to_sync(get_channel_layer().group_send)(
        group_name(booking_id), {"type": "room.notes", "notes": _notes(notes)}
    )


class SessionRoomConsumer(AsyncJsonWebsocketConsumer):
    """Thin: authorise in ``connect``, one handler per event, ORM in private async-wrapped methods."""

    booking_id: int
    group: str
    counted = False
    _booking = None
    _member_group = ""
    _active_checked_at = None

    # --- connection -------------------------------------------------------

    async def connect(self) -> None:
        self.user = self.scope["user"]
        self.booking_id = int(self.scope["url_route"]["kwargs"]["booking_id"])
        try:
            self.room = await self._access()
        except (Http404, PermissionDenied):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if self.room["too_many"]:
            await self.close(code=CLOSE_TOO_MANY)
            return
        self.group = group_name(self.booking_id)
        self.name = self.room["me"]
        # Deactivating the member closes this connection (``user.deactivated`` below).
        self._member_group = member_group(self.user.pk)
        await self.channel_layer.group_add(self._member_group, self.channel_name)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(
            {"type": "welcome", "state": self.room["state"], "me": self.user.pk, "notes": self.room["notes"]}
        )
        await self.channel_layer.group_send(
            self.group,
            {"type": "presence.join", "user_id": self.user.pk, "name": self.name, "channel": self.channel_name},
        )

    async def disconnect(self, code: int) -> None:
        if self._member_group:
            await self.channel_layer.group_discard(self._member_group, self.channel_name)
        if getattr(self, "group", None):
            await self.channel_layer.group_send(
                self.group, {"type": "presence.leave", "user_id": self.user.pk, "channel": self.channel_name}
            )
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.counted:
            await self._uncount_connection()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        size = len(text_data.encode()) if text_data else len(bytes_data or b"")
        if size > settings.RABTA["ROOM_FRAME_MAX_BYTES"]:
            await self.send_json({"type": "error", "code": "frame_too_big", "message": "That frame is too large."})
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json.loads(text_data or "")
        except ValueError:
            await self._error("bad_frame", "Messages must be JSON.")
            return
        if not isinstance(content, dict):
            await self._error("bad_frame", "Messages must be JSON objects.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs) -> None:
        handler = {
            "message": self.on_message,
            "sync": self.on_sync,
            "typing": self.on_typing,
            "notes": self.on_notes,
        }.get(content.get("type"))
        if handler is None:
            await self._error("unknown_type", "Unknown message type.")
            return
        await handler(content)

    # --- client events ------------------------------------------------------

    async def on_message(self, content: dict) -> None:
        try:
            client_id = uuid.UUID(str(content.get("client_id")))
        except ValueError:
            await self._error("bad_client_id", "Each message needs its own id.")
            return
        if not self._within_rate():
            await self._error("rate_limited", "You are sending messages too fast. Wait a moment.", client_id)
            return
        try:
            payload, created = await self._post(client_id, str(content.get("body", "")))
        except _DeactivatedError:
            await self.close(code=CLOSE_DEACTIVATED)
            return
        except PermissionDenied as refusal:
            await self._error("read_only", str(refusal) or "This room is read-only now.", client_id)
            return
        except ValidationError as error:
            await self._error(error.code or "invalid", " ".join(error.messages), client_id)
            return
        # The sender learns the stored id at once, whatever happens to the broadcast.
        await self.send_json({"type": "ack", "client_id": str(client_id), "message": payload})
        if created:
            await self.channel_layer.group_send(self.group, {"type": "room.message", "message": payload})

    async def on_sync(self, content: dict) -> None:
        try:
            after = max(0, int(content.get("after", 0)))
        except (TypeError, ValueError):
            after = 0
        limit = 200
        messages = await self._messages_after(after, limit + 1)
        await self.send_json(
            {"type": "history", "messages": messages[:limit], "more": len(messages) > limit, "after": after}
        )

    async def on_typing(self, content: dict) -> None:
        if self.room["state"] == RoomState.OPEN:
            await self.channel_layer.group_send(
                self.group, {"type": "room.typing", "user_id": self.user.pk, "name": self.name}
            )

    async def on_notes(self, content: dict) -> None:
        try:
            base_version = int(content.get("version"))
        except (TypeError, ValueError):
            await self._error("bad_notes", "Notes need the version they were edited from.")
            return
        try:
            notes, saved = await self._save_notes(str(content.get("text", "")), base_version)
        except _DeactivatedError:
            await self.close(code=CLOSE_DEACTIVATED)
            return
        except PermissionDenied as refusal:
            await self._error("read_only", str(refusal) or "This room is read-only now.")
            return
        except ValidationError as error:
            await self._error("notes_too_long", " ".join(error.messages))
            return
        if saved:
            await self.channel_layer.group_send(self.group, {"type": "room.notes", "notes": notes})
        else:
            await self.send_json({"type": "notes_conflict", "notes": notes})

    # --- group events -------------------------------------------------------

    async def member_deactivated(self, event: dict) -> None:
        """The member's account was deactivated or deleted (``network.realtime``): close at once."""
        await self.close(code=CLOSE_DEACTIVATED)

    async def room_message(self, event: dict) -> None:
        if await self._relay_allowed():
            await self.send_json({"type": "message", "message": event["message"]})

    async def room_typing(self, event: dict) -> None:
        if event["user_id"] != self.user.pk and await self._relay_allowed():
            await self.send_json({"type": "typing", "user_id": event["user_id"], "name": event["name"]})

    async def room_notes(self, event: dict) -> None:
        if await self._relay_allowed():
            await self.send_json({"type": "notes", "notes": event["notes"]})

    async def presence_join(self, event: dict) -> None:
        if not await self._relay_allowed():
            return
        await self.send_json({"type": "presence", "present": True, **_public(event)})
        if event["channel"] != self.channel_name:
            # Tell the newcomer who is already here.
            await self.channel_layer.send(
                event["channel"],
                {"type": "presence.here", "user_id": self.user.pk, "name": self.name, "channel": self.channel_name},
            )

    async def presence_here(self, event: dict) -> None:
        if await self._relay_allowed():
            await self.send_json({"type": "presence", "present": True, **_public(event)})

    async def presence_leave(self, event: dict) -> None:
        await self.send_json({"type": "presence", "present": False, **_public(event)})

    # --- helpers ------------------------------------------------------------

    async def _relay_allowed(self) -> bool:
        """Whether this connection's member is still active; if not, the connection is closed (4403)."""
        if self._active_checked_at is not None and time.monotonic() - self._active_checked_at < _active_recheck():
            return True
        if await self._member_is_active():
            return True
        await self.close(code=CLOSE_DEACTIVATED)
        return False

    @off_thread
    def _member_is_active(self) -> bool:
        active = User.objects.filter(pk=self.user.pk, is_active=True).exists()
        if active:
            self._active_checked_at = time.monotonic()
        return active

    def _require_active(self) -> None:
        """In a worker thread, before storing anything the member sends."""
        if self._active_checked_at is None or time.monotonic() - self._active_checked_at >= _active_recheck():
            if not User.objects.filter(pk=self.user.pk, is_active=True).exists():
                raise _DeactivatedError
            self._active_checked_at = time.monotonic()

    async def _error(self, code: str, message: str, client_id: uuid.UUID | None = None) -> None:
        payload = {"type": "error", "code": code, "message": message}
        if client_id is not None:
            payload["client_id"] = str(client_id)
        await self.send_json(payload)

    def _connections_key(self) -> str:
        return f"room-connections:{self.user.pk}"

    def _count_connection(self) -> bool:
        """Count this connection toward the member's cap; False (and not counted) when over it."""
        key = self._connections_key()
        # The count expires ten minutes after a member's last connect, so the
        # connections of a process that died without closing them cannot lock
        # the member out for long.
        cache.add(key, 0, timeout=600)
        count = cache.incr(key)
        cache.touch(key, 600)
        if count > settings.RABTA["ROOM_CONNECTIONS_PER_MEMBER"]:
            with contextlib.suppress(ValueError):
                cache.decr(key)
            return False
        self.counted = True
        return True

    @off_thread
    def _uncount_connection(self) -> None:
        self.counted = False
        with contextlib.suppress(ValueError):  # the key expired meanwhile
            cache.decr(self._connections_key())

    def _within_rate(self) -> bool:
        """A fixed 10-second window per connection, kept in memory: no I/O on the hot path.

        With at most ROOM_CONNECTIONS_PER_MEMBER connections, a member's rate
        is bounded across all of them.
        """
        window = int(time.monotonic() // 10)
        if window != getattr(self, "_rate_window", None):
            self._rate_window, self._rate_count = window, 0
        self._rate_count += 1
        return self._rate_count <= settings.RABTA["ROOM_MESSAGES_PER_10_SECONDS"]

    @off_thread
    def _access(self) -> dict:
        """Authorise, count the connection and read what the welcome needs: one trip off the event loop."""
        booking, state = access_room(self.user, self.booking_id)
        self._booking, self._checked_at = booking, timezone.now()
        self._active_checked_at = time.monotonic()  # the session's user was loaded active just now
        if not self._count_connection():
            return {"too_many": True}
        notes = SessionNotes.objects.filter(booking=booking).first()
        return {
            "too_many": False,
            "state": state,
            "me": self.user.display_name,
            "notes": _notes(notes),
        }

    def _open_booking(self):
        """The booking, re-authorised at most every RECHECK_SECONDS; refuses unless the room is open.

        A cancellation or a suspended account takes effect within that time;
        the switch to read-only after the session is exact, from the clock.
        """
        self._require_active()
        now = timezone.now()
        if self._booking is None or now - self._checked_at > RECHECK:
            self._booking, _state = access_room(self.user, self.booking_id, now)
            self._checked_at = now
        if room_state(self._booking, now) != RoomState.OPEN:
            raise PermissionDenied("This room is read-only now.")
        return self._booking

    @off_thread
    def _post(self, client_id: uuid.UUID, body: str) -> tuple[dict, bool]:
        booking = self._open_booking()
        message, created = services.room_message_post(booking=booking, author=self.user, client_id=client_id, body=body)
        return serialize_message(message), created

    @off_thread
    def _messages_after(self, after: int, limit: int) -> list[dict]:
        return [
            serialize_message(m)
            for m in selectors.room_messages_after(booking_id=self.booking_id, after_id=after, limit=limit)
        ]

    @off_thread
    def _save_notes(self, text: str, base_version: int) -> tuple[dict, bool]:
        booking = self._open_booking()
        notes, saved = services.session_notes_save(
            booking=booking, author=self.user, text=text, base_version=base_version
        )
        return _notes(notes), saved


class _DeactivatedError(Exception):
    """The connection's member was deactivated while connected."""


def _active_recheck() -> float:
    return ACTIVE_RECHECK.total_seconds()


def _public(event: dict) -> dict:
    return {"user_id": event["user_id"], "name": event.get("name", ""), "channel": event["channel"][-12:]}


def _notes(notes: SessionNotes | None) -> dict:
    if notes is None:
        return {"text": "", "version": 0, "by": ""}
    return {
        "text": notes.text,
        "version": notes.version,
        "by": notes.updated_by.display_name if notes.updated_by_id else "",
    }
