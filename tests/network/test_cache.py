"""The Redis cache backend: Django's, with one client per connection pool."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache


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
