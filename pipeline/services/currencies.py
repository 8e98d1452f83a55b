"""Currencies an admin maintains: which are enabled and their rate to the base currency, with
the date each rate was set. Deals keep their own currency and value; these rates
only convert totals for display, and every converted total names the rate it used."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from shared.errors import NotAllowed, NotVisible, RuleViolation
from shared.models import Currency
from shared.numbers import non_ascii_digits, non_ascii_digits_message

_MAX_RATE = Decimal("1e9")


def _check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(_("Only an admin can change currencies and exchange rates."))


def _clean_code(raw: object) -> str:
    code = str(raw or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise RuleViolation(
            _("A currency is a three-letter ISO 4217 code such as EUR, USD or HUF.")
        )
    if code == settings.DEFAULT_CURRENCY:
        raise RuleViolation(
            _("%(code)s is the base currency: it is always enabled and its rate is 1.")
            % {"code": code}
        )
    return code


def _clean_rate(raw: object) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if non_ascii_digits(text):
        raise RuleViolation(non_ascii_digits_message(text))
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise RuleViolation(_("The rate must be a number, such as 0.92 or 385.5.")) from None
    if not rate.is_finite() or rate <= 0 or rate >= _MAX_RATE:
        raise RuleViolation(_("The rate must be a positive number below one billion."))
    rate = rate.quantize(Decimal("1e-10"))
    if rate <= 0:
        raise RuleViolation(_("The rate is too small: use at most ten decimal places."))
    return rate


@transaction.atomic
def currency_enable(*, code: str, actor: User) -> Currency:
    """Enable a currency (create it without a rate, or re-enable it). Idempotent."""
    _check_admin(actor)
    code = _clean_code(code)
    currency, created = Currency.objects.select_for_update().get_or_create(
        code=code, defaults={"updated_by": actor}
    )
    if not created and not currency.is_enabled:
        currency.is_enabled = True
        currency.updated_by = actor
        currency.save(update_fields=["is_enabled", "updated_by", "updated_at"])
    return currency


@transaction.atomic
def currency_set_rate(
    *, code: str, rate: object, rate_date: datetime.date | None = None, actor: User
) -> Currency:
    """Set the rate of an enabled currency: one `code` is worth `rate` base units, as of
    `rate_date` (today when not given; a future date is refused)."""
    _check_admin(actor)
    code = _clean_code(code)
    value = _clean_rate(rate)
    today = timezone.localdate()
    rate_date = rate_date or today
    if rate_date > today:
        raise RuleViolation(_("The rate date cannot be in the future."))
    currency = Currency.objects.select_for_update().filter(code=code).first()
    if currency is None or not currency.is_enabled:
        raise NotVisible(_("%(code)s is not an enabled currency.") % {"code": code})
    currency.rate = value
    currency.rate_date = rate_date
    currency.updated_by = actor
    currency.save(update_fields=["rate", "rate_date", "updated_by", "updated_at"])
    return currency


@transaction.atomic
def currency_disable(*, code: str, actor: User) -> Currency:
    """Disable a currency: its rate is kept but no longer used, so its deals are shown apart
    in totals again. Deals in it keep their currency and value."""
    _check_admin(actor)
    code = _clean_code(code)
    currency = Currency.objects.select_for_update().filter(code=code).first()
    if currency is None:
        raise NotVisible(_("%(code)s is not an enabled currency.") % {"code": code})
    if currency.is_enabled:
        currency.is_enabled = False
        currency.updated_by = actor
        currency.save(update_fields=["is_enabled", "updated_by", "updated_at"])
    return currency
