"""What the dashboard page says (issue 16, item 14): per-rep names, overdue forecast months,
the won drill-down's order and total, and why the funnel's "won" and per-rep "won" differ.
The history is tests/metrics/conftest.py's (D1…D9); expected values worked out from it."""

from __future__ import annotations

import csv as csvlib
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.metrics.conftest import at

pytestmark = pytest.mark.django_db

Q1 = {"start": "2026-01-01", "end": "2026-03-31"}


def _get(client, user, name="metrics:dashboard", **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def _rows(html: str, caption: str) -> list[str]:
    """The row headers of the table whose caption (or nearest h2) is `caption`."""
    part = html[html.index(caption) :]
    part = part[: part.index("</table>")]
    return [
        re.sub(r"<[^>]+>", "", m).strip()
        for m in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', part, re.S)
    ]


def test_per_rep_rows_show_full_names(client, history, sales, manager):
    html = _get(client, manager, pipeline=sales.pk, **Q1).content.decode()
    # Mona's team closed deals: rita (D1, D2, D6 won) and tom (D4 won; D3, D8 lost).
    assert _rows(html, "&export=reps") == ["Rita Rep", "Tom Teammate"]


def test_forecast_marks_past_months_overdue(client, history, sales, admin):
    # D5 (open, expected to close 2026-04-15) is the only dated open deal.
    with at("2026-03-20"):
        html = _get(client, admin, pipeline=sales.pk, **Q1).content.decode()
    assert _rows(html, "Weighted open pipeline by expected close month")[0] == "April 2026"
    with at("2026-05-02"):
        html = _get(client, admin, pipeline=sales.pk, **Q1).content.decode()
    assert _rows(html, "Weighted open pipeline by expected close month")[0] == (
        "April 2026 Overdue"
    )
    assert "Overdue: open deals whose expected close date is in a month already past" in html


def test_won_drilldown_is_sorted_by_close_date_with_a_total(client, history, sales, manager):
    page = _get(client, manager, "metrics:drilldown", pipeline=sales.pk, figure="won", **Q1)
    # Won in Q1 among Mona's team: D4 (closed 03-02), D6 (02-01), D2 (01-25), D1 (01-11);
    # by creation it would be D4, D2, D1, D6 (D6 was created in December).
    assert [d.pk for d in page.context["deals"]] == [
        history[k].pk for k in ("D4", "D6", "D2", "D1")
    ]
    # Total in EUR: D1 1000 + D2 3000 + D4 2000; D6 (6000 USD, no rate) is left out.
    assert page.context["totals"]["value"] == Decimal("6000.00")
    assert page.context["totals"]["unconverted"] == 1
    html = page.content.decode()
    assert "Total of 4 deals" in html and "€6,000" in html
    assert "1 deal in a currency without a rate is left out of the total." in html
    csv = _get(
        client, manager, "metrics:drilldown", pipeline=sales.pk, figure="won", export="csv", **Q1
    )
    rows = list(csvlib.reader(io.StringIO(csv.content.decode())))
    ids = [row[0] for row in rows[1:]]
    assert ids == [str(history[k].pk) for k in ("D4", "D6", "D2", "D1")]


def test_funnel_and_per_rep_won_say_why_they_differ(client, history, sales, manager):
    html = _get(client, manager, pipeline=sales.pk, **Q1).content.decode()
    assert "The funnel follows the deals created in the period" in html
    assert "Deals won or lost in the period, whenever they were created" in html


def test_week_labels_do_not_wrap_and_trends_take_the_whole_row(client, history, sales, manager):
    html = _get(client, manager, pipeline=sales.pk, **Q1).content.decode()
    assert '<section class="dash-card wide">\n    <h2>Weekly trends' in html
    trends = html[html.index("Weekly figures") :]
    assert '<th scope="row" class="nowrap">Jan 12</th>' in trends
