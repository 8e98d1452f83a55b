"""Presentation helpers for money, dates and deal cards. No business rules here."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Context, Decimal

from django import template
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from shared import dates
from shared.money import Converted, format_money

register = template.Library()


@register.filter
def money(value: Decimal | int | None, currency: str = "") -> str:
    """12500.5 with EUR → '€12,500.50' in English, '12 500,50 €' in Finnish."""
    return _money(value, currency, whole=False)


@register.filter
def money_whole(value: Decimal | int | None, currency: str = "") -> str:
    """Rounded to whole units, for totals in headers: '€206,980', '206 980 €'."""
    return _money(value, currency, whole=True)


def money_formatter():  # noqa: ANN201 - returns a formatting function
    """A money formatter bound to the active language, for formatting many amounts in one
    request (the board) without looking the language up for each. Formats follow the locale's
    conventions (see `shared.money.format_money`)."""
    language = translation.get_language() or settings.LANGUAGE_CODE

    def fmt(value: Decimal | int | None, currency: str, whole: bool = False) -> str:
        return format_money(value, currency, language, whole=whole)

    return fmt


def _money(value: Decimal | int | None, currency: str, *, whole: bool) -> str:
    return money_formatter()(value, currency, whole)


@register.filter
def days_since(value: datetime.datetime | None) -> int:
    """Days in stage as the board counts them (`shared.dates.days_in_stage`)."""
    return dates.days_in_stage(value, timezone.now())


@register.filter
def is_rotting(deal) -> bool:  # noqa: ANN001 - a Deal with its stage loaded
    days = deal.stage.rotting_days
    return bool(days) and deal.status == "open" and days_since(deal.stage_entered_at) > days


@register.filter
def due_state(date: datetime.date | None) -> str:
    """'overdue', 'today', 'future' or '' for a due date."""
    if date is None:
        return ""
    today = timezone.localdate()
    if date < today:
        return "overdue"
    if date == today:
        return "today"
    return "future"


# --- Converted totals say how they were made --------------------------------------------------


@register.filter
def rate_text(rate: Decimal) -> str:
    """A rate in the locale's decimal separator: six significant digits below 1 (0.0025,
    0.00271739), six decimals up to 1000 (1.086957), cents above (27000.27)."""
    rate = Decimal(rate)
    if rate < 1:
        rate = Context(prec=6, rounding=ROUND_HALF_UP).plus(rate)
    elif rate < 1000:
        rate = rate.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    else:
        rate = rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = format(rate.normalize(), "f")
    return formats.number_format(Decimal(text), use_l10n=True)


def _date_text(day: datetime.date) -> str:
    """A rate's date as the pages write dates ("Nov 20, 2026", "2026. nov. 20.")."""
    return dates.format_day(day, "medium")


@register.filter
def conversion_lines(total: Converted | None) -> list[str]:
    """One line per converted currency: 'incl. $1,200 at 0.92 (rate of 20 Nov 2026)'."""
    if total is None:
        return []
    fmt = money_formatter()
    lines = []
    for part in total.parts:
        params = {
            "amount": fmt(part.amount, part.currency),
            "rate": rate_text(part.rate),
            "date": _date_text(part.rate_date) if part.rate_date else "",
        }
        if part.rate_date:
            text = _("incl. %(amount)s at %(rate)s (rate of %(date)s)") % params
        else:
            text = _("incl. %(amount)s at %(rate)s") % params
        lines.append(text)
    return lines


@register.filter
def conversion_note(total: Converted | None) -> str:
    """The lines above as one tooltip text (newline separated)."""
    return "\n".join(conversion_lines(total))


# --- Dates from CLDR in the active language (shared.dates) ---------------------------------


@register.filter
def ldate(value: datetime.date | datetime.datetime | None, style: str = "medium") -> str:
    """`{{ deal.closed_at|ldate }}` → 'Dec 3, 2026', '2026. dec. 3.'; styles in
    `shared.dates.STYLES` ('day' for 'Dec 3', 'weekday' for 'Thu, Dec 3')."""
    return dates.format_day(value, style)


@register.filter
def ldatetime(value: datetime.datetime | None, style: str = "medium") -> str:
    """`{{ e.when|ldatetime }}` → 'Dec 3, 2026, 2:53 PM', '2026. dec. 3. 14:53'."""
    return dates.format_moment(value, style)


@register.filter
def ltime(value: datetime.time | datetime.datetime | None) -> str:
    """`{{ a.due_time|ltime }}` → '2:53 PM', '14:53', '14.53'."""
    return dates.format_clock(value)


@register.filter
def lmonth(value: datetime.date | str | None, style: str = "month") -> str:
    """`{{ m.month|lmonth }}` (a date or '2026-12') → 'December 2026', '2026年12月'."""
    return dates.format_month(value, style)


@register.filter
def lrelday(value: datetime.date | datetime.datetime | None) -> str:
    """`{{ a.due_date|lrelday }}` → 'today', 'yesterday', 'in 3 days', '3 days ago'."""
    return dates.relative_day(value)


@register.filter
def lsince(value: datetime.datetime | None) -> str:
    """`{{ t.last_used_at|lsince }}` → 'just now', '2 minutes ago', '3 days ago'."""
    return dates.relative_time(value)
