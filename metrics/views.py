"""Dashboard, drill-downs, CSV exports and the stale-deal cleanup: parse, call, render."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.models import Team, User
from metrics import charts
from metrics.exports import csv_response, dashboard_csv
from metrics.forms import FunnelCalculatorForm, ScopeForm, StaleBulkForm, StaleFilterForm
from metrics.selectors import dashboard as d
from metrics.selectors.scope import Scope, currencies_shown, default_period, scope_build
from metrics.selectors.stale import REASON_LABELS, deal_list_stale
from metrics.services import stale_cleanup_bulk
from pipeline.models import LostReason, Pipeline
from pipeline.selectors.board import board_display_currency
from pipeline.selectors.visibility import owner_ids_editable, owner_ids_visible
from shared.currencies import currency_rates
from shared.dates import format_day, format_month
from shared.errors import RuleViolation, ServiceError
from shared.http import AuthedHttpRequest, form_errors_text, safe_next
from shared.jobs import job_enqueue

DRILL_LIMIT = 200


def _pipeline_for(request: AuthedHttpRequest, chosen: Pipeline | None) -> Pipeline | None:
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


def _scope(request: AuthedHttpRequest) -> tuple[ScopeForm, Scope | None, str]:
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
    currency = data.get("currency") or board_display_currency(request.user, rates)
    try:
        scope = scope_build(
            pipeline=pipeline,
            start=data.get("start") or start,
            end=data.get("end") or end,
            owner=data.get("owner"),
            team=data.get("team"),
            viewer=request.user,
            currency=currency,
            rates=rates,
        )
    except ServiceError as exc:
        return form, None, exc.message
    return form, scope, ""


def _scope_query(scope: Scope, request: AuthedHttpRequest) -> str:
    params: dict[str, str | int] = {
        "pipeline": scope.pipeline.pk,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "currency": scope.currency,
    }
    for key in ("owner", "team"):
        if request.GET.get(key):
            params[key] = request.GET[key]
    return urlencode(params)


@require_http_methods(["GET"])
@login_required
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    form, scope, error = _scope(request)
    people, teams = _people(request.user)
    ctx: dict[str, Any] = {
        "form": form,
        "error": error,
        "people": people,
        "teams": teams,
        "pipelines": list(Pipeline.objects.filter(is_active=True)),
    }
    if scope is None:
        return render(request, "metrics/dashboard.html", ctx, status=422 if error else 200)
    ctx["currencies"] = currencies_shown(scope.rate_map())
    calc_form = FunnelCalculatorForm(request.GET if "target" in request.GET else None)
    export = request.GET.get("export")
    page = d.dashboard_report(
        scope,
        # The stored nightly figures when they apply (no dates chosen), else computed live.
        latest_period=not (request.GET.get("start") or request.GET.get("end")),
        calculator=d.CalculatorInput(**calc_form.cleaned_data)
        if calc_form.is_bound and calc_form.is_valid()
        else None,
        tables_only=bool(export),
    )
    if export:
        return dashboard_csv(export, page)
    ctx.update(
        scope=page.scope,
        r=page.report,
        computed_at=page.computed_at,
        rates=page.rates,
        q=_scope_query(page.scope, request),
        levers=page.levers,
        weeks=page.weeks,
        this_month=page.this_month,
        quota=page.quota,
        calc_form=calc_form,
        calculator=page.calculator,
        warnings=page.warnings,
        accuracy=page.accuracy,
        goals=page.goals,
        calibration=page.calibration,
        can_recompute=request.user.is_admin or request.user.is_manager,
        **_charts(page),
    )
    return render(request, "metrics/dashboard.html", ctx)


def _charts(page: d.DashboardReport) -> dict[str, Any]:
    """The page's SVG charts, each beside the table with its numbers."""
    rep, weeks, quota = page.report, page.weeks, page.quota
    months = rep.forecast
    trend_lines: list[tuple[str, str, list[charts.Number | None]]] = [
        (_("Win rate"), _("Weekly win rate"), [w.win_rate for w in weeks]),
        (_("Days to close"), _("Weekly mean days to close"), [w.cycle_days for w in weeks]),
        (_("New deals"), _("Weekly new deals"), [w.new_deals for w in weeks]),
        (_("Won value"), _("Weekly won value"), [w.won_value for w in weeks]),
    ]
    days = [format_day(w.week, "day") for w in weeks]
    funnel: list[tuple[str, charts.Number | None]] = [(f.stage, f.reached) for f in rep.funnel]
    return {
        "funnel_svg": charts.bars(
            [*funnel, (_("Won"), rep.created_won)],
            label=_("Funnel: deals created in the period that reached each stage"),
        ),
        "forecast_svg": charts.bars(
            [(format_month(m.month, "month_short"), m.weighted) for m in months],
            label=_("Weighted forecast by expected close month"),
            marker=[quota.monthly_target if quota else None for _m in months],
        ),
        "trend_svgs": [
            (name, charts.line(list(zip(days, values, strict=True)), label=label))
            for name, label, values in trend_lines
        ],
    }


@require_http_methods(["GET"])
@login_required
def drilldown(request: AuthedHttpRequest) -> HttpResponse:
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
        return csv_response("deals", header, rows)
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
def recompute(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    back = safe_next(request, request.POST.get("next"), reverse("metrics:dashboard"))
    if not (user.is_admin or user.is_manager):
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
def stale(request: AuthedHttpRequest) -> HttpResponse:
    form = StaleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    pipeline = _pipeline_for(request, data.get("pipeline"))
    people, _teams = _people(request.user)
    ctx: dict[str, Any] = {
        "form": form,
        "people": people,
        "pipelines": list(Pipeline.objects.filter(is_active=True)),
        "pipeline": pipeline,
        "reasons": REASON_LABELS,
        "lost_reasons": list(LostReason.objects.filter(is_active=True)),
        "activity_types": cast(
            forms.ChoiceField, StaleBulkForm.base_fields["activity_type"]
        ).choices,
        "today": timezone.localdate(),
        "chosen_reason": data.get("reason") or "",
        "chosen_owner": data.get("owner"),
    }
    if pipeline is not None:
        owner = data.get("owner")
        result = deal_list_stale(
            user=request.user,
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
            return csv_response("stale_deals", header, rows)
    return render(request, "metrics/stale.html", ctx)


@require_http_methods(["POST"])
@login_required
def stale_bulk(request: AuthedHttpRequest) -> HttpResponse:
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
            actor=request.user,
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
