"""HTTP helpers every view shares."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    """`value` (a `next` parameter) when it points into this site, else `default`.

    The one check for every redirect target taken from a request: `//evil.example`,
    `/\\evil.example`, `https://evil.example` and `javascript:` all get `default`; on an
    https request an http target does too.
    """
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default
