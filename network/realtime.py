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

import asyncio
import functools
import logging
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.db import close_old_connections, transaction
from django.http.cookie import parse_cookie
from django.utils.functional import SimpleLazyObject

CLOSE_DEACTIVATED = 4403
# The member signed out or changed their password: connect again (the session is checked afresh).
CLOSE_SIGNED_OUT = 4401
SIGNED_OUT_EVENT = "member.signed_out"
# The services a live connection needs (Redis, the database) are down: the client retries with backoff.
CLOSE_UNAVAILABLE = 4503
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


def off_thread(function):
    """Run ORM and cache work in the worker thread pool, not Channels' one shared thread.

    Channels' default (thread-sensitive) runs every consumer's database work in
    a single thread per process; a burst of hundreds of connects then queues
    behind it and handshakes time out. Each call wrapped here is a complete unit
    (its own queries, its own transaction), so it may run in any thread.

    Stale connections are closed inside the call itself, not around it as
    ``DatabaseSyncToAsync`` does: asgiref runs the function in the caller's
    context, whose view of Django's per-thread connections is not the one
    outside it, and a connection opened inside was never returned to the pool.
    """

    @functools.wraps(function)
    def closing_connections(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return SyncToAsync(closing_connections, thread_sensitive=False)


class LazySessionAuthMiddleware(BaseMiddleware):
    """Channels' ``AuthMiddlewareStack``, without its two hops through Channels' one database thread.

    ``scope["session"]`` is the session named by the cookie and ``scope["user"]`` a lazy object that
    loads the member through Django's own ``auth.get_user`` (so a changed password or a deactivated
    account signs out here too) the first time it is used. Consumers use it inside their own
    ``off_thread`` calls, so a connection's session, member and access checks share one trip to the
    thread pool.
    """

    async def __call__(self, scope, receive, send):
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        user = SimpleLazyObject(
            lambda: auth.get_user(SimpleNamespace(session=store)) if session_key else AnonymousUser()
        )
        return await super().__call__({**scope, "session": store, "user": user}, receive, send)


async def refuse(receive, send, code: int) -> None:
    """Refuse a WebSocket connection by accepting it and closing it with ``code``, speaking ASGI directly.

    A handshake refused outright reaches the browser as a bare failure, which a client cannot tell
    from a network error; a close code it can act on (stop, wait, retry)."""
    message = await asyncio.wait_for(receive(), timeout=5)
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code})
