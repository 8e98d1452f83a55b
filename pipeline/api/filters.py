"""Query-string filters for every list. Each has `updated_since` for incremental sync."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from accounts.models import User
from pipeline.models import (
    Activity,
    Deal,
    Lead,
    LostReason,
    Organization,
    Person,
    Pipeline,
    Stage,
    StageChange,
)


class _BoundedIntegerField(forms.IntegerField):
    """An id in a query string: a positive integer that fits a database column."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.Filter):
    field_class = _BoundedIntegerField


class _UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC here: PostgreSQL refuses offsets beyond ±15:59 and
    times that leave its range once shifted, which must be a 400, not a database error."""

    def clean(self, value: Any) -> datetime.datetime | None:
        result = super().clean(value)
        if result is None:
            return None
        try:
            utc = result.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(_("This time is out of range.")) from exc
        if not (1 < utc.year < 9999):
            raise forms.ValidationError(_("This time is out of range."))
        return utc


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField


def _updated_since(field: str = "updated_at") -> UtcIsoDateTimeFilter:
    return UtcIsoDateTimeFilter(
        field_name=field,
        lookup_expr="gte",
        label=gettext_lazy("Only rows changed at or after this ISO 8601 time (incremental sync)."),
    )


class StrictOrderingFilter(OrderingFilter):
    """`ordering=a,-b` over the view's `ordering_fields`; an unknown field is a 400, not
    silently ignored, and the schema lists the accepted values."""

    def get_ordering(self, request, queryset, view):  # noqa: ANN001, ANN201
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering(view)
        allowed = set(self._choices(view))
        fields = [part.strip() for part in raw.split(",")]
        bad = [f for f in fields if f not in allowed]
        if bad or not fields:
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("Unknown ordering %(bad)s; use one of: %(allowed)s.")
                        % {"bad": ", ".join(bad) or '""', "allowed": ", ".join(sorted(allowed))}
                    ]
                }
            )
        return fields

    def _choices(self, view) -> list[str]:  # noqa: ANN001
        fields = list(getattr(view, "ordering_fields", []) or [])
        return [*fields, *(f"-{f}" for f in fields)]

    def get_schema_operation_parameters(self, view) -> list[dict]:  # noqa: ANN001
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Comma-separated fields to sort by; prefix - for descending.")
                ),
                "schema": {
                    "type": "array",
                    "items": {"type": "string", "enum": self._choices(view)},
                },
                "style": "form",
                "explode": False,
            }
        ]


class StrictFilterSet(filters.FilterSet):
    """An empty value for a typed filter (`?updated_since=`) is an error, not 'no filter':
    a sync client that sends it has lost its cursor and must not silently get everything."""

    def is_valid(self) -> bool:
        super().is_valid()
        for name, flt in self.filters.items():
            if isinstance(flt, filters.CharFilter):
                continue
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, _("Give a value or leave the parameter out."))
            elif (
                isinstance(flt, filters.BooleanFilter)
                and name in self.data
                and str(self.data.get(name)).lower() not in ("true", "false")
            ):
                # django-filter reads "null" or "unknown" as "no filter"; say so instead.
                self.form.add_error(name, _("Use true or false."))
        return self.is_bound and not self.form.errors


class UserFilter(StrictFilterSet):
    updated_since = _updated_since()
    team = IdFilter(field_name="team")

    class Meta:
        model = User
        fields = ["role", "is_active"]


class ColleagueFilter(StrictFilterSet):
    updated_since = _updated_since()

    class Meta:
        model = User
        fields: list[str] = []


class PipelineFilter(StrictFilterSet):
    updated_since = _updated_since()

    class Meta:
        model = Pipeline
        fields = ["is_active"]


class StageFilter(StrictFilterSet):
    updated_since = _updated_since()
    pipeline = IdFilter(field_name="pipeline")

    class Meta:
        model = Stage
        fields = ["is_active"]


class LostReasonFilter(StrictFilterSet):
    updated_since = _updated_since()

    class Meta:
        model = LostReason
        fields = ["is_active"]


class DealFilter(StrictFilterSet):
    updated_since = _updated_since()
    pipeline = IdFilter(field_name="pipeline")
    stage = IdFilter(field_name="stage")
    owner = IdFilter(field_name="owner")
    organization = IdFilter(field_name="organization")
    person = IdFilter(field_name="person")
    status = filters.ChoiceFilter(
        choices=[*Deal.Status.choices, (Deal.PARKED, gettext_lazy("Parked"))],
        method="filter_status",
        label=gettext_lazy(
            "open (parked deals included), parked (open with a revisit date), won or lost."
        ),
    )
    currency = filters.CharFilter(field_name="currency", lookup_expr="iexact", max_length=3)
    title = filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200)
    external_id = filters.CharFilter(field_name="external_id", max_length=100)
    value_min = filters.NumberFilter(
        field_name="value", lookup_expr="gte", max_digits=14, decimal_places=2
    )
    value_max = filters.NumberFilter(
        field_name="value", lookup_expr="lte", max_digits=14, decimal_places=2
    )
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    closed_after = UtcIsoDateTimeFilter(field_name="closed_at", lookup_expr="gte")
    closed_before = UtcIsoDateTimeFilter(field_name="closed_at", lookup_expr="lt")
    expected_close_after = filters.DateFilter(field_name="expected_close_date", lookup_expr="gte")
    expected_close_before = filters.DateFilter(field_name="expected_close_date", lookup_expr="lte")

    def filter_status(self, qs: Any, name: str, value: str) -> Any:
        if value == Deal.PARKED:
            return qs.filter(status=Deal.Status.OPEN, parked_until__isnull=False)
        return qs.filter(status=value)

    class Meta:
        model = Deal
        fields: list[str] = []


class StageChangeFilter(StrictFilterSet):
    updated_since = _updated_since("timestamp")
    deal = IdFilter(field_name="deal")
    pipeline = IdFilter(field_name="pipeline")
    to_status = filters.ChoiceFilter(choices=Deal.Status.choices)
    source = filters.ChoiceFilter(choices=StageChange.Source.choices)

    class Meta:
        model = StageChange
        fields: list[str] = []


class OrganizationFilter(StrictFilterSet):
    updated_since = _updated_since()
    owner = IdFilter(field_name="owner")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Organization
        fields: list[str] = []


class PersonFilter(StrictFilterSet):
    updated_since = _updated_since()
    owner = IdFilter(field_name="owner")
    organization = IdFilter(field_name="organization")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    email = filters.CharFilter(field_name="email", lookup_expr="iexact", max_length=254)

    class Meta:
        model = Person
        fields: list[str] = []


class ActivityFilter(StrictFilterSet):
    updated_since = _updated_since()
    deal = IdFilter(field_name="deal")
    person = IdFilter(field_name="person")
    organization = IdFilter(field_name="organization")
    owner = IdFilter(field_name="owner")
    type = filters.ChoiceFilter(choices=Activity.Type.choices)
    done = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Activity
        fields: list[str] = []


class LeadFilter(StrictFilterSet):
    updated_since = _updated_since()
    owner = IdFilter(field_name="owner")
    status = filters.ChoiceFilter(choices=Lead.Status.choices)
    source = filters.CharFilter(field_name="source", lookup_expr="iexact", max_length=100)

    class Meta:
        model = Lead
        fields: list[str] = []
