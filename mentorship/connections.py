"""The session rooms' live connections: a count per member that cannot leak, and a watch on access.

**Count.** A member may hold ``ROOM_CONNECTIONS_PER_MEMBER`` room connections
at once, across every server process. Each connection is its own entry (a
member of a Redis sorted set per member, scored by when it expires), not a
number that is added to and taken from: a connection that ends by any path
removes its entry in a ``finally``; one whose process dies outright is
forgotten when its entry expires, ``ROOM_CONNECTION_TTL_SECONDS`` after the
last heartbeat. Claiming is one Lua script — drop expired entries, count,
add — so two connects at once cannot both take the last place. Without
``REDIS_URL`` (one development process) the same rules run in memory.

**Watch.** Every process runs one ``RoomWatch`` task while it has room
connections. Every ``ROOM_ACCESS_SWEEP_SECONDS`` it asks the database, in one
query for all of them, whether each connection's member is still active and
still a participant of a booking that still has a room, and closes those that
are not (4403). Every ``ROOM_HEARTBEAT_SECONDS`` it renews the entries of its
connections in one pipeline. A member deactivated or a booking cancelled
closes the connections at once through the channel layer, too; the sweep is
what makes that true when the layer's message is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

from core.websockets import off_thread
from mentorship import selectors

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

CLAIM = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ttl_ms = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], now_ms + ttl_ms, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl_ms)
return 1
"""

RENEW = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ttl_ms = tonumber(ARGV[1])
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now_ms + ttl_ms, ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ttl_ms)
end
return 1
"""


def _ttl() -> float:
    return float(settings.RABTA["ROOM_CONNECTION_TTL_SECONDS"])


def _limit() -> int:
    return int(settings.RABTA["ROOM_CONNECTIONS_PER_MEMBER"])


class Registry(Protocol):
    async def claim(self, user_id: int, connection: str) -> bool: ...

    async def renew(self, entries: Iterable[tuple[int, str]]) -> None: ...

    async def release(self, user_id: int, connection: str) -> None: ...


class MemoryRegistry:
    """One process's connections, for development and the test suite's in-memory stack."""

    def __init__(self) -> None:
        self.entries: dict[int, dict[str, float]] = {}

    def _live(self, user_id: int) -> dict[str, float]:
        now = time.monotonic()
        live = {name: expires for name, expires in self.entries.get(user_id, {}).items() if expires > now}
        self.entries[user_id] = live
        return live

    async def claim(self, user_id: int, connection: str) -> bool:
        live = self._live(user_id)
        if connection not in live and len(live) >= _limit():
            return False
        live[connection] = time.monotonic() + _ttl()
        return True

    async def renew(self, entries: Iterable[tuple[int, str]]) -> None:
        for user_id, connection in entries:
            live = self.entries.get(user_id, {})
            if connection in live:
                live[connection] = time.monotonic() + _ttl()

    async def release(self, user_id: int, connection: str) -> None:
        self.entries.get(user_id, {}).pop(connection, None)


class RedisRegistry:
    """Every process's connections, in the Redis at ``REDIS_URL``."""

    def __init__(self, url: str, prefix: str) -> None:
        from redis.asyncio import BlockingConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        # One retry on a fresh connection: after a Redis restart the first call on a pooled
        # connection fails, and the second succeeds. A short timeout: a connect must not hang.
        # A small pool that makes callers wait for a free connection: a burst of connects then shares
        # a few connections instead of opening hundreds.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=20,
            timeout=2,
            socket_timeout=1,
            socket_connect_timeout=1,
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self.redis = Redis(connection_pool=pool)
        self.prefix = prefix
        self._claim = self.redis.register_script(CLAIM)
        self._renew = self.redis.register_script(RENEW)

    def _key(self, user_id: int) -> str:
        return f"{self.prefix}:room-connections:{user_id}"

    def _ttl_ms(self) -> int:
        return int(_ttl() * 1000)

    async def claim(self, user_id: int, connection: str) -> bool:
        return bool(await self._claim(keys=[self._key(user_id)], args=[self._ttl_ms(), _limit(), connection]))

    async def renew(self, entries: Iterable[tuple[int, str]]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id, connection in entries:
                await self._renew(keys=[self._key(user_id)], args=[self._ttl_ms(), connection], client=pipe)
            await pipe.execute()

    async def release(self, user_id: int, connection: str) -> None:
        await self.redis.zrem(self._key(user_id), connection)


_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Registry] = weakref.WeakKeyDictionary()
_memory = MemoryRegistry()


def registry() -> Registry:
    """This event loop's registry (Redis clients belong to one loop)."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return _memory
    loop = asyncio.get_running_loop()
    found = _registries.get(loop)
    if found is None:
        found = _registries[loop] = RedisRegistry(url, settings.CACHES["default"].get("KEY_PREFIX", "rabta"))
    return found


class Watched(Protocol):
    """What ``RoomWatch`` needs of a connection (``consumers.SessionRoomConsumer``)."""

    booking_id: int
    user_id: int
    connection_id: str

    async def revoke(self) -> None: ...


class RoomWatch:
    """One per event loop: sweeps access and renews the count of every room connection in it."""

    def __init__(self) -> None:
        self.connections: set[Watched] = set()
        self.task: asyncio.Task | None = None

    def add(self, connection: Watched) -> None:
        self.connections.add(connection)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run(), name="room-watch")

    def discard(self, connection: Watched) -> None:
        self.connections.discard(connection)

    async def _run(self) -> None:
        sweep = float(settings.RABTA["ROOM_ACCESS_SWEEP_SECONDS"])
        heartbeat = float(settings.RABTA["ROOM_HEARTBEAT_SECONDS"])
        renewed = time.monotonic()
        while self.connections:
            await asyncio.sleep(sweep)
            try:
                # Bounded, so a stuck database cannot hold back the heartbeat below.
                await asyncio.wait_for(self.sweep(), timeout=heartbeat)
            except Exception:
                logger.warning("Room access sweep failed; trying again", exc_info=True)
            if time.monotonic() - renewed >= heartbeat:
                renewed = time.monotonic()
                entries = [(c.user_id, c.connection_id) for c in self.connections]
                try:
                    await asyncio.wait_for(registry().renew(entries), timeout=heartbeat / 2)
                except Exception:
                    # Entries live three heartbeats: one missed renewal changes nothing.
                    logger.warning("Could not renew %d room connections", len(entries), exc_info=True)

    async def sweep(self) -> None:
        connections = list(self.connections)
        if not connections:
            return
        allowed = await _allowed({(c.booking_id, c.user_id) for c in connections})
        for connection in connections:
            if (connection.booking_id, connection.user_id) not in allowed:
                with contextlib.suppress(Exception):
                    await connection.revoke()


@off_thread
def _allowed(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    return selectors.room_connections_allowed(pairs)


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomWatch] = weakref.WeakKeyDictionary()


def watch() -> RoomWatch:
    loop = asyncio.get_running_loop()
    found = _watches.get(loop)
    if found is None:
        found = _watches[loop] = RoomWatch()
    return found
