"""Page-number pagination with a client-chosen page size, parsed strictly."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def _positive_int(raw: str, name: str, maximum: int) -> int:
    if not (raw.isascii() and raw.isdigit()) or not (1 <= int(raw) <= maximum):
        raise ValidationError(
            {name: [_("Give a whole number from 1 to %(max)d.") % {"max": maximum}]}
        )
    return int(raw)


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    max_page = 10**9

    def paginate_queryset(self, queryset, request, view=None):  # noqa: ANN001, ANN201
        # DRF silently falls back to defaults on a malformed page or page size; a client that
        # asked for something else should hear about it.
        for name, maximum in (
            (self.page_query_param, self.max_page),
            (self.page_size_query_param, self.max_page_size),
        ):
            if name in request.query_params:
                _positive_int(request.query_params[name], name, maximum)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            param["schema"]["minimum"] = 1
            if param["name"] == self.page_size_query_param:
                param["schema"]["maximum"] = self.max_page_size
            else:
                param["schema"]["maximum"] = self.max_page
        return params
