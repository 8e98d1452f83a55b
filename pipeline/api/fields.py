"""Serializer pieces shared by the API: ids scoped to the caller, and strict bodies."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared.numbers import DecimalInputMixin
from shared.validation import clean_text


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in a payload, looked up through the same visibility selector as the URL.

    An id the caller may not see is answered exactly like one that does not exist, so the
    API never confirms that someone else's record is there.
    """

    default_error_messages = {
        "does_not_exist": _("No {model} with id {pk_value} exists, or you may not see it."),
        "incorrect_type": _("Expected an integer id, got {data_type}."),
    }

    def __init__(self, *, selector: Callable[[Any], QuerySet], model: type[Model], **kwargs):
        self.selector = selector
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        if request is None or not getattr(request, "user", None):
            # Schema generation: only the model matters.
            return self.model._default_manager.none()
        return self.selector(request.user)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not (0 < pk < 2**63):
            self.fail("does_not_exist", pk_value=data, model=self.model._meta.verbose_name)
        try:
            return self.get_queryset().get(pk=pk)
        except ObjectDoesNotExist:  # this model's DoesNotExist, from its queryset
            self.fail("does_not_exist", pk_value=data, model=self.model._meta.verbose_name)


def _json_type_error(field: serializers.Field, value: Any) -> str | None:
    """DRF coerces liberally (0 → "0", "true" → True, "5" → 5); the contract says JSON types,
    so a value of the wrong type is refused instead of guessed at."""
    if value is None:
        return None
    if isinstance(field, serializers.BooleanField):
        ok = isinstance(value, bool)
    elif isinstance(field, (serializers.IntegerField, VisibleRelatedField)):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(field, serializers.DecimalField):
        ok = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    elif isinstance(field, (serializers.CharField, serializers.DateField, serializers.TimeField)):
        ok = isinstance(value, str)
    else:
        return None
    return None if ok else str(_("Wrong type: %(type)s.") % {"type": type(value).__name__})


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is a 400 instead of silently ignored, and
    values of the wrong JSON type instead of coercing them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name: field for name, field in self.fields.items() if not field.read_only}
            errors = {str(key): [str(_("Unknown field."))] for key in data if key not in writable}
            for name, value in data.items():
                if name in writable:
                    problem = _json_type_error(writable[name], value)
                    if problem:
                        errors[name] = [problem]
            if errors:
                # Report the other fields' problems too, in one answer.
                rest = {k: v for k, v in data.items() if k not in errors}
                try:
                    super().to_internal_value(rest)
                except serializers.ValidationError as exc:
                    if isinstance(exc.detail, dict):
                        errors = {**exc.detail, **errors}
                raise serializers.ValidationError(errors)
        values = super().to_internal_value(data)
        # The text fields store no control characters (shared.validation); cleaning here as
        # well keeps the answer equal to what was stored.
        return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}


# JSON Schema's `format: time` demands a UTC offset; a due time is a wall-clock time.
_CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


@extend_schema_field(
    {"type": "string", "pattern": _CLOCK_TIME, "example": "14:30:00"},
)
class ClockTimeField(serializers.TimeField):
    """A local time of day such as `14:30` or `14:30:00`, without a time zone."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"])
        super().__init__(**kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "uri", "maxLength": 200},
            {"type": "string", "maxLength": 0},
        ]
    }
)
class BlankableURLField(serializers.URLField):
    """A web address, or empty when there is none."""


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "email", "maxLength": 254},
            {"type": "string", "maxLength": 0},
        ]
    }
)
class BlankableEmailField(serializers.EmailField):
    """An email address, or empty when there is none."""


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$", "example": "1250.00"},
            {"type": "number", "minimum": 0, "maximum": 999999999999.99},
        ]
    }
)
class MoneyInputField(DecimalInputMixin, serializers.DecimalField):
    """An amount sent as a decimal string ("1250.00") or a JSON number (1250); digits 0-9
    only, -0 stored as 0 (pipeline/numbers.py)."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            amount = Decimal(str(data).strip())
        except (InvalidOperation, ValueError):
            amount = None
        if (
            amount is not None
            and amount.is_finite()
            and self.max_value is not None
            and abs(amount) > self.max_value
        ):
            # Say the largest value, not "no more than 14 digits in total".
            raise serializers.ValidationError(
                _("The largest value allowed is %(max)s.") % {"max": f"{self.max_value:,}"},
                code="max_value",
            )
        return super().to_internal_value(data)
