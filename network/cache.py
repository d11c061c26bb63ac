"""Django's Redis cache, with one client per connection pool instead of one per cache call.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
``get``/``set`` (about 50 µs each: the client copies its table of response callbacks). A signed-in
page makes several cache calls, so that was close to a tenth of its fixed cost. A ``redis.Redis``
is safe to share between threads (each command takes a connection from the pool), so one per pool
is kept. Everything else is Django's backend as it is.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
