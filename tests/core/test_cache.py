"""The Redis cache backend: Django's, with one connection pool and client per process, failing open when
Redis is down or paused (a Redis of the test's own, stopped and paused for real)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from core.sessions import SessionStore
from core.websockets import off_thread
from tests.servers import redis_server, web_server


def test_the_cache_reuses_one_client_and_works_from_many_threads(redis_cache):
    # given
    cache.set("greeting", {"text": "Salaam"}, 30)
    first = cache._cache.get_client("greeting")

    # when: many threads read and write at once
    def work(n: int):
        cache.set(f"n:{n}", n, 30)
        return cache.get(f"n:{n}"), cache.get("greeting")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(64)))

    # then: one client, shared; every value as written
    assert cache._cache.get_client("other") is first
    assert cache._cache.get_client("greeting", write=True) is first
    assert results == [(n, {"text": "Salaam"}) for n in range(64)]
    assert cache.get_many([f"n:{n}" for n in range(3)]) == {"n:0": 0, "n:1": 1, "n:2": 2}


@pytest.fixture
def own_redis():
    """The cache on a Redis of the test's own, which it stops and pauses."""
    with redis_server() as server:
        caches = {
            **settings.CACHES,
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
            },
        }
        with override_settings(CACHES=caches):
            yield server


def test_with_redis_down_the_cache_answers_from_the_process_and_logs_the_outage_once(own_redis, caplog):
    cache.set("kept", "before", 60)
    own_redis.stop()

    started = time.monotonic()
    assert cache.get("kept") is None  # a miss, not an error
    cache.set("written", "during", 60)
    values = [cache.get("written") for _ in range(20)]
    seconds = time.monotonic() - started

    assert values == ["during"] * 20
    assert seconds < 1.5
    outages = [r for r in caplog.records if r.name == "core.cache" and "unreachable" in r.getMessage()]
    assert len(outages) == 1


def test_a_paused_redis_costs_one_short_wait(own_redis):
    cache.set("kept", "before", 60)
    own_redis.pause()

    started = time.monotonic()
    first = cache.get("kept")
    first_seconds = time.monotonic() - started
    started = time.monotonic()
    again = [cache.get("kept") for _ in range(50)]
    again_seconds = time.monotonic() - started

    assert first is None
    assert again == [None] * 50
    assert first_seconds < 1.0
    assert again_seconds < 0.1


def test_what_did_not_reach_redis_is_deleted_there_when_it_answers_again(own_redis, monkeypatch, caplog):
    monkeypatch.setattr("core.cache.RETRY_AFTER", 0.2)
    cache.set("namespace-version", "old", None)
    own_redis.pause()
    cache.set("namespace-version", "new", None)  # lost for Redis, kept by the process for a while
    assert cache.get("namespace-version") == "new"
    own_redis.resume()
    time.sleep(0.3)

    # then: neither the stale value in Redis nor the process's copy
    assert cache.get("namespace-version") is None
    raw = redis.Redis.from_url(own_redis.url)
    assert raw.keys("*namespace-version*") == []
    assert any("reachable again (1 stale keys deleted)" in r.getMessage() for r in caplog.records)


def test_the_process_keeps_what_it_wrote_in_an_outage_briefly_except_rate_limit_counters(own_redis):
    from core.cache import FALLBACK_MAX_AGE, _fallback_timeout

    assert _fallback_timeout(":1:pages:page:abc", 300) == FALLBACK_MAX_AGE
    assert _fallback_timeout(":1:pages:version:x", None) == FALLBACK_MAX_AGE
    assert _fallback_timeout("rabta:1:rl:search:abc", 3600) == 3600
    assert _fallback_timeout("rabta:1:allauth:rl:account:login_failed:5/5m/key:abc", 300) == 300
    assert _fallback_timeout(":1:pages:page:abc", 5) == 5


@pytest.mark.django_db
def test_sessions_are_cached_for_minutes_not_weeks(redis_cache, client):
    from core.sessions import CACHE_SECONDS
    from tests.network.factories import ProfileFactory

    client.force_login(ProfileFactory().user)
    key = f"{SessionStore.cache_key_prefix}{client.session.session_key}"

    assert cache.get(key) is not None
    assert 0 < cache._cache.get_client(key).ttl(cache.make_key(key)) <= CACHE_SECONDS


def _connections_opened(server) -> int:
    return redis.Redis.from_url(server.url).info("stats")["total_connections_received"]


def test_every_context_shares_the_process_pool_and_client(own_redis, monkeypatch):
    # given: 50 tasks, as 50 WebSocket connections are, each with its context and so its own cache instance
    driver_infos = []
    monkeypatch.setattr(redis, "DriverInfo", lambda real=redis.DriverInfo: driver_infos.append(1) or real())

    @off_thread
    def read_twice():
        from django.core.cache import caches

        caches["default"].get("a")
        caches["default"].get("b")
        return id(caches["default"]), id(caches["default"]._cache)

    async def connections():
        return await asyncio.gather(*(asyncio.create_task(read_twice()) for _ in range(50)))

    before = _connections_opened(own_redis)

    # when (in a thread of its own: the browser journeys leave an event loop running in this one)
    with ThreadPoolExecutor(max_workers=1) as runner:
        instances = runner.submit(asyncio.run, connections()).result()

    # then: Django made an instance per context, and they opened no more connections than threads ran;
    # they share one client, which asked redis-py for its driver's version (read from disk) once at most
    assert len({backend for backend, _client in instances}) == 50
    assert len({client for _backend, client in instances}) == 1
    assert len(driver_infos) <= 1
    assert _connections_opened(own_redis) - before <= 8


def test_page_views_on_the_production_server_reuse_its_redis_connections(db):
    with redis_server() as server, web_server(REDIS_URL=server.url) as base:
        with requests.Session() as browser:
            assert browser.get(f"{base}/mentors/", timeout=30).status_code == 200  # the pool's first connection
            before = _connections_opened(server)

            # when: a hundred page views, each read through the cache
            statuses = {browser.get(f"{base}/mentors/", timeout=30).status_code for _ in range(100)}

        # then: served from the connections already open (before: one new connection a page view)
        assert statuses == {200}
        assert _connections_opened(server) - before <= 2
