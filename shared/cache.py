"""The Redis cache, where a Redis outage is a cache miss rather than a 500.

A cache only saves work: while Redis is away, reads miss (the caller computes the value, as on
a cold cache) and writes are dropped, each with a warning in the log. Django's own RedisCache
raises redis-py's ConnectionError into the request instead.

Counters are different: a caller counting (the login throttle) must know the count was not
taken, so `incr`, `decr` and `incr_window` raise `CacheUnavailable`, which the caller handles
explicitly (accounts/throttle.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class CacheUnavailable(Exception):
    """The cache could not be reached for an operation whose result the caller needs."""


class ResilientRedisCache(RedisCache):
    def _down(self, op: str, exc: Exception) -> None:
        log.warning("cache %s skipped, Redis unavailable: %s", op, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            self._down("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            self._down("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            self._down("has_key", exc)
            return False

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            self._down("set", exc)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            self._down("add", exc)
            return False

    def set_many(
        self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list:
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            self._down("set_many", exc)
            return list(data)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except RedisError as exc:
            self._down("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        # A delete that cannot reach Redis is logged: the stale entry expires on its timeout.
        try:
            return super().delete(key, version)
        except RedisError as exc:
            self._down("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except RedisError as exc:
            self._down("delete_many", exc)

    def clear(self) -> None:
        try:
            super().clear()
        except RedisError as exc:
            self._down("clear", exc)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._down("incr", exc)
            raise CacheUnavailable(str(exc)) from exc

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().decr(key, delta, version)
        except RedisError as exc:
            self._down("decr", exc)
            raise CacheUnavailable(str(exc)) from exc

    def incr_window(self, key: Any, timeout: int, version: int | None = None) -> int:
        """Count one more in a window that starts with the first count and lasts `timeout`
        seconds; returns the new count. One MULTI/EXEC: `SET NX EX` then `INCR`, so parallel
        callers each get a distinct number and the key always expires."""
        key = self.make_and_validate_key(key, version=version)
        try:
            # Django keeps the redis-py client factory in `_cache` (not in the stubs).
            client = self._cache.get_client(key, write=True)  # type: ignore[attr-defined]  # not in the stubs
            with client.pipeline(transaction=True) as pipe:
                pipe.set(key, 0, ex=timeout, nx=True)
                pipe.incr(key)
                return int(pipe.execute()[1])
        except RedisError as exc:
            self._down("incr_window", exc)
            raise CacheUnavailable(str(exc)) from exc
