"""The dashboard's tables as CSV, written from the same `DashboardReport` the page renders."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from metrics.selectors.dashboard import DashboardReport
from shared.spreadsheets import SafeCsvWriter


def csv_response(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    """A CSV download: every field quoted, formulas guarded (`SafeCsvWriter`)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = SafeCsvWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v * 100:.1f}"


def dashboard_csv(table: str, page: DashboardReport) -> HttpResponse:
    """One of the dashboard's tables as CSV (`?export=funnel|reps|time_in_stage|forecast|
    accuracy|calibration|trends`; 404 for another name)."""
    rep = page.report

    def in_currency(header: str) -> str:
        # A money column names its currency: a spreadsheet has no other way to know it.
        return f"{header} ({rep.currency})"

    if table == "funnel":
        rows = [[f.stage, f.reached, _pct(f.conversion)] for f in rep.funnel]
        return csv_response("funnel", [_("Stage"), _("Reached"), _("Conversion %")], rows)
    if table == "reps":
        rows = [
            [o.owner, o.won_count, o.lost_count, _pct(o.win_rate), o.won_value]
            for o in rep.by_owner
        ]
        header = [_("Owner"), _("Won"), _("Lost"), _("Win rate %"), in_currency(_("Won value"))]
        return csv_response("reps", header, rows)
    if table == "time_in_stage":
        return _time_in_stage_csv(page)
    if table == "forecast":
        rows = [[m.month, m.count, m.value, m.weighted] for m in rep.forecast]
        u = rep.forecast_undated
        rows.append([_("No expected close date"), u.count, u.value, u.weighted])
        header = [_("Month"), _("Deals"), in_currency(_("Value")), in_currency(_("Weighted"))]
        return csv_response("forecast", header, rows)
    if table == "accuracy":
        rows = [[a.month, a.forecast, a.won, _pct(a.accuracy)] for a in page.accuracy]
        header = [
            _("Month"),
            in_currency(_("Forecast")),
            in_currency(_("Won")),
            _("Won ÷ forecast %"),
        ]
        return csv_response("forecast_accuracy", header, rows)
    if table == "calibration":
        rows = [[c.stage, c.probability, c.deals, _pct(c.realised)] for c in page.calibration]
        header = [_("Stage"), _("Probability %"), _("Closed deals"), _("Realised win rate %")]
        return csv_response("calibration", header, rows)
    if table == "trends":
        return _trends_csv(page, in_currency(_("Won value")))
    return HttpResponse(_("Unknown table to export."), status=404, content_type="text/plain")


def _time_in_stage_csv(page: DashboardReport) -> HttpResponse:
    rows: list[list[Any]] = [
        [
            t.stage,
            t.completed,
            t.median_days,
            t.p90_days,
            t.in_progress,
            t.in_progress_median_days,
        ]
        for t in page.report.time_in_stage
    ]
    header = [
        _("Stage"),
        _("Completed stays"),
        _("Median days"),
        _("90th percentile days"),
        _("Open stays"),
        _("Open median days"),
    ]
    return csv_response("time_in_stage", header, rows)


def _trends_csv(page: DashboardReport, won_value_header: str) -> HttpResponse:
    rows: list[list[Any]] = [
        [w.week, w.new_deals, w.won, w.lost, _pct(w.win_rate), w.won_value, w.cycle_days]
        for w in page.weeks
    ]
    header = [
        _("Week"),
        _("New deals"),
        _("Won"),
        _("Lost"),
        _("Win rate %"),
        won_value_header,
        _("Days to close"),
    ]
    return csv_response("trends", header, rows)
