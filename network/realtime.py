"""What the network app tells members' live connections (WebSockets), through the channel layer.

Every consumer that serves a signed-in member joins that member's group, ``network.user.<pk>``
(``member_group``). Deactivating or deleting an account sends ``member.deactivated`` to it;
consumers close the connection with ``CLOSE_DEACTIVATED`` (4403, the close code a refused
handshake gets too). Signing out, or changing or resetting the password, sends
``member.signed_out``: consumers close with ``CLOSE_SIGNED_OUT`` (4401) and the client connects again,
which checks its session afresh — so a session that ended, here or on another device, loses its
sockets, and the member's other sessions come straight back. The messages are a fast path: each
server process also sweeps its room connections every few seconds (``mentorship.connections``).
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

CLOSE_DEACTIVATED = 4403
# The member signed out or changed their password: connect again (the session is checked afresh).
CLOSE_SIGNED_OUT = 4401
SIGNED_OUT_EVENT = "member.signed_out"
DEACTIVATED_EVENT = "member.deactivated"


def member_group(user_id: int) -> str:
    return f"network.user.{user_id}"


def disconnect_member(user_id: int, event: str = DEACTIVATED_EVENT) -> None:
    """Close every live connection of the member, in every server process. Call after commit."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(member_group(user_id), {"type": event, "user_id": user_id})
    except Exception:  # Redis unreachable: the consumers' own re-check closes the connections.
        logging.getLogger(__name__).warning("Could not tell member %s's connections to close", user_id, exc_info=True)


def member_signed_out(sender, request=None, user=None, **kwargs) -> None:
    """A receiver for signing out and for password changes and resets: the member's live connections
    connect again, so each checks its session afresh."""
    if user is not None and user.pk is not None:
        transaction.on_commit(lambda: disconnect_member(user.pk, SIGNED_OUT_EVENT))
