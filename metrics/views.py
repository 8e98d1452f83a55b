"""Dashboard, drill-downs, CSV exports and the stale-deal cleanup: parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.models import Team, User
from metrics import charts
from metrics.forms import FunnelCalculatorForm, ScopeForm, StaleBulkForm, StaleFilterForm
from metrics.selectors import dashboard as d
from metrics.selectors.scope import Scope, currencies_shown, default_period, scope_build
from metrics.selectors.snapshots import dashboard_report
from metrics.selectors.stale import REASON_LABELS, deal_list_stale
from metrics.services import stale_cleanup_bulk
from pipeline.models import LostReason, Pipeline
from pipeline.selectors.board import board_display_currency
from pipeline.selectors.visibility import owner_ids_editable, owner_ids_visible
from shared.currencies import currency_rates
from shared.dates import format_day, format_month
from shared.errors import RuleViolation, ServiceError
from shared.http import form_errors_text, safe_next
from shared.jobs import job_enqueue
from shared.spreadsheets import SafeCsvWriter

DRILL_LIMIT = 200


def _pipeline_for(request: HttpRequest, chosen: Pipeline | None) -> Pipeline | None:
    if chosen is not None:
        return chosen
    user = request.user
    default = getattr(user, "default_pipeline", None)
    if default is not None and default.is_active:
        return default
    return Pipeline.objects.filter(is_active=True).first()


def _people(user: User) -> tuple[list[User], list[Team]]:
    """Owners and teams the user may pick (reps: only themselves)."""
    if user.role == User.Role.REP and not user.is_admin:
        return [user], []
    visible = owner_ids_visible(user)
    if user.is_manager:
        visible = owner_ids_editable(user)
    people = User.objects.filter(is_active=True).order_by("username")
    teams = Team.objects.order_by("name")
    if visible is not None:
        people = people.filter(pk__in=visible)
        teams = teams.filter(manager=user)
    return list(people), list(teams)


def _scope(request: HttpRequest) -> tuple[ScopeForm, Scope | None, str]:
    """The scope the request asks for. Amounts are in the currency asked for, else in the
    user's display currency while it has a rate (as on the board), else in the base currency."""
    form = ScopeForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None, form_errors_text(form)
    data = form.cleaned_data if request.GET else {}
    pipeline = _pipeline_for(request, data.get("pipeline"))
    if pipeline is None:
        return form, None, _("There is no active pipeline yet.")
    start, end = default_period()
    rates = currency_rates()
    currency = data.get("currency") or board_display_currency(request.user, rates)  # type: ignore[arg-type]
    try:
        scope = scope_build(
            pipeline=pipeline,
            start=data.get("start") or start,
            end=data.get("end") or end,
            owner=data.get("owner"),
            team=data.get("team"),
            viewer=request.user,  # type: ignore[arg-type]
            currency=currency,
            rates=rates,
        )
    except ServiceError as exc:
        return form, None, exc.message
    return form, scope, ""


def _scope_query(scope: Scope, request: HttpRequest) -> str:
    params = {
        "pipeline": scope.pipeline.pk,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "currency": scope.currency,
    }
    for key in ("owner", "team"):
        if request.GET.get(key):
            params[key] = request.GET[key]
    return urlencode(params)


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = SafeCsvWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v * 100:.1f}"


