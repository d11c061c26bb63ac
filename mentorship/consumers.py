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
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from mentorship import selectors, services
from mentorship.models import RoomMessage, SessionNotes
from mentorship.permissions import RoomState, access_room

CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY = 4429
CLOSE_TOO_BIG = 1009


def serialize_message(message: RoomMessage) -> dict[str, Any]:
    profile = getattr(message.author, "profile", None)
    return {
        "id": message.pk,
        "client_id": str(message.client_id),
        "author_id": message.author_id,
        "author": profile.display_name if profile else message.author.email.split("@")[0],
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

    # --- connection -------------------------------------------------------

    async def connect(self) -> None:
        self.user = self.scope["user"]
        self.booking_id = int(self.scope["url_route"]["kwargs"]["booking_id"])
        try:
            self.room = await self._access()
        except (Http404, PermissionDenied):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if not await self._count_connection():
            await self.close(code=CLOSE_TOO_MANY)
            return
        self.group = group_name(self.booking_id)
        self.name = self.room["me"]
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
        if not await self._within_rate():
            await self._error("rate_limited", "You are sending messages too fast. Wait a moment.", client_id)
            return
        try:
            payload, created = await self._post(client_id, str(content.get("body", "")))
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

    async def room_message(self, event: dict) -> None:
        await self.send_json({"type": "message", "message": event["message"]})

    async def room_typing(self, event: dict) -> None:
        if event["user_id"] != self.user.pk:
            await self.send_json({"type": "typing", "user_id": event["user_id"], "name": event["name"]})

    async def room_notes(self, event: dict) -> None:
        await self.send_json({"type": "notes", "notes": event["notes"]})

    async def presence_join(self, event: dict) -> None:
        await self.send_json({"type": "presence", "present": True, **_public(event)})
        if event["channel"] != self.channel_name:
            # Tell the newcomer who is already here.
            await self.channel_layer.send(
                event["channel"],
                {"type": "presence.here", "user_id": self.user.pk, "name": self.name, "channel": self.channel_name},
            )

    async def presence_here(self, event: dict) -> None:
        await self.send_json({"type": "presence", "present": True, **_public(event)})

    async def presence_leave(self, event: dict) -> None:
        await self.send_json({"type": "presence", "present": False, **_public(event)})

    # --- helpers ------------------------------------------------------------

    async def _error(self, code: str, message: str, client_id: uuid.UUID | None = None) -> None:
        payload = {"type": "error", "code": code, "message": message}
        if client_id is not None:
            payload["client_id"] = str(client_id)
        await self.send_json(payload)

    def _connections_key(self) -> str:
        return f"room-connections:{self.user.pk}"

    async def _count_connection(self) -> bool:
        key = self._connections_key()
        # The count expires ten minutes after a member's last connect, so the
        # connections of a process that died without closing them cannot lock
        # the member out for long.
        await cache.aadd(key, 0, timeout=600)
        count = await cache.aincr(key)
        await cache.atouch(key, 600)
        self.counted = True
        if count > settings.RABTA["ROOM_CONNECTIONS_PER_MEMBER"]:
            await self._uncount_connection()
            return False
        return True

    async def _uncount_connection(self) -> None:
        self.counted = False
        with contextlib.suppress(ValueError):  # the key expired meanwhile
            await cache.adecr(self._connections_key())

    async def _within_rate(self) -> bool:
        window = int(time.time() // 10)
        key = f"room-rate:{self.user.pk}:{window}"
        await cache.aadd(key, 0, timeout=20)
        return await cache.aincr(key) <= settings.RABTA["ROOM_MESSAGES_PER_10_SECONDS"]

    @database_sync_to_async
    def _access(self) -> dict:
        booking, state = access_room(self.user, self.booking_id)
        notes = SessionNotes.objects.filter(booking=booking).first()
        return {
            "state": state,
            "me": self.user.display_name,
            "notes": _notes(notes),
        }

    @database_sync_to_async
    def _post(self, client_id: uuid.UUID, body: str) -> tuple[dict, bool]:
        booking, state = access_room(self.user, self.booking_id)
        if state != RoomState.OPEN:
            raise PermissionDenied("This room is read-only now.")
        message, created = services.room_message_post(booking=booking, author=self.user, client_id=client_id, body=body)
        return serialize_message(message), created

    @database_sync_to_async
    def _messages_after(self, after: int, limit: int) -> list[dict]:
        return [
            serialize_message(m)
            for m in selectors.room_messages_after(booking_id=self.booking_id, after_id=after, limit=limit)
        ]

    @database_sync_to_async
    def _save_notes(self, text: str, base_version: int) -> tuple[dict, bool]:
        booking, state = access_room(self.user, self.booking_id)
        if state != RoomState.OPEN:
            raise PermissionDenied("This room is read-only now.")
        notes, saved = services.session_notes_save(
            booking=booking, author=self.user, text=text, base_version=base_version
        )
        return _notes(notes), saved


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
