"""The dashboard reads the nightly figures when they apply (issue 7: "dashboards read
precomputed figures instantly"), and computes live otherwise."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from metrics.selectors.report import metrics_report
from metrics.selectors.scope import scope_build
from metrics.selectors.snapshots import decode_report, encode_report, report_from_snapshot
from metrics.services import snapshots_compute
from pipeline import services
from pipeline.services.currencies import currency_set_rate
from tests.metrics.conftest import at

pytestmark = pytest.mark.django_db

# The hand-made history's period (tests/metrics/conftest.py) ends on this day, a Tuesday.
NIGHT = datetime.date(2026, 3, 31)


def test_the_stored_report_comes_back_equal_to_the_live_one(history, sales, rep):
    with at("2026-04-01"):
        live = metrics_report(scope_build(pipeline=sales, start=NIGHT.replace(day=1), end=NIGHT))
        assert decode_report(encode_report(live)) == live
        snapshots_compute(day=NIGHT, pipeline=sales)
        for owner in (None, rep):
            scope = scope_build(
                pipeline=sales,
                start=datetime.date(2026, 1, 1),
                end=NIGHT,
                owner=owner,
            )
            stored, computed_at = report_from_snapshot(scope)
            assert stored == metrics_report(scope)
            assert computed_at.date() == datetime.date(2026, 4, 1)


def test_dashboard_shows_last_nights_figures_until_dates_are_chosen(
    client, history, sales, stages, admin, rep
):
    url = reverse("metrics:dashboard")
    client.force_login(admin)
    with at("2026-04-01"):
        snapshots_compute(day=NIGHT, pipeline=sales)  # what beat runs after midnight
        # A deal won after the night's run: not in the stored figures yet.
        late = services.deal_create(actor=rep, title="Late win", pipeline_stage=stages[0])
        services.deal_win(deal=late, expected_version=1, actor=rep)

        page = client.get(url, {"pipeline": sales.pk})
        assert page.context["scope"].end == NIGHT  # the stored period: 90 days to last night
        assert page.context["computed_at"] is not None
        assert page.context["r"]["won_count"] == 4  # D1, D2, D4, D6: as stored
        assert "Stored figures, computed on Apr 1, 2026" in page.content.decode()

        # Any chosen period is computed live, and sees the late win (closed on 2026-04-01).
        live = client.get(url, {"pipeline": sales.pk, "start": "2026-01-02", "end": "2026-04-01"})
        assert live.context["computed_at"] is None
        assert live.context["r"]["won_count"] == 5  # D1, D2, D4, D6 and the late win
        assert "Computed live for this period." in live.content.decode()


def test_a_rate_changed_since_the_night_means_live_figures(client, history, sales, admin):
    client.force_login(admin)
    with at("2026-04-01"):
        currency_set_rate(code="USD", rate="0.90", rate_date=datetime.date(2026, 3, 1), actor=admin)
        snapshots_compute(day=NIGHT, pipeline=sales)
        stored = client.get(reverse("metrics:dashboard"), {"pipeline": sales.pk})
        assert stored.context["computed_at"] is not None
        currency_set_rate(
            code="USD", rate="0.80", rate_date=datetime.date(2026, 3, 31), actor=admin
        )
        page = client.get(reverse("metrics:dashboard"), {"pipeline": sales.pk})
    assert page.context["computed_at"] is None
    # D6 (6,000 USD, won in the period) now at 0.80: 1,000 + 3,000 + 2,000 + 4,800 EUR.
    assert page.context["r"]["won_value"] == 10800


def test_a_managers_own_view_is_live_but_their_team_is_stored(
    client, history, sales, manager, team_a
):
    client.force_login(manager)
    with at("2026-04-01"):
        snapshots_compute(day=NIGHT, pipeline=sales)
        # "Deals you may see" is not a stored scope (it is the manager's own mix) ...
        mine = client.get(reverse("metrics:dashboard"), {"pipeline": sales.pk})
        # ... their team is.
        team = client.get(reverse("metrics:dashboard"), {"pipeline": sales.pk, "team": team_a.pk})
    assert mine.context["computed_at"] is None
    assert team.context["computed_at"] is not None
    assert team.context["scope"].end == NIGHT
