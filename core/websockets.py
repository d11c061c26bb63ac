"""What every WebSocket consumer stands on, whatever app it belongs to: its database work off
Channels' one shared thread (``off_thread``), the session and member read lazily from the cookie
(``LazySessionAuthMiddleware``), and refusals a client can act on (``refuse`` with a close code)."""

from __future__ import annotations

import asyncio
import functools
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import SyncToAsync
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.db import close_old_connections
from django.http.cookie import parse_cookie
from django.utils.functional import SimpleLazyObject

# The services a live connection needs (Redis, the database) are down: the client retries with backoff.
CLOSE_UNAVAILABLE = 4503


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