@require_http_methods(["GET"])
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, scope, error = _scope(request)
    people, teams = _people(request.user)  # type: ignore[arg-type]
    ctx: dict[str, Any] = {
        "form": form,
        "error": error,
        "people": people,
        "teams": teams,
        "pipelines": list(Pipeline.objects.filter(is_active=True)),
    }
    if scope is not None:
        ctx["currencies"] = currencies_shown(scope.rate_map())
    if scope is None:
        return render(request, "metrics/dashboard.html", ctx, status=422 if error else 200)
    # The stored nightly figures when they apply (no dates chosen), else computed live.
    scope, rep, computed_at = dashboard_report(
        scope, latest_period=not (request.GET.get("start") or request.GET.get("end"))
    )
    weeks = d.trends(scope)
    calc_form = FunnelCalculatorForm(request.GET if "target" in request.GET else None)
    calculator = None
    quota = d.quota(scope, rep)
    if calc_form.is_bound and calc_form.is_valid():
        calculator = d.funnel_calculator(rep, **calc_form.cleaned_data)
    elif quota is not None:
        calculator = d.funnel_calculator(rep, target=quota["gap"] or quota["target"], weeks=13)
    export = request.GET.get("export")
    if export:
        return _dashboard_csv(export, rep, weeks, d.forecast_accuracy(scope), d.calibration(scope))
    months = rep["forecast"]
    ctx.update(
        scope=scope,
        r=rep,
        computed_at=computed_at,
        # The rates the amounts were converted at, as the page words them (the report keeps
        # them exact, under "rates"; a stored report is used only while they are unchanged).
        rates=[rate for _code, rate in sorted(scope.rates_to_target().items())],
        q=_scope_query(scope, request),
        levers=d.levers(scope, rep),
        weeks=weeks,
        # Forecast months before this one are overdue (their expected close date has passed).
        this_month=timezone.localdate().strftime("%Y-%m"),
        quota=quota,
        calc_form=calc_form,
        calculator=calculator,
        warnings=d.balance_warnings(rep),
        accuracy=d.forecast_accuracy(scope),
        goals=d.goal_progress(scope),
        calibration=d.calibration(scope),
        funnel_svg=charts.bars(
            [(f["stage"], f["reached"]) for f in rep["funnel"]] + [(_("Won"), rep["created_won"])],
            label=_("Funnel: deals created in the period that reached each stage"),
        ),
        forecast_svg=charts.bars(
            [(format_month(m["month"], "month_short"), m["weighted"]) for m in months],
            label=_("Weighted forecast by expected close month"),
            marker=[quota["monthly_target"] if quota else None for _m in months],
        ),
        trend_svgs=[
            (
                _("Win rate"),
                charts.line(
                    [(format_day(w["week"], "day"), w["win_rate"]) for w in weeks],
                    label=_("Weekly win rate"),
                ),
            ),
            (
                _("Days to close"),
                charts.line(
                    [(format_day(w["week"], "day"), w["cycle_days"]) for w in weeks],
                    label=_("Weekly mean days to close"),
                ),
            ),
            (
                _("New deals"),
                charts.line(
                    [(format_day(w["week"], "day"), w["new_deals"]) for w in weeks],
                    label=_("Weekly new deals"),
                ),
            ),
            (
                _("Won value"),
                charts.line(
                    [(format_day(w["week"], "day"), w["won_value"]) for w in weeks],
                    label=_("Weekly won value"),
                ),
            ),
        ],
        can_recompute=request.user.is_admin or request.user.is_manager,  # type: ignore[union-attr]
    )
    return render(request, "metrics/dashboard.html", ctx)


def _dashboard_csv(
    export: str,
    rep: dict[str, Any],
    weeks: list[dict[str, Any]],
    extra: list[dict[str, Any]],
    calib: list[dict[str, Any]],
) -> HttpResponse:
    def in_currency(header: str) -> str:
        # A money column names its currency: a spreadsheet has no other way to know it.
        return f"{header} ({rep['currency']})"

    if export == "funnel":
        rows = [[f["stage"], f["reached"], _pct(f["conversion"])] for f in rep["funnel"]]
        return _csv("funnel", [_("Stage"), _("Reached"), _("Conversion %")], rows)
    if export == "reps":
        rows = [
            [o["owner"], o["won_count"], o["lost_count"], _pct(o["win_rate"]), o["won_value"]]
            for o in rep["by_owner"]
        ]
        return _csv(
            "reps",
            [_("Owner"), _("Won"), _("Lost"), _("Win rate %"), in_currency(_("Won value"))],
            rows,
        )
    if export == "time_in_stage":
        rows = [
            [
                t["stage"],
                t["completed"],
                t["median_days"],
                t["p90_days"],
                t["in_progress"],
                t["in_progress_median_days"],
            ]
            for t in rep["time_in_stage"]
        ]
        header = [
            _("Stage"),
            _("Completed stays"),
            _("Median days"),
            _("90th percentile days"),
            _("Open stays"),
            _("Open median days"),
        ]
        return _csv("time_in_stage", header, rows)
    if export == "forecast":
        rows = [[m["month"], m["count"], m["value"], m["weighted"]] for m in rep["forecast"]]
        u = rep["forecast_undated"]
        rows.append([_("No expected close date"), u["count"], u["value"], u["weighted"]])
        header = [_("Month"), _("Deals"), in_currency(_("Value")), in_currency(_("Weighted"))]
        return _csv("forecast", header, rows)
    if export == "accuracy":
        rows = [[a["month"], a["forecast"], a["won"], _pct(a["accuracy"])] for a in extra]
        return _csv(
            "forecast_accuracy",
            [
                _("Month"),
                in_currency(_("Forecast")),
                in_currency(_("Won")),
                _("Won ÷ forecast %"),
            ],
            rows,
        )
    if export == "calibration":
        rows = [[c["stage"], c["probability"], c["deals"], _pct(c["realised"])] for c in calib]
        return _csv(
            "calibration",
            [_("Stage"), _("Probability %"), _("Closed deals"), _("Realised win rate %")],
            rows,
        )
    if export == "trends":
        rows = [
            [
                w["week"],
                w["new_deals"],
                w["won"],
                w["lost"],
                _pct(w["win_rate"]),
                w["won_value"],
                w["cycle_days"],
            ]
            for w in weeks
        ]
        header = [
            _("Week"),
            _("New deals"),
            _("Won"),
            _("Lost"),
            _("Win rate %"),
            in_currency(_("Won value")),
            _("Days to close"),
        ]
        return _csv("trends", header, rows)
    return HttpResponse(_("Unknown table to export."), status=404, content_type="text/plain")


