"""`GET /api/metrics/`: the figures of docs/metrics.md over the REST API (read-only).

The same report as `manage.py metrics_report --format json` (`metrics.selectors.report`), for
a pipeline, a period and optionally one owner or team, scoped like the dashboards: reps see
their own figures, managers their teams', admins everyone's. An owner or team the caller may
not see is a 404, like any record of the API they may not see.

This lives in `metrics` because `pipeline` never imports `metrics`; `config/api_urls.py` puts
it under `/api/` beside the pipeline resources.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Team, User
from metrics.selectors.report import metrics_report
from metrics.selectors.scope import DEFAULT_PERIOD_DAYS, currencies_shown, scope_build
from pipeline.api.serializers import ErrorSerializer
from pipeline.models import Pipeline
from shared.currencies import currency_rates
from shared.validation import FIRST_DAY, LAST_DAY

# Periods are bounded (the app's one date range) so that "the day after the period" and
# time-zone conversions stay inside what dates and the databases can hold.
MAX_ID = 2**63 - 1
StrOrPromise = str | Promise


def _id(help_text: StrOrPromise) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=help_text
    )


def _day(help_text: StrOrPromise) -> serializers.DateField:
    return serializers.DateField(required=False, help_text=help_text)


class _FromTo:
    """`from` is a Python keyword, so the period fields are declared as `start`/`end` and
    exposed under the contract's names."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]  # a mixin: the serializer supplies get_fields
        renamed = {}
        for name, field in fields.items():
            renamed[{"start": "from", "end": "to"}.get(name, name)] = field
        return renamed


class MetricsQuerySerializer(_FromTo, serializers.Serializer):
    pipeline = _id(
        gettext_lazy("Pipeline id; default: the caller's default pipeline, else the first one.")
    )
    start = _day(gettext_lazy("First day of the period; default: 89 days before `to`."))
    end = _day(gettext_lazy("Last day of the period, included; default: today."))
    owner = _id(gettext_lazy("Only this owner's deals (user id)."))
    team = _id(gettext_lazy("Only the deals of this team's members (team id)."))
    currency = serializers.CharField(
        required=False,
        max_length=3,
        help_text=gettext_lazy(
            "Amounts in this currency (an enabled currency with an exchange rate), converted "
            "at the stored rates; default: the base currency."
        ),
    )

    def validate_currency(self, value: str) -> str:
        code = value.strip().upper()
        codes = currencies_shown(currency_rates())
        if code not in codes:
            raise serializers.ValidationError(
                _("Choose one of %(codes)s: only enabled currencies with a rate can be shown.")
                % {"codes": ", ".join(codes)}
            )
        return code

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # DRF skips an empty optional value (`?to=`); like the list filters, refuse it, so a
        # client that lost a value does not silently get another period or scope.
        blank = [name for name in self.fields if name in data and data.get(name) == ""]
        if blank:
            raise serializers.ValidationError(
                {name: [_("Give a value or leave the parameter out.")] for name in blank}
            )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("owner") and attrs.get("team"):
            raise serializers.ValidationError({"team": [_("Choose an owner or a team, not both.")]})
        for key in ("from", "to"):
            if key in attrs and not FIRST_DAY <= attrs[key] <= LAST_DAY:
                raise serializers.ValidationError(
                    {key: [_("Choose a day between 1900-01-01 and 2999-12-31.")]}
                )
        end = attrs.get("to") or timezone.localdate()
        start = attrs.get("from") or end - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if end < start:
            raise serializers.ValidationError(
                {"to": [_("The period ends before it starts; swap the dates.")]}
            )
        return {**attrs, "from": start, "to": end}


# --- The report, field by field (keys of docs/metrics.md; amounts in `currency`) ---------------
def _amount(**kw: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, coerce_to_string=False, **kw)


def _fraction(**kw: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, **kw)


def _days(**kw: Any) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, **kw)


class CycleSerializer(serializers.Serializer):
    median = _days()
    mean = _days()
    p90 = _days()


class FunnelStepSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_id = serializers.IntegerField()
    reached = serializers.IntegerField(help_text=gettext_lazy("Deals created in the period."))
    conversion = _fraction(help_text=gettext_lazy("reached ÷ the previous stage's; null first."))


class MomentOfTruthSerializer(serializers.Serializer):
    stage = serializers.CharField()
    reached = serializers.IntegerField()
    won = serializers.IntegerField()
    conversion = _fraction()


class TimeInStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_id = serializers.IntegerField()
    completed = serializers.IntegerField(help_text=gettext_lazy("Stays that ended in the period."))
    median_days = _days()
    p90_days = _days()
    in_progress = serializers.IntegerField()
    in_progress_median_days = _days()


class ForecastSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    value = _amount()
    weighted = _amount(help_text=gettext_lazy("Σ value × the stage's win probability."))


class ForecastMonthSerializer(ForecastSerializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text=gettext_lazy("YYYY-MM"))


class ActivityCountsSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    meeting = serializers.IntegerField()
    email = serializers.IntegerField()
    demo = serializers.IntegerField()


