"""The largest values a deal may hold never overflow a sum (issue 15, item 6).

PostgreSQL enforces numeric precision (SQLite does not), so these run there; CI sets
DATABASE_URL to PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from pipeline.models import Deal, StageTotal
from pipeline.services.currencies import currency_enable
from pipeline.services.totals import stage_totals_rebuild

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite does not enforce numeric precision"
    ),
]

BIG = "999999999999.99"  # the largest value the API contract allows


def _totals() -> list[tuple]:
    return sorted(
        StageTotal.objects.filter(open_count__gt=0).values_list(
            "stage_id", "owner_id", "currency", "open_count", "open_value"
        )
    )


def test_totals_of_the_largest_deals_do_not_overflow(api_rep, client, rep, admin, stages):
    currency_enable(code="HUF", actor=admin)
    for value in ("600000000000", "600000000000", BIG):
        r = api_rep.post(
            "/api/deals/",
            {"title": "Big", "stage": stages[0].pk, "value": value, "currency": "HUF"},
            format="json",
        )
        assert r.status_code == 201, r.content
    other = api_rep.post(
        "/api/deals/", {"title": "EUR", "stage": stages[0].pk, "value": BIG}, format="json"
    ).json()
    # A currency change moves a large deal into the large HUF total.
    r = api_rep.patch(
        f"/api/deals/{other['id']}/",
        {"currency": "HUF", "version": other["version"]},
        format="json",
    )
    assert r.status_code == 200, r.content
    expected = Decimal("1200000000000") + 2 * Decimal(BIG)
    assert _totals() == [(stages[0].pk, rep.pk, "HUF", 4, expected)]
    # A move of them all into one stage, and the board that shows the column total.
    for deal in Deal.objects.all():
        r = api_rep.post(
            f"/api/deals/{deal.pk}/move/",
            {"stage": stages[1].pk, "version": deal.version},
            format="json",
        )
        assert r.status_code == 200, r.content
    assert _totals() == [(stages[1].pk, rep.pk, "HUF", 4, expected)]
    client.force_login(rep)
    assert client.get(reverse("pipeline:board", args=[stages[0].pipeline_id])).status_code == 200
    # The recount agrees with the running totals.
    stage_totals_rebuild()
    assert _totals() == [(stages[1].pk, rep.pk, "HUF", 4, expected)]
