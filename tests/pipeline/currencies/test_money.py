"""Rounding, conversion and locale formats of money (issue 10), with hand-worked numbers."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from pipeline.templatetags.crm import money_formatter
from shared.money import NBSP, Rate, convert, format_money, round_money

D = Decimal
DAY = datetime.date(2026, 11, 20)
RATES = {"USD": Rate("USD", D("0.92"), DAY), "HUF": Rate("HUF", D("0.0025"), DAY)}


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1234.5", "HUF", "1235"),  # no minor unit in practice: half up to whole forints
        ("1234.49", "VND", "1234"),
        ("99.5", "JPY", "100"),
        ("10.005", "EUR", "10.01"),  # half up, not banker's rounding
        ("10.004", "USD", "10.00"),
        ("1.0005", "KWD", "1.001"),  # three minor units
    ],
)
def test_round_money_uses_the_currency_minor_unit(amount, currency, expected):
    assert round_money(D(amount), currency) == D(expected)


def test_convert_to_the_base_sums_rounded_parts_and_keeps_rateless_apart():
    # 1,200 USD × 0.92 = 1,104.00 EUR; 250,000 HUF × 0.0025 = 625.00 EUR;
    # 1,000 + 1,104 + 625 = 2,729.00 EUR. GBP has no rate: apart, not in the sum.
    amounts = {"EUR": D("1000"), "USD": D("1200"), "HUF": D("250000"), "GBP": D("300")}
    total = convert(amounts, to="EUR", base="EUR", rates=RATES)
    assert total.amount == D("2729.00")
    assert total.own == D("1000.00")
    assert [(p.currency, p.converted, p.rate, p.rate_date) for p in total.parts] == [
        ("HUF", D("625.00"), D("0.0025"), DAY),
        ("USD", D("1104.00"), D("0.92"), DAY),
    ]
    assert total.unconverted == [("GBP", D("300"))]


def test_convert_to_another_currency_goes_through_the_base():
    # To USD: 1,000 EUR / 0.92 = 1,086.956… → 1,086.96; 250,000 HUF × 0.0025 / 0.92
    # = 625 / 0.92 = 679.347… → 679.35; plus the 1,200 USD: 2,966.31 USD.
    amounts = {"EUR": D("1000"), "USD": D("1200"), "HUF": D("250000")}
    total = convert(amounts, to="USD", base="EUR", rates=RATES)
    assert total.amount == D("2966.31")
    assert {p.currency: p.converted for p in total.parts} == {
        "EUR": D("1086.96"),
        "HUF": D("679.35"),
    }


def test_convert_to_forints_rounds_to_whole_forints():
    # 333.33 USD × 0.92 = 306.6636 EUR; / 0.0025 = 122,665.44 HUF → 122,665 HUF.
    total = convert({"USD": D("333.33")}, to="HUF", base="EUR", rates=RATES)
    assert total.amount == D("122665")


def test_convert_to_a_currency_without_rate_converts_nothing():
    total = convert({"EUR": D("10"), "GBP": D("5")}, to="GBP", base="EUR", rates=RATES)
    assert total.amount == D("5.00")
    assert total.unconverted == [("EUR", D("10"))]


@pytest.mark.parametrize(
    ("language", "value", "currency", "expected"),
    [
        ("hu", "1234567", "HUF", f"1{NBSP}234{NBSP}567{NBSP}Ft"),
        ("ms", "1234.50", "MYR", "RM 1,234.50"),
        ("vi", "1234567", "VND", f"1.234.567{NBSP}₫"),
        ("fi", "1234.50", "EUR", f"1{NBSP}234,50{NBSP}€"),
        ("zh-hans", "1234.50", "CNY", "¥1,234.50"),
        ("en", "1234.5", "USD", "$1,234.50"),
        ("en", "1200", "EUR", "€1,200"),
        ("en", "-1234.5", "GBP", "-£1,234.50"),
        ("hu", "1234567.6", "HUF", f"1{NBSP}234{NBSP}568{NBSP}Ft"),  # forints are whole
        ("fi", "1234.50", "SEK", f"1{NBSP}234,50{NBSP}SEK"),  # no symbol: the code
        ("en", "1234.50", "SEK", "SEK 1,234.50"),
    ],
)
def test_format_money_follows_the_locale(language, value, currency, expected):
    assert format_money(D(value), currency, language) == expected


@pytest.mark.parametrize(
    ("language", "value", "currency", "expected"),
    [
        ("hu", "1234567", "HUF", "1 234 567 Ft"),
        ("ms", "1234.50", "MYR", "RM 1,234.50"),
        ("vi", "1234567", "VND", "1.234.567 ₫"),
        ("fi", "1234.50", "EUR", "1 234,50 €"),
        ("zh-hans", "1234.50", "CNY", "¥1,234.50"),
    ],
)
def test_the_money_filter_and_board_formatter_follow_the_active_language(
    language, value, currency, expected
):
    """The issue's examples, written with plain spaces (we print non-breaking ones)."""
    with translation.override(language):
        rendered = Template("{% load crm %}{{ v|money:c }}").render(
            Context({"v": D(value), "c": currency})
        )
        from_board = money_formatter()(D(value), currency)
    assert rendered.replace(NBSP, " ") == expected
    assert from_board.replace(NBSP, " ") == expected


def test_whole_rounds_half_up():
    assert format_money(D("206980.50"), "EUR", "en", whole=True) == "€206,981"
