"""A JSON parser that refuses oversized bodies before reading them into memory, and bodies
nested deeper than any request of this API needs before parsing them."""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests deeper than a few levels; Python's json module recurses
# once per level and raises RecursionError (a 500) near 1,000.
MAX_DEPTH = 32
# Strings (skipped whole, so brackets inside them do not count) and brackets.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep(data: bytes) -> bool:
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return False  # the common case: no scan
    depth = 0
    for token in _TOKENS.finditer(data):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def _limit() -> int:
    return settings.STAGECOACH_API_MAX_BODY_BYTES


class BoundedJSONParser(JSONParser):
    """JSON bodies up to STAGECOACH_API_MAX_BODY_BYTES; larger ones get 413.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards `request.body`, but DRF reads the stream
    directly, so without this check a client could make the server hold any body in memory.
    """

    def parse(self, stream, media_type=None, parser_context=None):  # noqa: ANN001, ANN201
        request = (parser_context or {}).get("request")
        limit = _limit()
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        try:
            too_big = declared is not None and int(declared) > limit
        except ValueError:
            too_big = False
        if too_big:
            raise PayloadTooLarge(
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        if stream is not None:
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise PayloadTooLarge(
                    _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
                )
            if _too_deep(data):
                raise ParseError(
                    _("JSON parse error - the body is nested more than %(n)d levels deep.")
                    % {"n": MAX_DEPTH}
                )
            stream = io.BytesIO(data)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # a second line of defence; the scan above should catch it
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from exc
