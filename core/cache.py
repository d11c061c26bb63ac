"""Django's Redis cache, failing open: with Redis down or slow the site keeps serving.

Everything in the cache is an optimisation (sessions are in the database, pages and fragments can be
made again), but Django's backend raises ``ConnectionError`` on every call while Redis is down and
waits out the socket's timeout while it is paused, and every page reads the cache. So:

- Every call has a short timeout (``socket_connect_timeout`` and ``socket_timeout`` in the
  ``OPTIONS``, passed to redis-py's pool; ``config/settings.py`` sets half a second).
- A call that fails with a connection error or a timeout is answered from a small cache in the
  process (``LocMemCache``) instead, and so is every call for the next ``RETRY_AFTER`` seconds: one
  request then tries Redis again. A cached page becomes an uncached one, a fragment is made again.
  The outage is logged once when it starts and once when it ends; ``/readyz`` answers 503 meanwhile.
- The process's cache holds what is written during the outage for ``FALLBACK_MAX_AGE`` seconds at
  most (another process does not see it, so nothing there may stay stale for long), except the rate
  limits' counters (``COUNTER_PREFIXES``), which keep their windows: signing in during an outage is
  still limited, per process.
- Writes that did not reach Redis (a session ended, a page namespace bumped) leave the old value
  there. The keys are remembered, and deleted from Redis first thing when it answers again; the
  process's own cache is emptied then. Sessions are kept in the cache for minutes, not weeks
  (``core.sessions``), so a process that dies during an outage, forgetting what it wrote, leaves
  stale sessions in Redis for that long at most.

Besides, connection pools and clients are kept once per process, not once per backend instance:

- Django makes a cache backend instance per thread *and per context* (``django.utils.connection``
  keeps them in an asgiref ``Local``), and its Redis client gives each instance pools of its own.
  Under the production server every HTTP request and every WebSocket connection runs in a context
  of its own, so each opened a new TCP connection to Redis (and the HELLO that follows), which the
  pool then kept for as long as the request or the socket lived: measured on ``bin/web``, 100 page
  views opened 101 connections to Redis, 50 room connections held 50. The pools here are shared by
  every instance in the process (``_shared_pool``; a redis-py pool is safe across threads and
  re-creates its connections in a forked child).
- Django's backend builds a new ``redis.Redis`` for every call (about 50 µs: the client copies its
  table of response callbacks), and a page makes several calls; one is kept per pool.
- Django's backend also builds a new cache client for every backend instance, so for every request,
  and that client asks redis-py for a ``DriverInfo``, which reads the installed ``redis`` package's
  metadata from disk (``importlib.metadata.version``): 13 % of a signed-in worker's time, measured
  with py-spy under load on 3 December 2026. The client holds nothing of its own request (its pools
  are shared, its outage state is the location's), so one is kept per process for each set of
  servers and options (``_clients``).
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

RETRY_AFTER = 2.0
FALLBACK_MAX_AGE = 30
# The keys of allauth's and django-ratelimit's counters, after the cache's own prefix and version.
COUNTER_PREFIXES = ("allauth:rl:", "rl:")
# Keys whose write did not reach Redis, kept to delete there on recovery (beyond this: the oldest go).
MAX_UNSYNCED = 10_000
OUTAGE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class _Outage:
    """One Redis location's state in this process, shared by the backend instances of every thread."""

    def __init__(self, location: str):
        self.location = location
        self.down_until = 0.0
        self.down = False
        self.fallback = LocMemCache(f"fallback:{location}", {"OPTIONS": {"MAX_ENTRIES": 5000}})
        self.unsynced: dict[str, None] = {}
        self.lock = threading.Lock()

    def failed(self, error: Exception) -> None:
        self.down_until = time.monotonic() + RETRY_AFTER
        if not self.down:
            self.down = True
            logger.warning(
                "The cache at %s is unreachable (%s); serving without it", self.location, error, exc_info=True
            )

    def remember(self, keys) -> None:
        with self.lock:
            for key in keys:
                self.unsynced.pop(key, None)
                self.unsynced[key] = None
            while len(self.unsynced) > MAX_UNSYNCED:
                self.unsynced.pop(next(iter(self.unsynced)))

    def recovered(self, client) -> None:
        """Redis answered again: delete there what was written in the meantime, then use it."""
        with self.lock:
            keys = list(self.unsynced)
            if keys:
                client.delete(*keys)
            self.unsynced.clear()
            if self.down:
                self.down = False
                self.fallback.clear()  # what the outage kept here must not come back in the next one
                logger.warning("The cache at %s is reachable again (%d stale keys deleted)", self.location, len(keys))


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        outage = _outages.get(location)
        if outage is None:
            outage = _outages[location] = _Outage(location)
        return outage


