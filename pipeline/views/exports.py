"""CSV and XLSX downloads of deals, people, organizations and activities.

Rows come from the visibility selectors and are narrowed by the same query parameters as the
API lists (`?pipeline=3&status=won&updated_since=…`), so an export is what the user could see.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_filters import FilterSet

from accounts.models import User
from pipeline.api import filters as api_filters
from pipeline.selectors import exports, visibility
from shared.http import AuthedHttpRequest
from shared.spreadsheets import SafeCsvWriter, safe_cell

# Per kind: the visibility selector, the API's filter set, the header row, the row maker.
Kind = tuple[
    Callable[[User], QuerySet[Any]],
    type[FilterSet],
    list[str],
    Callable[[QuerySet[Any]], Iterator[list[str]]],
]

KINDS: dict[str, Kind] = {
    "deals": (
        visibility.deal_list_visible,
        api_filters.DealFilter,
        exports.DEAL_EXPORT_COLUMNS,
        exports.deal_export_rows,
    ),
    "people": (
        visibility.person_list_visible,
        api_filters.PersonFilter,
        exports.PERSON_EXPORT_COLUMNS,
        exports.person_export_rows,
    ),
    "organizations": (
        visibility.organization_list_visible,
        api_filters.OrganizationFilter,
        exports.ORGANIZATION_EXPORT_COLUMNS,
        exports.organization_export_rows,
    ),
    "activities": (
        visibility.activity_list_visible,
        api_filters.ActivityFilter,
        exports.ACTIVITY_EXPORT_COLUMNS,
        exports.activity_export_rows,
    ),
}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(header: list[str], rows: Iterator[list[str]]) -> Iterator[str]:
    writer = SafeCsvWriter(_Echo())
    # A BOM lets spreadsheet apps detect UTF-8; the importer accepts it.
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


@require_http_methods(["GET"])
@login_required
def export(request: AuthedHttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        return HttpResponse(_("Unknown export."), status=404, content_type="text/plain")
    selector, filterset_class, header, rows_of = KINDS[kind]
    params = request.GET.copy()
    params.pop("format", None)
    filterset = filterset_class(params, queryset=selector(request.user))
    if not filterset.is_valid():
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return HttpResponse(
            _("The filters are invalid: %(problems)s") % {"problems": problems},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = rows_of(filterset.qs)
    name = f"stagecoach-{kind}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(kind)
        sheet.append(header)
        for row in rows:
            # Every cell through the one guard: no formula, no character openpyxl refuses.
            sheet.append([safe_cell(v) for v in row])
        # write_only keeps rows on disk, not in memory, until the file is written out.
        with tempfile.TemporaryFile() as tmp:
            book.save(tmp)
            tmp.seek(0)
            data = tmp.read()
        response = HttpResponse(
            io.BytesIO(data).getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