@require_http_methods(["GET"])
@login_required
def drilldown(request: HttpRequest) -> HttpResponse:
    form, scope, error = _scope(request)
    if scope is None:
        return render(request, "metrics/deals.html", {"error": error}, status=422)
    title, qs = d.deal_list_for_figure(scope, request.GET.get("figure", ""))
    if not title:
        return render(
            request,
            "metrics/deals.html",
            {"error": _("Unknown figure; go back to the dashboard.")},
            status=404,
        )
    figure = request.GET.get("figure", "")
    ordering = d.deal_list_ordering(figure)
    totals = d.deal_list_total(scope, qs)
    total = totals["count"]
    deals = list(
        qs.select_related("stage", "owner", "organization").order_by(*ordering)[:DRILL_LIMIT]
    )
    if request.GET.get("export") == "csv":
        rows = [
            [
                x.pk,
                x.title,
                x.organization or "",
                x.owner.username,
                x.stage.name,
                x.get_status_display(),
                x.value,
                x.currency,
                x.created_at.date(),
                x.closed_at.date() if x.closed_at else "",
            ]
            for x in qs.select_related("stage", "owner", "organization").order_by(*ordering)
        ]
        header = [
            "id",
            _("Title"),
            _("Organization"),
            _("Owner"),
            _("Stage"),
            _("Status"),
            _("Value"),
            _("Currency"),
            _("Created"),
            _("Closed"),
        ]
        return _csv("deals", header, rows)
    ctx = {
        "title": title,
        "deals": deals,
        "total": total,
        "totals": totals,
        "limit": DRILL_LIMIT,
        "scope": scope,
        "q": _scope_query(scope, request),
        "figure": figure,
    }
    return render(request, "metrics/deals.html", ctx)


@require_http_methods(["POST"])
@login_required
def recompute(request: HttpRequest) -> HttpResponse:
    user = request.user
    back = safe_next(request, request.POST.get("next"), reverse("metrics:dashboard"))
    if not (user.is_admin or user.is_manager):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only managers and admins can recompute the metrics."))
    # The same task as the nightly run, for today; runs in-process without Redis, and is kept
    # as a pending job (the user is told it will run late) when the broker is away.
    job_enqueue(
        "metrics.tasks.compute_nightly_metrics",
        label=_("the metrics recompute"),
        args=[timezone.localdate().isoformat()],
    )
    messages.success(request, _("The metrics are being recomputed for today."))
    return HttpResponseRedirect(back)


@require_http_methods(["GET"])
@login_required
def stale(request: HttpRequest) -> HttpResponse:
    form = StaleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    pipeline = _pipeline_for(request, data.get("pipeline"))
    people, _teams = _people(request.user)  # type: ignore[arg-type]
    ctx: dict[str, Any] = {
        "form": form,
        "people": people,
        "pipelines": list(Pipeline.objects.filter(is_active=True)),
        "pipeline": pipeline,
        "reasons": REASON_LABELS,
        "lost_reasons": list(LostReason.objects.filter(is_active=True)),
        "activity_types": StaleBulkForm.base_fields["activity_type"].choices,
        "today": timezone.localdate(),
        "chosen_reason": data.get("reason") or "",
        "chosen_owner": data.get("owner"),
    }
    if pipeline is not None:
        owner = data.get("owner")
        result = deal_list_stale(
            user=request.user,  # type: ignore[arg-type]
            pipeline=pipeline,
            owner_id=owner.pk if owner else None,
            reason=data.get("reason") or None,
        )
        ctx["result"] = result
        if request.GET.get("export") == "csv":
            rows = [
                [
                    x.pk,
                    x.title,
                    x.owner.username,
                    x.stage.name,
                    x.value,
                    x.currency,
                    "; ".join(str(label) for _n, label in x.stale_reasons),
                ]
                for x in result.deals
            ]
            header = [
                "id",
                _("Title"),
                _("Owner"),
                _("Stage"),
                _("Value"),
                _("Currency"),
                _("Reasons"),
            ]
            return _csv("stale_deals", header, rows)
    return render(request, "metrics/stale.html", ctx)


@require_http_methods(["POST"])
@login_required
def stale_bulk(request: HttpRequest) -> HttpResponse:
    # Back to the list as it was filtered. The filters travel as filter_owner/filter_reason:
    # "reason" is the lost reason of "Mark lost", and sharing the name lost the filter.
    back_query = {
        "pipeline": request.POST.get("pipeline", ""),
        "owner": request.POST.get("filter_owner", ""),
        "reason": request.POST.get("filter_reason", ""),
    }
    back = reverse("metrics:stale") + "?" + urlencode({k: v for k, v in back_query.items() if v})
    form = StaleBulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, RuleViolation(form_errors_text(form)).message)
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    try:
        done = stale_cleanup_bulk(
            actor=request.user,  # type: ignore[arg-type]
            deals=data["deals"],
            action=data["action"],
            reason=data.get("reason"),
            note=data.get("note") or "",
            until=data.get("until"),
            activity_type=data.get("activity_type") or "",
            subject=data.get("subject") or "",
            due_date=data.get("due_date"),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(
        request, ngettext("%(n)s deal updated.", "%(n)s deals updated.", done) % {"n": done}
    )
    return HttpResponseRedirect(back)
