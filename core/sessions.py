"""Sessions in the database, read through the cache for a few minutes at a time.

Django's ``cached_db`` engine keeps a session in the cache as long as the session lives (two weeks).
The database is the record; the cache only saves the query. Kept for ``CACHE_SECONDS`` instead, a
session whose end did not reach the cache (Redis was unreachable when the member signed out: see
``core.cache``) can be read from there for that long at most, and a member's every page still
costs a cache hit rather than a query.
"""

from __future__ import annotations

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

CACHE_SECONDS = 300


class _ShortLived:
    """The session cache, with every entry's lifetime capped at ``CACHE_SECONDS``."""

    def __init__(self, cache):
        self._cache = cache

    def set(self, key, value, timeout=None, **kwargs):
        timeout = CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)
        return self._cache.set(key, value, timeout, **kwargs)

    async def aset(self, key, value, timeout=None, **kwargs):
        timeout = CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)
        return await self._cache.aset(key, value, timeout, **kwargs)

    def __contains__(self, key):
        return key in self._cache

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def __str__(self):
        return str(self._cache)


class SessionStore(CachedDBStore):
    cache_key_prefix = "django.contrib.sessions.cached_db"

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _ShortLived(self._cache)
