"""What the rest of the site tells the session rooms' live connections, through the channel layer.

Everything here is a fast path: the database is the record. A broadcast that
never arrives (Redis down, a full queue) is filled in by the clients' catch-up
(``sync`` after the highest unbroken sequence number they hold), and a closed
room is also noticed by the consumers' access sweep within seconds. So a
publish that fails is logged, never raised into the request that made it.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from mentorship.models import RoomMessage, SessionNotes

logger = logging.getLogger(__name__)

CLOSE_EVENT = "room.closed"


def group_name(booking_id: int) -> str:
    return f"mentorship.booking.{booking_id}"


def serialize_message(message: RoomMessage) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "client_id": str(message.client_id),
        "author_id": message.author_id,
        "author": message.author.display_name,  # "a former member" once the author's account is closed
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }


def notes_payload(notes: SessionNotes | None) -> dict[str, Any]:
    if notes is None:
        return {"text": "", "version": 0, "by": ""}
    return {
        "text": notes.text,
        "version": notes.version,
        "by": notes.updated_by.display_name if notes.updated_by_id else "",
    }


def _publish(booking_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(booking_id), event)
    except Exception:
        logger.warning("Could not tell room %s about %s", booking_id, event["type"], exc_info=True)


def broadcast_message(booking_id: int, message: RoomMessage) -> None:
    """From synchronous code (a form post): tell the room about a stored message."""
    _publish(booking_id, {"type": "room.message", "message": serialize_message(message)})


def broadcast_notes(booking_id: int, notes: SessionNotes) -> None:
    _publish(booking_id, {"type": "room.notes", "notes": notes_payload(notes)})


def close_room_on_commit(booking_id: int) -> None:
    """After the booking's change commits, make its room's connections check their access again now."""
    transaction.on_commit(lambda: _publish(booking_id, {"type": CLOSE_EVENT}))
