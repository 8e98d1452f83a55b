"""Board column totals convert to the base (or the user's display currency) at the stored
rates and say so; a currency without a rate is shown apart (issue 10)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import user_set_preferences
from pipeline import services
from pipeline.selectors.board import BoardFilters, board_columns
from shared.money import NBSP

pytestmark = pytest.mark.django_db


def _header(client, stage):
    html = client.get(reverse("pipeline:board", args=[stage.pipeline_id])).content.decode()
    return re.search(rf'id="column-header-{stage.pk}".*?</header>', html, re.S).group(0)


def test_selector_converts_each_column_to_the_base(mixed_column, rep):
    col = board_columns(pipeline=mixed_column.pipeline, user=rep, filters=BoardFilters())[0]
    # 1,000 EUR + 1,200 × 0.92 + 250,000 × 0.0025 = 1,000 + 1,104 + 625 = 2,729.00 EUR.
    assert (col.total.currency, col.total.amount) == ("EUR", Decimal("2729.00"))
    assert col.total.unconverted == [("GBP", Decimal("300.00"))]
    # Weighted at 10 %: 100 EUR + 120 USD (110.40 EUR) + 25,000 HUF (62.50 EUR) = 272.90 EUR.
    assert col.weighted_total.amount == Decimal("272.90")
    # The per-currency sums are still there, unmixed.
    assert col.value.amounts["HUF"] == Decimal("250000")


def test_header_says_what_was_converted_at_which_rate(client, mixed_column, rep):
    client.force_login(rep)
    header = _header(client, mixed_column)
    assert "€2,729" in header
    assert "Weighted €273" in header
    assert "incl. $1,200 at 0.92 (rate of Nov 20, 2026)" in header
    assert "incl. Ft 250,000 at 0.0025 (rate of Nov 20, 2026)" in header
    # GBP has no rate: shown apart, with a reason, and never summed.
    assert "+ £300" in header and "No exchange rate for GBP" in header


def test_without_any_rate_nothing_is_converted(client, make_deal, stages, rep, admin, usd):
    make_deal(value=Decimal("1000"), currency="EUR")
    make_deal(value=Decimal("500"), currency="USD")
    client.force_login(rep)
    header = _header(client, stages[0])
    assert "€1,000" in header and "+ $500" in header and "incl." not in header


def test_a_rep_sees_totals_in_the_currency_they_pick(client, mixed_column, rep):
    user_set_preferences(user=rep, actor=rep, display_currency="USD")
    client.force_login(rep)
    header = _header(client, mixed_column)
    # 1,200 USD + 1,000 / 0.92 (1,086.96) + 625 / 0.92 (679.35) = 2,966.31 → $2,966.
    assert "$2,966" in header
    assert "incl. €1,000 at 1.086957 (rate of Nov 20, 2026)" in header


def test_totals_in_forints_in_hungarian(client, mixed_column, rep):
    user_set_preferences(user=rep, actor=rep, display_currency="HUF", language="hu")
    client.force_login(rep)
    header = _header(client, mixed_column).replace(NBSP, " ")
    # 250,000 + 1,000 / 0.0025 (400,000) + 1,200 × 0.92 / 0.0025 (441,600) = 1,091,600 HUF.
    assert "1 091 600 Ft" in header


def test_query_count_does_not_grow_with_currencies(client, make_deal, stages, admin, rep):
    client.force_login(rep)
    make_deal(value=Decimal("10"), currency="EUR")
    url = reverse("pipeline:board", args=[stages[0].pipeline_id])
    client.get(url)  # the first request after logging in also touches the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i, code in enumerate(("USD", "HUF", "JPY", "VND", "MYR", "CNY")):
        services.currency_enable(code=code, actor=admin)
        services.currency_set_rate(code=code, rate="0.5", actor=admin)
        make_deal(value=Decimal("100"), currency=code, stage=stages[i % len(stages)])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
