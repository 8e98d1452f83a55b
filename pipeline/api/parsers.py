"""A JSON parser that refuses oversized bodies before reading them into memory."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser


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
            import io

            stream = io.BytesIO(data)
        return super().parse(stream, media_type, parser_context)
