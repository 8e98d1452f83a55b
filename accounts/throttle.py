"""Login throttling: after repeated failures, a username or a client address is locked out
for a while. Counters live in the cache (Redis in production), so every web process shares
them and they expire on their own.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


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


def login_is_locked(*, username: str, ip: str) -> bool:
    """Whether this username or this address has failed too often within the window."""
    counts = cache.get_many([key for key, _limit in _keys(username, ip)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(username, ip))


def login_failure_record(*, username: str, ip: str) -> None:
    window = settings.STAGECOACH_LOGIN_LOCKOUT_SECONDS
    for key, _limit in _keys(username, ip):
        # add() starts the window; incr() is atomic on Redis and in the local-memory cache.
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def login_success_clear(*, username: str) -> None:
    """A correct password clears the username's counter (not the address's: an attacker who
    knows one password must not reset the count for the others they try)."""
    cache.delete(_key("user", username))
