"""Login throttling: after repeated failures, a username or a client address is locked out
for a while. Counters live in the cache (Redis in production), so every web process shares
them and they expire on their own.

Check and count are one step (`login_attempt_begin`): each attempt first takes a number from an
atomic counter, and only attempts within the limit get their password checked, so 30 parallel
tries against a limit of 5 check exactly 5. A correct password gives its number back.

Cache outage (Redis away): the throttle **fails open to a local counter**. Each web process
then counts in its own memory, so the limit still applies, per process (an attacker gets at
most the limit times the number of web processes per window). It does not fail closed, which
would lock every user out for as long as Redis is away. See docs/operations.md.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

from shared.cache import CacheUnavailable

log = logging.getLogger(__name__)

# The per-process fallback while the shared cache is away.
_local = LocMemCache("stagecoach-login-throttle", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind a reverse proxy set STAGECOACH_CLIENT_IP_HEADER (e.g.
    HTTP_X_REAL_IP) to the header the proxy overwrites; otherwise every client would share
    the proxy's address."""
    header = settings.STAGECOACH_CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "")
        if value:
            # X-Forwarded-For may list several hops; the proxy appends the client last.
            return value.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _keys(username: str, ip: str) -> list[tuple[str, int]]:
    keys = [(_key("ip", ip), settings.STAGECOACH_LOGIN_MAX_FAILURES_PER_IP)]
    if username:
        keys.append((_key("user", username), settings.STAGECOACH_LOGIN_MAX_FAILURES_PER_USER))
    return keys


def _incr_window(store: BaseCache, key: str, window: int) -> int:
    incr_window = getattr(store, "incr_window", None)
    if incr_window is not None:
        return incr_window(key, window)  # Redis: one atomic MULTI
    # Local-memory caches: add() starts the window; incr() is atomic under the cache's lock.
    store.add(key, 0, timeout=window)
    try:
        return store.incr(key)
    except ValueError:  # expired between add and incr: this is the first of a new window
        store.add(key, 0, timeout=window)
        return store.incr(key)


def _count(key: str, window: int) -> tuple[BaseCache, int]:
    try:
        return cache, _incr_window(cache, key, window)
    except CacheUnavailable:
        log.warning("login throttle: shared cache away, counting in this process")
        return _local, _incr_window(_local, key, window)


@dataclass
class LoginAttempt:
    """One attempt's numbers: allowed when every counter is within its limit."""

    allowed: bool
    taken: list[tuple[BaseCache, str]] = field(default_factory=list)


def login_attempt_begin(*, username: str, ip: str) -> LoginAttempt:
    """Count this attempt against the username and the address, and say whether its password
    may be checked (every count within its limit)."""
    window = settings.STAGECOACH_LOGIN_LOCKOUT_SECONDS
    attempt = LoginAttempt(allowed=True)
    for key, limit in _keys(username, ip):
        store, number = _count(key, window)
        attempt.taken.append((store, key))
        if number > limit:
            attempt.allowed = False
    return attempt


def login_attempt_succeeded(*, attempt: LoginAttempt, username: str) -> None:
    """A correct password: clear the username's counter and give the address its number back
    (not clear it: an attacker who knows one password must not reset the count for the
    others they try)."""
    for store, key in attempt.taken:
        try:
            if key == _key("user", username):
                store.delete(key)
            else:
                store.decr(key)
        except (CacheUnavailable, ValueError):
            pass  # gone or away: the window's expiry settles it
