"""The live session room: one WebSocket group per confirmed booking.

Nothing lost, nothing doubled (docs/session-room.md):

- Every message is committed to the database, with the room's next sequence
  number (1, 2, 3… with no gaps), before anyone hears of it.
- The broadcast goes out before the sender's acknowledgement, so a sender
  whose link dies between the two cannot stop the other side hearing of it;
  a resend of the same client id is broadcast again (clients draw each
  sequence number once).
- Clients keep the highest sequence number up to which they hold every
  message, and ask for everything after it on every connection and whenever
  they see a gap. The channel layer only makes delivery fast; the database
  makes it complete.

A refused connection is accepted and closed at once with a code the client
acts on: 4403 (not allowed: stop), 4429 (too many connections: wait),
4503 (the room's services are down: retry with backoff).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import Http404
from django.utils import timezone

from core.websockets import CLOSE_UNAVAILABLE, off_thread, refuse
from mentorship import connections, selectors, services
from mentorship.models import SessionNotes
from mentorship.permissions import RoomState, access_room, room_state
from mentorship.realtime import group_name, notes_payload, serialize_message
from network.realtime import CLOSE_SIGNED_OUT, member_group

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403  # network.realtime.CLOSE_DEACTIVATED too
CLOSE_TOO_MANY = 4429
CLOSE_TOO_BIG = 1009
HISTORY_PAGE = 200
LARGEST_SEQ = 2**63 - 1


class SessionRoomConsumer(AsyncJsonWebsocketConsumer):
    """Thin: authorise in ``connect``, one handler per event, ORM in private off-thread methods."""

    booking_id: int
    user_id: int | None = None
    connection_id = ""
    group = ""
    accepted = False
    claimed = False
    revoked = False
    _groups: tuple[str, ...] = ()
    _left = False

    # --- the connection's life ----------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except Exception:
            if not hasattr(self, "base_send"):
                # The channel layer failed before the connection was handled (Redis down).
                logger.warning("Session room unavailable: the channel layer failed", exc_info=True)
                with contextlib.suppress(Exception):
                    await refuse(receive, send, CLOSE_UNAVAILABLE)
            else:
                logger.exception("Session room connection %s ended by an error", self.connection_id)
                with contextlib.suppress(Exception):
                    await self.close(code=1011)
        finally:
            await self._leave()

    async def dispatch(self, message: dict) -> None:
        # Channels' dispatch closes stale database connections first, a thread hop per event;
        # every database call here runs through ``off_thread``, which does that itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.user = self.scope["user"]  # lazy: loaded in ``_access``, with the booking, in one thread hop
        self.booking_id = int(self.scope["url_route"]["kwargs"]["booking_id"])
        self.connection_id = self.channel_name or uuid.uuid4().hex
        self.group = group_name(self.booking_id)
        try:
            self.room = await self._access()
        except (Http404, PermissionDenied):
            await self._refuse(CLOSE_FORBIDDEN)
            return
        except Exception:
            logger.exception("Session room: could not check access")
            await self._refuse(CLOSE_UNAVAILABLE)
            return
        try:
            self.claimed = await asyncio.wait_for(
                connections.registry().claim(self.user_id, self.connection_id), timeout=_publish_timeout()
            )
        except Exception:
            logger.warning("Session room: could not count a connection", exc_info=True)
            await self._refuse(CLOSE_UNAVAILABLE)
            return
        if not self.claimed:
            await self._refuse(CLOSE_TOO_MANY)
            return
        try:
            await asyncio.wait_for(self._join_groups(), timeout=_publish_timeout() * 2)
        except Exception:
            logger.warning("Session room: could not join the room's groups", exc_info=True)
            await self._refuse(CLOSE_UNAVAILABLE)
            return
        await self.accept()
        self.accepted = True
        connections.watch().add(self)
        await self.send_json(
            {"type": "welcome", "state": self.room["state"], "me": self.user_id, "notes": self.room["notes"]}
        )
        await self._publish(
            {"type": "presence.join", "user_id": self.user_id, "name": self.room["me"], "channel": self.channel_name}
        )

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def revoke(self) -> None:
        """No longer allowed here (``connections.RoomWatch``, a cancellation, a deactivation): close 4403."""
        if self.revoked:
            return
        self.revoked = True
        connections.watch().discard(self)
        with contextlib.suppress(Exception):
            await self.close(code=CLOSE_FORBIDDEN)

    async def _refuse(self, code: int) -> None:
        """Accept, then close with ``code``: a refused handshake would reach the browser as a bare failure."""
        logger.info("Session room %s refused a connection with %s", self.booking_id, code)
        await self.accept()
        await self.close(code=code)

    async def _join_groups(self) -> None:
        # Deactivating the member closes this connection (``member.deactivated`` below).
        groups = (self.group, member_group(self.user_id))
        await asyncio.gather(*(self.channel_layer.group_add(group, self.channel_name) for group in groups))
        self._groups = groups

    async def _leave(self) -> None:
        """Everything a connection holds, let go once, whatever ended it."""
        if self._left:
            return
        self._left = True
        connections.watch().discard(self)
        timeout = _publish_timeout()
        if self.claimed:
            try:
                await asyncio.wait_for(connections.registry().release(self.user_id, self.connection_id), timeout)
            except Exception:  # the entry expires by itself (ROOM_CONNECTION_TTL_SECONDS)
                logger.warning("Session room: could not release a connection's entry", exc_info=True)
        if self.accepted:
            await self._publish(
                {"type": "presence.leave", "user_id": self.user_id, "channel": self.channel_name}, retry=False
            )
        for group in self._groups:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.channel_layer.group_discard(group, self.channel_name), timeout)

    # --- frames from the client ----------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        size = len(text_data.encode()) if text_data else len(bytes_data or b"")
        if size > settings.RABTA["ROOM_FRAME_MAX_BYTES"]:
            await self._error("frame_too_big", "That frame is too large.")
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json.loads(text_data or "")
        except (ValueError, RecursionError):
            await self._error("bad_frame", "Messages must be JSON.")
            return
        if not isinstance(content, dict):
            await self._error("bad_frame", "Messages must be JSON objects.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs) -> None:
        if self.revoked:
            return
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

    async def on_message(self, content: dict) -> None:
        try:
            client_id = uuid.UUID(str(content.get("client_id")))
        except ValueError:
            await self._error("bad_client_id", "Each message needs its own id.")
            return
        if not self._within("messages", settings.RABTA["ROOM_MESSAGES_PER_10_SECONDS"]):
            await self._error("rate_limited", "You are sending messages too fast. Wait a moment.", client_id)
            return
        try:
            payload = await self._post(client_id, str(content.get("body", "")))
        except PermissionDenied as refusal:
            await self._error("read_only", str(refusal) or "This room is read-only now.", client_id)
            return
        except ValidationError as error:
            await self._error(error.code or "invalid", " ".join(error.messages), client_id)
            return
        except OperationalError:
            await self._error("busy", "The room is busy; your message will be sent again.")
            return
        # Broadcast first: should this socket be dying, the other side still hears of the message.
        # A resend is broadcast again, for the first broadcast may be what was lost.
        await self._publish({"type": "room.message", "message": payload, "origin": self.channel_name})
        await self.send_json({"type": "ack", "client_id": str(client_id), "message": payload})

    async def on_sync(self, content: dict) -> None:
        if not self._within("syncs", settings.RABTA["ROOM_SYNCS_PER_10_SECONDS"]):
            await self._error("rate_limited", "Catching up too often. Wait a moment.")
            return
        try:
            after = min(LARGEST_SEQ, max(0, int(content.get("after_seq", 0))))
        except (TypeError, ValueError, OverflowError):
            after = 0
        messages = await self._messages_after(after, HISTORY_PAGE + 1)
        await self.send_json(
            {
                "type": "history",
                "messages": messages[:HISTORY_PAGE],
                "more": len(messages) > HISTORY_PAGE,
                "after_seq": after,
            }
        )

    async def on_typing(self, content: dict) -> None:
        now = time.monotonic()
        if self.room["state"] != RoomState.OPEN or now - getattr(self, "_typed_at", -1e9) < _typing_interval():
            return
        self._typed_at = now
        await self._publish({"type": "room.typing", "user_id": self.user_id, "name": self.room["me"]}, retry=False)

    async def on_notes(self, content: dict) -> None:
        if not self._within("notes", settings.RABTA["ROOM_MESSAGES_PER_10_SECONDS"]):
            await self._error("rate_limited", "Saving the notes too often. Wait a moment.")
            return
        try:
            base_version = min(LARGEST_SEQ, int(content.get("version")))
        except (TypeError, ValueError, OverflowError):
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
        except OperationalError:
            await self._error("busy", "The room is busy; save the notes again in a moment.")
            return
        if saved:
            await self._publish({"type": "room.notes", "notes": notes})
        else:
            await self.send_json({"type": "notes_conflict", "notes": notes})

    # --- events from the channel layer ----------------------------------------

    async def member_signed_out(self, event: dict) -> None:
        """The member signed out or changed their password somewhere: connect again, with the session checked
        afresh (a session that ended is then refused with 4403)."""
        if not self.revoked:
            self.revoked = True
            connections.watch().discard(self)
            with contextlib.suppress(Exception):
                await self.close(code=CLOSE_SIGNED_OUT)

    async def member_deactivated(self, event: dict) -> None:
        """The member's account was deactivated or deleted (``network.realtime``): close at once."""
        await self.revoke()

    async def room_closed(self, event: dict) -> None:
        """The booking changed (cancelled, moved): check this connection's access now."""
        if (self.booking_id, self.user_id) not in await _allowed({(self.booking_id, self.user_id)}):
            await self.revoke()

    async def room_message(self, event: dict) -> None:
        if not self.revoked and event.get("origin") != self.channel_name:
            await self.send_json({"type": "message", "message": event["message"]})

    async def room_typing(self, event: dict) -> None:
        if not self.revoked and event["user_id"] != self.user_id:
            await self.send_json({"type": "typing", "user_id": event["user_id"], "name": event["name"]})

    async def room_notes(self, event: dict) -> None:
        if not self.revoked:
            await self.send_json({"type": "notes", "notes": event["notes"]})

    async def presence_join(self, event: dict) -> None:
        if self.revoked:
            return
        await self.send_json({"type": "presence", "present": True, **_public(event)})
        if event["channel"] != self.channel_name:
            # Tell the newcomer who is already here.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.channel_layer.send(
                        event["channel"],
                        {
                            "type": "presence.here",
                            "user_id": self.user_id,
                            "name": self.room["me"],
                            "channel": self.channel_name,
                        },
                    ),
                    _publish_timeout(),
                )

    async def presence_here(self, event: dict) -> None:
        if not self.revoked:
            await self.send_json({"type": "presence", "present": True, **_public(event)})

    async def presence_leave(self, event: dict) -> None:
        await self.send_json({"type": "presence", "present": False, **_public(event)})

    # --- helpers ------------------------------------------------------------

    async def send_json(self, content, close=False) -> None:
        # A frame for a socket that is already closing is dropped, not raised: the database has the
        # message and the client's catch-up brings it.
        with contextlib.suppress(Exception):
            await super().send_json(content, close=close)

    async def _publish(self, event: dict[str, Any], retry: bool = True) -> bool:
        """Tell the room; give up after the timeout (twice with ``retry``): catch-up covers a lost broadcast."""
        for attempt in range(2 if retry else 1):
            try:
                await asyncio.wait_for(self.channel_layer.group_send(self.group, event), _publish_timeout())
                return True
            except TimeoutError:
                # Redis does not answer (paused, overloaded): trying again would only lengthen the queue.
                logger.warning("Session room %s: broadcasting %s timed out", self.booking_id, event["type"])
                return False
            except Exception:
                # A connection that died with a Redis restart fails once; the retry takes a fresh one.
                if attempt or not retry:
                    logger.warning(
                        "Session room %s: could not broadcast %s", self.booking_id, event["type"], exc_info=True
                    )
        return False

    async def _error(self, code: str, message: str, client_id: uuid.UUID | None = None) -> None:
        payload = {"type": "error", "code": code, "message": message}
        if client_id is not None:
            payload["client_id"] = str(client_id)
        await self.send_json(payload)

    def _within(self, kind: str, limit: int) -> bool:
        """A fixed 10-second window per connection and kind, kept in memory: no I/O on the hot path.

        With at most ROOM_CONNECTIONS_PER_MEMBER connections, a member's rate
        is bounded across all of them.
        """
        window = int(time.monotonic() // 10)
        counts = self.__dict__.setdefault("_rates", {})
        seen_window, count = counts.get(kind, (window, 0))
        count = count + 1 if seen_window == window else 1
        counts[kind] = (window, count)
        return count <= limit

    @off_thread
    def _access(self) -> dict:
        """Load the member, authorise and read what the welcome needs: one trip off the event loop."""
        self.user_id = self.user.pk
        booking, state = access_room(self.user, self.booking_id, related=("notes__updated_by__profile",))
        self._booking = booking
        me = booking.mentor.user if booking.mentor.user_id == self.user_id else booking.mentee
        try:
            notes = booking.notes
        except SessionNotes.DoesNotExist:
            notes = None
        return {"state": state, "me": me.display_name, "notes": notes_payload(notes)}

    def _open_booking(self):
        """The booking, if this connection may still write to its room (the clock decides read-only)."""
        if self.revoked:
            raise PermissionDenied("This room is closed to you now.")
        if room_state(self._booking, timezone.now()) != RoomState.OPEN:
            raise PermissionDenied("This room is read-only now.")
        return self._booking

    @off_thread
    def _post(self, client_id: uuid.UUID, body: str) -> dict:
        booking = self._open_booking()
        message, _created = services.room_message_post(
            booking=booking, author=self.user, client_id=client_id, body=body
        )
        return serialize_message(message)

    @off_thread
    def _messages_after(self, after: int, limit: int) -> list[dict]:
        return [
            serialize_message(m)
            for m in selectors.room_messages_after(booking_id=self.booking_id, after_seq=after, limit=limit)
        ]

    @off_thread
    def _save_notes(self, text: str, base_version: int) -> tuple[dict, bool]:
        booking = self._open_booking()
        notes, saved = services.session_notes_save(
            booking=booking, author=self.user, text=text, base_version=base_version
        )
        return notes_payload(notes), saved


@off_thread
def _allowed(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    return selectors.room_connections_allowed(pairs)


def _publish_timeout() -> float:
    return float(settings.RABTA["ROOM_PUBLISH_TIMEOUT_SECONDS"])


def _typing_interval() -> float:
    return float(settings.RABTA["ROOM_TYPING_INTERVAL_SECONDS"])


def _public(event: dict) -> dict:
    return {"user_id": event["user_id"], "name": event.get("name", ""), "channel": event["channel"][-12:]}