class ActivityRatiosSerializer(serializers.Serializer):
    call = _fraction()
    meeting = _fraction()
    email = _fraction()
    demo = _fraction()
    done = ActivityCountsSerializer(help_text=gettext_lazy("Completed in the period."))


class StaleCountsSerializer(serializers.Serializer):
    stuck = serializers.IntegerField()
    idle = serializers.IntegerField()
    no_next_step = serializers.IntegerField()
    overdue = serializers.IntegerField()
    too_old = serializers.IntegerField()
    total = serializers.IntegerField(help_text=gettext_lazy("Each stale deal counted once."))


class OwnerFiguresSerializer(serializers.Serializer):
    owner = serializers.CharField(help_text=gettext_lazy("Username."))
    owner_name = serializers.CharField(
        required=False, help_text=gettext_lazy("Full name (the username when it has none).")
    )
    owner_id = serializers.IntegerField()
    win_rate = _fraction()
    won_count = serializers.IntegerField()
    lost_count = serializers.IntegerField()
    won_value = _amount()


class RateSerializer(serializers.Serializer):
    rate = serializers.DecimalField(
        max_digits=None,
        decimal_places=14,
        coerce_to_string=False,
        help_text=gettext_lazy("Units of `currency` per unit of this currency."),
    )
    date = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("When the (older) stored rate was set.")
    )


class MetricsReportSerializer(_FromTo, serializers.Serializer):
    """The JSON of `manage.py metrics_report` (docs/metrics.md defines every figure)."""

    pipeline = serializers.CharField(help_text=gettext_lazy("Pipeline name."))
    start = serializers.DateField()
    end = serializers.DateField()
    scope = serializers.CharField(
        help_text=gettext_lazy('"all", "visible", "owner:<id>" or "team:<id>".')
    )
    currency = serializers.CharField(help_text=gettext_lazy("The currency of every amount."))
    rates = serializers.DictField(
        child=RateSerializer(),
        help_text=gettext_lazy(
            "The stored exchange rates the amounts were converted at, by currency code; deals "
            "in a currency not listed here are left out of every amount."
        ),
    )
    win_rate = _fraction(help_text=gettext_lazy("won ÷ (won + lost), 0–1; null if none closed."))
    won_count = serializers.IntegerField()
    lost_count = serializers.IntegerField()
    won_value = _amount()
    avg_won_value = _amount(allow_null=True)
    median_won_value = _amount(allow_null=True)
    cycle_days_won = CycleSerializer()
    cycle_days_lost = CycleSerializer()
    funnel = FunnelStepSerializer(many=True)
    created_count = serializers.IntegerField()
    created_won = serializers.IntegerField()
    overall_conversion = _fraction()
    moment_of_truth = MomentOfTruthSerializer(allow_null=True)
    time_in_stage = TimeInStageSerializer(many=True)
    open_count = serializers.IntegerField()
    velocity = _amount(allow_null=True, help_text=gettext_lazy("Money per day."))
    weighted_pipeline = _amount()
    forecast = ForecastMonthSerializer(many=True)
    forecast_undated = ForecastSerializer()
    activity_ratios = ActivityRatiosSerializer()
    top20_org_share = _fraction()
    too_old_days = _days()
    stale_counts = StaleCountsSerializer()
    by_owner = OwnerFiguresSerializer(many=True)


def _get(model: type[Model], pk: int | None, message: str) -> Any:
    if pk is None:
        return None
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise NotFound(message)
    return found


def _default_pipeline(user: User) -> Pipeline:
    """As the dashboard: the caller's default pipeline when active, else the first one."""
    active = Pipeline.objects.filter(is_active=True)
    found = active.filter(pk=user.default_pipeline_id).first() if user.default_pipeline_id else None
    found = found or active.order_by("position", "id").first()
    if found is None:
        raise NotFound(_("There is no active pipeline yet."))
    return found


class MetricsApi(APIView):
    """Win rate, deal size, sales cycle, funnel, time in stage, velocity, forecast, stale
    deals and figures per owner, as `manage.py metrics_report --format json` prints them."""

    @extend_schema(
        operation_id="metrics_retrieve",
        parameters=[MetricsQuerySerializer],
        responses={
            200: MetricsReportSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="A malformed id or date, an inverted period, both owner and team, "
                "or a currency that is not enabled with a rate.",
            ),
            404: OpenApiResponse(
                ErrorSerializer,
                description="No such pipeline, owner or team, or the caller may not see "
                "their figures (reps: only their own; managers: their teams).",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        not_found = _("This object does not exist or you may not see it.")
        if q.get("pipeline") is not None:
            pipeline = _get(Pipeline, q["pipeline"], not_found)
        else:
            pipeline = _default_pipeline(request.user)
        scope = scope_build(
            pipeline=pipeline,
            start=q["from"],
            end=q["to"],
            owner=_get(User, q.get("owner"), not_found),
            team=_get(Team, q.get("team"), not_found),
            viewer=request.user,
            currency=q.get("currency", ""),
        )
        return Response(MetricsReportSerializer(metrics_report(scope)).data)
