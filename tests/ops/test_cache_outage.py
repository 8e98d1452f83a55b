"""The Redis cache while Redis is away: reads miss, writes are dropped, nothing raises."""

from __future__ import annotations

from shared.cache import ResilientRedisCache
from tests.ops.servers import free_port


def test_cache_without_redis_behaves_as_a_cold_cache():
    # A loopback port nothing listens on: every Redis call is refused at once.
    port = free_port(6390, 6400)
    cache = ResilientRedisCache(f"redis://127.0.0.1:{port}/0", {})
    assert cache.get("board:1", "cold") == "cold"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    cache.set("a", 1)
    assert cache.add("a", 1) is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.touch("a") is False
    assert cache.delete("a") is False
    cache.delete_many(["a", "b"])
    calls = []
    assert cache.get_or_set("k", lambda: calls.append(1) or 42) == 42
    assert calls == [1]


def test_cache_with_redis_works(private_redis):
    cache = ResilientRedisCache(private_redis.url, {})
    cache.set("a", {"n": 1}, 30)
    assert cache.get("a") == {"n": 1}
    private_redis.stop()
    assert cache.get("a", "miss") == "miss"
    private_redis.start()
    cache.set("a", 2, 30)
    assert cache.get("a") == 2
