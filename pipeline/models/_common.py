"""Field options the domain models share: money amounts and their totals."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

    from accounts.models import User

M = TypeVar("M", bound=models.Model)


class DecimalOptions(TypedDict):
    """The precision options of a `DecimalField`, typed so `**MONEY` checks as keywords."""

    max_digits: int
    decimal_places: int


MONEY: DecimalOptions = {"max_digits": 14, "decimal_places": 2}


# Sums of MONEY values: room for ten billion deals at the largest value a deal may hold, so a
# total never overflows while the deals it adds up are valid (books in HUF or VND included).
MONEY_TOTAL: DecimalOptions = {"max_digits": 24, "decimal_places": 2}


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def owner_field(related_name: str) -> models.ForeignKey[User, User]:
    """The user a record belongs to: required, and a user who owns records is not deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name=related_name,
    )


def owner_field_optional(related_name: str) -> models.ForeignKey[User | None, User | None]:
    """An owner a shared record may lack (contacts: anyone may edit an unowned one)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name=related_name,
        null=True,
        blank=True,
    )


def optional_link(
    to: type[M], verbose_name: StrOrPromise, related_name: str
) -> models.ForeignKey[M | None, M | None]:
    """An optional link to a deal, contact or other record that stays while it is linked."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name=related_name,
        null=True,
        blank=True,
    )