def _fallback_timeout(key: str, timeout):
    """How long the process's own cache keeps ``key`` (seconds; None is for ever, as in Django)."""
    _, _, name = key.split(":", 2) if key.count(":") >= 2 else ("", "", key)
    if name.startswith(COUNTER_PREFIXES):
        return timeout
    return FALLBACK_MAX_AGE if timeout is None else min(timeout, FALLBACK_MAX_AGE)


_pools: dict[tuple, tuple[redis.ConnectionPool, redis.Redis]] = {}
_pools_lock = threading.Lock()


def _shared_pool(key: tuple, make_pool, make_client) -> tuple[redis.ConnectionPool, redis.Redis]:
    """The process's one pool (and client) for ``key``: a server and the options it is reached with."""
    shared = _pools.get(key)
    if shared is None:
        with _pools_lock:
            shared = _pools.get(key)
            if shared is None:
                pool = make_pool()
                shared = _pools[key] = (pool, make_client(connection_pool=pool))
    return shared


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._options_key = repr(sorted(options.items()))
        self._outage = _outage_for(servers[0])

    def _shared(self, write: bool) -> tuple[redis.ConnectionPool, redis.Redis]:
        server = self._servers[self._get_connection_pool_index(write)]
        return _shared_pool(
            (self._pool_class, server, self._options_key),
            lambda: self._pool_class.from_url(server, **self._pool_options),
            self._client,
        )

    def _get_connection_pool(self, write):
        return self._shared(write)[0]

    def get_client(self, key=None, *, write=False):
        return self._shared(write)[1]

    def _call(self, method: str, args: tuple, *, writes=(), fallback):
        outage = self._outage
        if time.monotonic() >= outage.down_until:
            try:
                if outage.down or outage.unsynced:
                    outage.recovered(self.get_client(write=True))
                return getattr(super(), method)(*args)
            except OUTAGE as error:
                outage.failed(error)
        if writes:
            outage.remember(writes)
        return fallback(outage.fallback)

    def add(self, key, value, timeout):
        return self._call(
            "add",
            (key, value, timeout),
            writes=(key,),
            fallback=lambda f: f.add(key, value, _fallback_timeout(key, timeout)),
        )

    def get(self, key, default):
        return self._call("get", (key, default), fallback=lambda f: f.get(key, default))

    def set(self, key, value, timeout):
        return self._call(
            "set",
            (key, value, timeout),
            writes=(key,),
            fallback=lambda f: f.set(key, value, _fallback_timeout(key, timeout)),
        )

    def touch(self, key, timeout):
        return self._call("touch", (key, timeout), fallback=lambda f: f.touch(key, _fallback_timeout(key, timeout)))

    def delete(self, key):
        return self._call("delete", (key,), writes=(key,), fallback=lambda f: f.delete(key))

    def get_many(self, keys):
        keys = list(keys)
        return self._call("get_many", (keys,), fallback=lambda f: f.get_many(keys))

    def has_key(self, key):
        return self._call("has_key", (key,), fallback=lambda f: f.has_key(key))

    def incr(self, key, delta):
        return self._call("incr", (key, delta), writes=(key,), fallback=lambda f: f.incr(key, delta))

    def set_many(self, data, timeout):
        def fallback(f):
            for key, value in data.items():
                f.set(key, value, _fallback_timeout(key, timeout))

        return self._call("set_many", (data, timeout), writes=tuple(data), fallback=fallback)

    def delete_many(self, keys):
        keys = list(keys)

        def fallback(f):
            for key in keys:
                f.delete(key)

        return self._call("delete_many", (keys,), writes=keys, fallback=fallback)

    def clear(self):
        return self._call("clear", (), fallback=lambda f: f.clear())


_clients: dict[tuple, RedisCacheClient] = {}
_clients_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    @cached_property
    def _cache(self) -> RedisCacheClient:
        """The process's one client for these servers and options (see the module's notes)."""
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.get(key)
                if client is None:
                    client = _clients[key] = self._class(self._servers, **self._options)
        return client
