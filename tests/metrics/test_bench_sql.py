"""bench/metrics.py's hand-written SQL agrees with the ORM selectors on the hand-made history
(so the benchmark compares the same figures)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.db import connection

from metrics.selectors.report import metrics_report
from metrics.selectors.scope import scope_build
from tests.metrics.conftest import PERIOD

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench SQL is PostgreSQL"),
]


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "metrics.py"
    spec = importlib.util.spec_from_file_location("bench_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hand_written_sql_matches_the_orm(history, sales, rep, team_a):
    bench = _bench()
    for kw in ({}, {"owner": rep}, {"team": team_a}):
        scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], **kw)
        sql = bench.hand_report(scope)
        assert bench.compare(metrics_report(scope), sql) == []
    # And it is not vacuous: the hand-written figures are the hand-worked ones.
    sql = bench.hand_report(scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1]))
    assert (sql["won_count"], sql["lost_count"], sql["funnel"]) == (4, 2, [7, 5, 4, 3])


def test_hand_written_sql_for_every_scope_matches_the_nightly_reports(
    history, sales, team_a, team_b
):
    import datetime

    from metrics.selectors.report import metrics_reports
    from metrics.services import _scopes

    bench = _bench()
    as_of = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    scopes = [s for s, _o, _t in _scopes(sales, PERIOD[1], as_of)]
    sql = bench.hand_reports(scopes[0], scopes)
    for scope, report in zip(scopes, metrics_reports(scopes[0], scopes), strict=True):
        assert bench.compare(report, sql[scope.key]) == [], scope.key
