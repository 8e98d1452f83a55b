"""Nightly snapshots: what is stored, and that recomputing a day replaces, never duplicates."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from metrics.models import MetricSnapshot
from metrics.services import snapshots_compute
from metrics.tasks import compute_nightly_metrics

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 31)


def _value(scope_key: str, metric: str):
    return MetricSnapshot.objects.get(date=DAY, scope_key=scope_key, metric=metric).value


def test_snapshot_rows_per_scope(history, sales, rep, teammate, outsider, team_a, team_b):
    written = snapshots_compute(day=DAY, pipeline=sales)
    keys = set(MetricSnapshot.objects.values_list("scope_key", flat=True))
    # Everyone, the two teams and the three owners with deals in the pipeline.
    assert keys == {
        "all",
        f"team:{team_a.pk}",
        f"team:{team_b.pk}",
        f"owner:{rep.pk}",
        f"owner:{teammate.pk}",
        f"owner:{outsider.pk}",
    }
    assert written == MetricSnapshot.objects.count()
    # The period is the 90 days ending on DAY: 2026-01-01 … 2026-03-31 (as in test_report).
    assert _value("all", "won_count") == 4 and _value("all", "win_rate") == 0.6667
    assert _value("all", "won_value") == 6000
    assert _value(f"owner:{rep.pk}", "won_count") == 3
    assert _value(f"team:{team_a.pk}", "lost_count") == 2
    assert _value("all", "stale_counts")["total"] == 2
    row = MetricSnapshot.objects.get(date=DAY, scope_key=f"owner:{rep.pk}", metric="won_count")
    assert (row.scope_kind, row.owner_id, row.team_id) == ("owner", rep.pk, None)


def test_recompute_replaces_rows(history, sales, stages, rep):
    first = snapshots_compute(day=DAY, pipeline=sales)
    ids = set(MetricSnapshot.objects.values_list("pk", flat=True))
    # A scope that no longer exists disappears on recompute; the others are updated in place.
    MetricSnapshot.objects.create(
        date=DAY, pipeline=sales, scope_kind="owner", scope_key="owner:999", metric="won_count"
    )
    second = snapshots_compute(day=DAY, pipeline=sales)
    assert first == second == MetricSnapshot.objects.count()
    assert set(MetricSnapshot.objects.values_list("pk", flat=True)) == ids
    assert not MetricSnapshot.objects.filter(scope_key="owner:999").exists()


def test_task_runs_eagerly_with_an_explicit_date(history, sales):
    rows = compute_nightly_metrics.delay(DAY.isoformat()).get()
    assert rows == MetricSnapshot.objects.filter(date=DAY).count() > 0
    assert _value("all", "lost_count") == 2


def test_compute_metrics_command(history, sales):
    out = StringIO()
    call_command("compute_metrics", "--date", "2026-03-31", stdout=out)
    assert "metric rows for 2026-03-31" in out.getvalue()
    assert _value("all", "won_count") == 4
    with pytest.raises(CommandError, match="is not a date"):
        call_command("compute_metrics", "--date", "yesterday", stdout=StringIO())


def test_beat_schedules_the_nightly_recompute():
    from config.celery import app

    entry = app.conf.beat_schedule["compute-nightly-metrics"]
    assert entry["task"] == compute_nightly_metrics.name
    assert entry["options"]["expires"] < 24 * 3600
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
