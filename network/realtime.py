"""What the network app tells members' live connections (WebSockets), through the channel layer.

Every consumer that serves a signed-in member joins that member's group, ``network.user.<pk>``
(``member_group``). Deactivating or deleting an account sends ``member.deactivated`` to it;
consumers close the connection with ``CLOSE_DEACTIVATED`` (4403, the close code a refused
handshake gets too). The message is a fast path: consumers also re-check the account before they
relay anything (see ``mentorship.consumers``), so a lost message costs at most a second.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

CLOSE_DEACTIVATED = 4403
DEACTIVATED_EVENT = "member.deactivated"


def member_group(user_id: int) -> str:
    return f"network.user.{user_id}"


def disconnect_member(user_id: int) -> None:
    """Close every live connection of the member, in every server process. Call after commit."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(member_group(user_id), {"type": DEACTIVATED_EVENT, "user_id": user_id})
    except Exception:  # Redis unreachable: the consumers' own re-check closes the connections.
        logging.getLogger(__name__).warning("Could not tell member %s's connections to close", user_id, exc_info=True)
