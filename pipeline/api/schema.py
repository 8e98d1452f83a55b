"""OpenAPI generation: every operation documents the error answers it can give."""

from __future__ import annotations

from typing import Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict:
        from pipeline.api.serializers import ErrorSerializer, RuleErrorSerializer

        responses = super()._get_response_bodies(direction)
        error = ErrorSerializer
        bodies = {"422": RuleErrorSerializer}
        codes = {
            "401": "Not authenticated (token authentication).",
            "403": "Not authenticated (session), or not allowed to change this object.",
        }
        if self.method == "GET" and self._is_list_view():
            codes["400"] = "A filter, ordering or page parameter is invalid."
            codes["404"] = "The page does not exist."
        else:
            codes["404"] = "The object does not exist or the caller may not see it."
        if self.method in ("POST", "PUT", "PATCH"):
            codes.update(
                {
                    "400": "Malformed JSON or invalid fields (messages per field).",
                    "409": "Version conflict: the body carries the deal as it is now.",
                    "413": "The request body is too large.",
                    "415": "The body is not JSON.",
                    "422": "A business rule refused the change.",
                }
            )
        for code, description in codes.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(bodies.get(code, error), description=description),
                    code,
                    direction=direction,
                )
        return responses


def positive_ids(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: ids in URL paths are 1 or more (database ids), so
    a client or a fuzzer knows that 0 or -5 is not a valid id (not just an unknown one)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema["minimum"] = 1
    return result


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Documents personal API tokens (roles issue) once their class is in
    DEFAULT_AUTHENTICATION_CLASSES; `optional` keeps the schema warning-free until then."""

    target_class = "accounts.authentication.PersonalTokenAuthentication"
    name = "tokenAuth"
    optional = True

    def get_security_definition(self, auto_schema: AutoSchema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token: `Authorization: Token <key>`.",
        }
