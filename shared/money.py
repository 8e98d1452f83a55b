"""Money without business rules: rounding per currency, converting a per-currency
`Money` to one currency at stored rates, and formatting amounts for a locale.

Everything is Decimal. A sum never mixes currencies: conversion happens first, at a rate that
is shown next to the total, and a currency without a rate is kept apart, never summed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

# ISO 4217 minor units where they differ from 2, plus currencies that have cents on paper but
# none in practice (HUF, VND: prices, invoices and deals are whole units).
_MINOR_UNITS = {
    "HUF": 0,
    "VND": 0,
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "IDR": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit: 1234.5 HUF → 1235; 10.005 EUR → 10.01."""
    exp = Decimal(1).scaleb(-minor_units(currency))
    return Decimal(amount).quantize(exp, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rate:
    """One unit of `code` is worth `rate` units of the base currency, as set on `date`."""

    code: str
    rate: Decimal
    date: datetime.date | None


@dataclass(frozen=True)
class Part:
    """One currency's share of a converted total: `amount` in `currency`, worth `converted`
    in the target currency at `rate` (target units per unit of `currency`)."""

    currency: str
    amount: Decimal
    converted: Decimal
    rate: Decimal
    rate_date: datetime.date | None


@dataclass
class Converted:
    """A total in one currency, with how it was made: `parts` were converted at the stored
    rates (the target currency's own amount is not a part), `unconverted` have no rate and
    are NOT in `amount`."""

    currency: str
    amount: Decimal = Decimal("0")
    own: Decimal = Decimal("0")
    parts: list[Part] = field(default_factory=list)
    unconverted: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def is_mixed(self) -> bool:
        return bool(self.parts or self.unconverted)


CROSS_RATE_DIGITS = 12


def cross_rate(source: Decimal, target: Decimal) -> Decimal:
    """Units of T per unit of X, from X's and T's rates against the base: rate(X) / rate(T) to
    12 significant digits (the stored rates have at most 10 decimal places), so the rate a page
    shows is the very rate the amounts were converted at."""
    return Context(prec=CROSS_RATE_DIGITS, rounding=ROUND_HALF_EVEN).divide(source, target)


def rates_to(to: str, *, base: str, rates: Mapping[str, Rate]) -> dict[str, Rate]:
    """Units of `to` per unit of each other currency that can be converted to it, by code.

    `rates` hold base units per unit of each currency (the base is implicitly 1). For the base
    itself those are the stored rates as they are; for another target T, X goes at
    `cross_rate(rate(X), rate(T))` and the base at 1 / rate(T), each dated with the older of the
    two rates involved (the base has no date). Empty when T itself has no rate.
    """
    if to == base:
        return {code: r for code, r in rates.items() if code != base}
    target = rates.get(to)
    if target is None:
        return {}
    out = {base: Rate(code=base, rate=cross_rate(Decimal(1), target.rate), date=target.date)}
    for code, r in rates.items():
        if code not in (to, base):
            dates = [d for d in (r.date, target.date) if d is not None]
            out[code] = Rate(
                code=code, rate=cross_rate(r.rate, target.rate), date=min(dates, default=None)
            )
    return out


def convert(
    amounts: Mapping[str, Decimal], *, to: str, base: str, rates: Mapping[str, Rate]
) -> Converted:
    """Convert per-currency `amounts` to `to` at `rates_to(to, …)`.

    Each part is rounded to T's minor unit and the total is the sum of the rounded parts, so
    the explanation adds up to the figure shown. If T itself has no rate, nothing but T's own
    amount can be converted.
    """
    to, base = to.upper(), base.upper()
    table = rates_to(to, base=base, rates=rates)
    out = Converted(currency=to)
    for currency, amount in sorted(amounts.items()):
        amount = Decimal(amount)
        if currency == to:
            out.own += amount
            continue
        if not amount:
            continue
        rate = table.get(currency)
        if rate is None:
            out.unconverted.append((currency, amount))
            continue
        out.parts.append(
            Part(
                currency=currency,
                amount=amount,
                converted=round_money(amount * rate.rate, to),
                rate=rate.rate,
                rate_date=rate.date,
            )
        )
    out.own = round_money(out.own, to)
    out.amount = out.own + sum((p.converted for p in out.parts), Decimal("0"))
    return out


# --- Formatting -------------------------------------------------------------------------------

NBSP = "\u00a0"

# Per language: thousands separator, decimal separator, and whether the symbol goes before the
# number. Hungarian and Finnish group with a non-breaking space (an amount never wraps).
_LOCALE_NUMBERS = {
    "en": (",", ".", True),
    "ms": (",", ".", True),
    "zh-hans": (",", ".", True),
    "hu": (NBSP, ",", False),
    "vi": (".", ",", False),
    "fi": (NBSP, ",", False),
}
_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "MYR": "RM",
    "HUF": "Ft",
    "VND": "₫",
}


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(groups)


def format_money(
    value: Decimal | int | None, currency: str, language: str, *, whole: bool = False
) -> str:
    """`1234567` HUF in hu → '1 234 567 Ft'; 1234.5 MYR in ms → 'RM 1,234.50';
    1234567 VND in vi → '1.234.567 ₫'; 1234.5 EUR in fi → '1 234,50 €';
    1234.5 CNY in zh-hans → '¥1,234.50'. Whole amounts drop their decimals ('€1,200')."""
    if value is None:
        return ""
    lang = (language or "en").lower()
    thousands, decimal_sep, prefix = _LOCALE_NUMBERS.get(
        lang, _LOCALE_NUMBERS.get(lang.split("-")[0], _LOCALE_NUMBERS["en"])
    )
    code = (currency or "").upper()
    amount = round_money(Decimal(value), code) if code else Decimal(value)
    if whole:
        amount = amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    places = 0 if amount == amount.to_integral_value() else max(minor_units(code), 2)
    if code and minor_units(code) == 0:
        places = 0
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):.{places}f}"
    digits, _, decimals = text.partition(".")
    number = _group(digits, thousands) + (decimal_sep + decimals if decimals else "")
    symbol = _SYMBOLS.get(code, code)
    if not symbol:
        return f"{sign}{number}"
    if prefix:
        gap = " " if symbol[-1].isalpha() else ""
        return f"{sign}{symbol}{gap}{number}"
    return f"{sign}{number}{NBSP}{symbol}"


def format_rate(rate: Decimal) -> str:
    """A rate without trailing zeros: 0.9200000000 → '0.92'."""
    text = f"{rate.normalize():f}"
    return text
