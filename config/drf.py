"""The REST API answers refused service calls exactly like the UI: same status, same words."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pipeline.errors import RuleViolation, ServiceError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        data: dict[str, Any] = {"detail": exc.message}
        if isinstance(exc, RuleViolation) and exc.missing:
            data["missing"] = exc.missing
        if exc.deal is not None:
            data["deal"] = {"id": exc.deal.pk, "version": exc.deal.version}
        return Response(data, status=exc.status_code)
    return drf_exception_handler(exc, context)
