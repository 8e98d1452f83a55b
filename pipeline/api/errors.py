"""Every API error is JSON: `{"detail": ..., "code": ..., "errors": {field: [...]}}`.

Service refusals keep their status (403/404/409/422) and message; a version conflict also
carries the deal as it is now, so the client can redraw without another request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from shared.errors import DuplicateFound, RuleViolation, ServiceError, VersionConflict

_SERVICE_CODES = {
    404: "not_found",
    403: "permission_denied",
    409: "conflict",
    422: "rule_violation",
}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _service_response(exc: ServiceError, context: dict[str, Any]) -> Response:
    """A service's refusal keeps its status and message; a conflict or broken rule about a
    stored deal carries the deal as it is now."""
    body: dict[str, Any] = {
        "detail": exc.message,
        "code": _SERVICE_CODES.get(exc.status_code, "error"),
    }
    if isinstance(exc, VersionConflict):
        body["code"] = "version_conflict"
    if isinstance(exc, RuleViolation) and exc.missing:
        body["missing"] = list(exc.missing)
    # A deal that was refused its creation has no stored state to show (no id).
    if exc.deal is not None and exc.deal.pk is not None and exc.status_code in (409, 422):
        from pipeline.api.serializers import DealSerializer

        body["deal"] = DealSerializer(exc.deal, context=context).data
    return Response(body, status=exc.status_code)


def _invalid_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    """Field errors, with the first message in `detail` so a client can show just that."""
    errors = _flatten(exc.detail)
    if not isinstance(errors, dict):
        errors = {"non_field_errors": errors if isinstance(errors, list) else [errors]}
    first = next(iter(errors.values()), [""])
    while isinstance(first, (list, dict)) and first:
        first = first[0] if isinstance(first, list) else next(iter(first.values()))
    return {
        "detail": _("Please correct the fields listed in errors: %(first)s") % {"first": first},
        "code": "invalid",
        "errors": errors,
    }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DuplicateFound):
        return Response(_duplicate_body(exc), status=exc.status_code)
    if isinstance(exc, ServiceError):
        return _service_response(exc, context)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("The request body is too large."), "code": "payload_too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, IntegrityError):
        # Services validate first; this is the race where two requests create the same
        # unique value at once. The database refused it, so nothing was written.
        return Response(
            {
                "detail": _("This conflicts with data saved at the same time; reload and retry."),
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("This object does not exist or you may not see it."))

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _invalid_body(exc)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": _flatten(exc.detail) if isinstance(exc.detail, str) else str(exc.detail),
            "code": codes if isinstance(codes, str) else "error",
        }
    return response


def _duplicate_body(exc: DuplicateFound) -> dict[str, Any]:
    """The duplicate guard's refusal: the existing records by id, and the two ways on."""
    existing = [{"id": r.pk, "name": r.name} for r in exc.existing]
    ids = ", ".join(str(r["id"]) for r in existing)
    return {
        "detail": _(
            "%(message)s Use the existing record (id %(ids)s) instead, or send "
            '"allow_duplicate": true to save a second one anyway.'
        )
        % {"message": exc.message, "ids": ids},
        "code": "duplicate",
        "existing": existing,
    }


@csrf_exempt  # a refusal must be JSON too, and it changes nothing
def api_not_found(request, *args: Any, **kwargs: Any) -> JsonResponse:  # noqa: ANN001
    return JsonResponse(
        {"detail": _("There is no such API address."), "code": "not_found"}, status=404
    )
