"""The fields the API's serializers share: related records through visibility selectors,
money, currency codes and the version a client read."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from pipeline.api.fields import (
    MoneyInputField,
    VisibleRelatedField,
)
from pipeline.models import (
    Deal,
    LostReason,
    Organization,
    Person,
    Stage,
)
from pipeline.selectors import visibility

MAX_VALUE = Decimal("999999999999.99")


def users(user: User):  # noqa: ANN202 - a queryset
    return User.objects.all()


def stages(user: User):  # noqa: ANN202
    return Stage.objects.select_related("pipeline")


def lost_reasons(user: User):  # noqa: ANN202
    return LostReason.objects.all()


def user_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=users, model=User, **kw)


def org_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(
        selector=visibility.organization_list_visible, model=Organization, **kw
    )


def person_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=visibility.person_list_visible, model=Person, **kw)


def deal_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=visibility.deal_list_visible, model=Deal, **kw)


def stage_field(**kw) -> VisibleRelatedField:
    return VisibleRelatedField(selector=stages, model=Stage, **kw)


def money_field(**kw) -> serializers.DecimalField:
    # Responses: a decimal string. Requests: a decimal string or a JSON number.
    cls = serializers.DecimalField if kw.get("read_only") else MoneyInputField
    return cls(max_digits=14, decimal_places=2, min_value=Decimal("0"), max_value=MAX_VALUE, **kw)


def currency_field(**kw) -> serializers.RegexField:
    return serializers.RegexField(
        r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("Use a three-letter currency code such as EUR.")},
        **kw,
    )


def version_field() -> serializers.IntegerField:
    """The deal's version as the client read it: required wherever a client writes a deal, so
    optimistic locking is never switched off by leaving it out."""
    return serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The deal's version as the client last read it (optimistic locking)."),
        error_messages={
            "required": _(
                "Send the deal's version as you last read it; it keeps you from overwriting "
                "someone else's change."
            )
        },
    )
