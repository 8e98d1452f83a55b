#!/usr/bin/env python
"""Benchmark: the nightly metrics recompute on PostgreSQL, against hand-written SQL.

    DATABASE_URL=postgres://…/empty_db DEBUG=1 .venv/bin/python bench/metrics.py [--deals N]

Seeds an empty database with `seed_demo --deals N` (default 1,000,000; use e.g. --deals 50000
for a quick run), or reuses one already seeded (--reuse). Then, in one process:

1. the full recompute (`metrics.services.snapshots_compute` for today: every active
   pipeline × everyone, each team, each owner), timed, with the Python heap peak
   (tracemalloc) and the process's peak RSS;
2. the same report for every one of those scopes through the ORM selectors, timed alone
   (without the snapshot upsert);
3. the same figures computed by hand-written SQL (one statement per group of figures, using
   PostgreSQL's own window and ordered-set aggregates), timed, and checked equal to the ORM's;
4. prints the ratio ORM ÷ hand-written SQL.

Targets (issue 7): recompute ≤ 60 s on 2 cores, ratio ≤ 1.5, worker memory ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from metrics.selectors.report import metrics_report  # noqa: E402
from metrics.services import _scopes, snapshots_compute  # noqa: E402
from pipeline.models import Deal, Pipeline, StageChange  # noqa: E402

OWNERS = "AND (%(owners)s::bigint[] IS NULL OR d.owner_id = ANY(%(owners)s::bigint[]))"
DAYS = "(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql.replace("{owners}", OWNERS), params)
        return cur.fetchall()


def hand_report(scope) -> dict:  # noqa: ANN001 - a metrics Scope
    """The figures of docs/metrics.md for one scope, in plain PostgreSQL."""
    p = {
        "p": scope.pipeline.pk,
        "s": scope.start_dt,
        "e": scope.end_dt,
        "asof": scope.as_of,
        "cur": settings.DEFAULT_CURRENCY,
        "owners": list(scope.owner_ids) if scope.owner_ids is not None else None,
        "idle": scope.as_of - datetime.timedelta(days=settings.STAGECOACH_IDLE_DAYS),
        "today": timezone.localtime(scope.as_of).date(),
        "year": scope.as_of - datetime.timedelta(days=365),
    }
    cycle = DAYS.format(end="closed_at", start="created_at")
    out: dict = {}
    (row,) = _rows(
        f"""
        SELECT count(*) FILTER (WHERE status = 'won'), count(*) FILTER (WHERE status = 'lost'),
               sum(value) FILTER (WHERE status = 'won' AND currency = %(cur)s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY value)
                   FILTER (WHERE status = 'won' AND currency = %(cur)s),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {cycle}) FILTER (WHERE status = 'won'),
               avg({cycle}) FILTER (WHERE status = 'won'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {cycle}) FILTER (WHERE status = 'lost')
        FROM pipeline_deal d
        WHERE pipeline_id = %(p)s AND status IN ('won', 'lost')
          AND closed_at >= %(s)s AND closed_at < %(e)s {{owners}}
        """,
        p,
    )
    won, lost, won_value, median_value, cycle_med, cycle_mean, lost_med = row
    out.update(
        won_count=won,
        lost_count=lost,
        won_value=won_value or Decimal("0"),
        median_won_value=median_value,
        cycle_won_median=cycle_med,
        cycle_won_mean=cycle_mean,
        cycle_lost_median=lost_med,
    )
    reach = _rows(
        """
        SELECT GREATEST(COALESCE(m.top, st.position), st.position), d.status, count(*)
        FROM pipeline_deal d JOIN pipeline_stage st ON st.id = d.stage_id
        LEFT JOIN LATERAL (
            SELECT max(s2.position) AS top FROM pipeline_stagechange c
            JOIN pipeline_stage s2 ON s2.id = c.to_stage_id WHERE c.deal_id = d.id
        ) m ON true
        WHERE d.pipeline_id = %(p)s AND d.created_at >= %(s)s AND d.created_at < %(e)s {owners}
        GROUP BY 1, 2
        """,
        p,
    )
    positions = _rows(
        "SELECT position FROM pipeline_stage WHERE pipeline_id = %(p)s AND is_active "
        "ORDER BY position",
        p,
    )
    out["funnel"] = [
        sum(n for pos, status, n in reach if status == "won" or pos >= position)
        for (position,) in positions
    ]
    stay = DAYS.format(end="nxt", start="timestamp")
    out["time_in_stage"] = {
        stage: (n, med)
        for stage, n, med in _rows(
            f"""
            WITH touched AS (
                SELECT DISTINCT c.deal_id FROM pipeline_stagechange c
                JOIN pipeline_deal d ON d.id = c.deal_id
                WHERE c.pipeline_id = %(p)s AND c.timestamp >= %(s)s AND c.timestamp < %(e)s
                {{owners}}
            ), stays AS (
                SELECT c.to_stage_id, c.to_status, c.timestamp,
                       lead(c.timestamp) OVER (PARTITION BY c.deal_id ORDER BY c.timestamp, c.id)
                           AS nxt
                FROM pipeline_stagechange c
                WHERE c.deal_id IN (SELECT deal_id FROM touched) AND c.timestamp < %(e)s
            )
            SELECT to_stage_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {stay})
            FROM stays WHERE to_status = 'open' AND nxt >= %(s)s AND nxt < %(e)s
            GROUP BY 1
            """,
            p,
        )
    }
    age = DAYS.format(end="%(asof)s::timestamptz", start="stage_entered_at")
    out["in_progress"] = {
        stage: (n, med)
        for stage, n, med in _rows(
            f"""
            SELECT stage_id, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {age})
            FROM pipeline_deal d
            WHERE pipeline_id = %(p)s AND status = 'open' AND parked_until IS NULL
              AND created_at < %(asof)s {{owners}}
            GROUP BY 1
            """,
            p,
        )
    }
    ((out["open_count"],),) = _rows(
        "SELECT count(*) FROM pipeline_deal d WHERE pipeline_id = %(p)s AND status = 'open' "
        "AND parked_until IS NULL {owners}",
        p,
    )
    weighted = Decimal("0")
    for _month, prob, total in _rows(
        """
        SELECT date_trunc('month', expected_close_date), st.win_probability, sum(d.value)
        FROM pipeline_deal d JOIN pipeline_stage st ON st.id = d.stage_id
        WHERE d.pipeline_id = %(p)s AND d.status = 'open' AND d.parked_until IS NULL
          AND d.currency = %(cur)s {owners}
        GROUP BY 1, 2
        """,
        p,
    ):
        weighted += total * prob / 100
    out["weighted_pipeline"] = weighted
    out["activities"] = dict(
        _rows(
            """
            SELECT a.type, count(*) FROM pipeline_activity a
            JOIN pipeline_deal d ON d.id = a.deal_id
            WHERE d.pipeline_id = %(p)s AND a.done_at >= %(s)s AND a.done_at < %(e)s
              AND a.type IN ('call', 'meeting', 'email', 'demo') {owners}
            GROUP BY 1
            """,
            p,
        )
    )
    ((top, total),) = _rows(
        """
        WITH per AS (
            SELECT organization_id, sum(value) AS t FROM pipeline_deal d
            WHERE pipeline_id = %(p)s AND status = 'won' AND currency = %(cur)s
              AND organization_id IS NOT NULL AND closed_at >= %(s)s AND closed_at < %(e)s
              {owners}
            GROUP BY 1
        ), ranked AS (
            SELECT t, row_number() OVER (ORDER BY t DESC, organization_id) AS rn,
                   count(*) OVER () AS n
            FROM per
        )
        SELECT sum(t) FILTER (WHERE rn <= ceil(n / 5.0)), sum(t) FROM ranked
        """,
        p,
    )
    out["top20"] = None if not total else round(float(top) / float(total), 4)
    ((threshold,),) = _rows(
        f"""
        SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY {cycle}) FROM pipeline_deal
        WHERE pipeline_id = %(p)s AND status = 'won' AND closed_at >= %(year)s
          AND closed_at < %(asof)s
        """,
        p,
    )
    p["too_old"] = threshold if threshold is not None else 1e12
    in_stage = DAYS.format(end="%(asof)s::timestamptz", start="d.stage_entered_at")
    deal_age = DAYS.format(end="%(asof)s::timestamptz", start="d.created_at")
    (stale,) = _rows(
        f"""
        WITH flags AS (
            SELECT st.rotting_days IS NOT NULL AND {in_stage} > st.rotting_days AS stuck,
                   d.updated_at < %(idle)s AND NOT EXISTS (
                       SELECT 1 FROM pipeline_activity a WHERE a.deal_id = d.id
                       AND a.done_at >= %(idle)s AND a.done_at < %(asof)s) AS idle,
                   d.next_activity_date IS NULL AS no_next,
                   d.next_activity_date < %(today)s AS overdue,
                   {deal_age} > %(too_old)s AS too_old
            FROM pipeline_deal d JOIN pipeline_stage st ON st.id = d.stage_id
            WHERE d.pipeline_id = %(p)s AND d.status = 'open' AND d.parked_until IS NULL
              {{owners}}
        )
        SELECT count(*) FILTER (WHERE stuck), count(*) FILTER (WHERE idle),
               count(*) FILTER (WHERE no_next), count(*) FILTER (WHERE overdue),
               count(*) FILTER (WHERE too_old),
               count(*) FILTER (WHERE stuck OR idle OR no_next OR overdue OR too_old)
        FROM flags
        """,
        p,
    )
    out["stale"] = list(stale)
    out["by_owner"] = sorted(
        _rows(
            """
            SELECT u.username, count(*) FILTER (WHERE d.status = 'won'),
                   count(*) FILTER (WHERE d.status = 'lost')
            FROM pipeline_deal d JOIN accounts_user u ON u.id = d.owner_id
            WHERE d.pipeline_id = %(p)s AND d.status IN ('won', 'lost')
              AND d.closed_at >= %(s)s AND d.closed_at < %(e)s {owners}
            GROUP BY 1
            """,
            p,
        )
    )
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), abs_tol=0.006)


def compare(orm: dict, sql: dict) -> list[str]:
    """Differences between the ORM report and the hand-written one (empty when equal)."""
    diffs = []

    def check(name: str, ok: bool) -> None:
        if not ok:
            diffs.append(name)

    check("won_count", orm["won_count"] == sql["won_count"])
    check("lost_count", orm["lost_count"] == sql["lost_count"])
    check("won_value", orm["won_value"] == sql["won_value"])
    check("median_won_value", _close(orm["median_won_value"], sql["median_won_value"]))
    check("cycle_won.median", _close(orm["cycle_days_won"]["median"], sql["cycle_won_median"]))
    check("cycle_won.mean", _close(orm["cycle_days_won"]["mean"], sql["cycle_won_mean"]))
    check("cycle_lost.median", _close(orm["cycle_days_lost"]["median"], sql["cycle_lost_median"]))
    check("funnel", [f["reached"] for f in orm["funnel"]] == sql["funnel"])
    for t in orm["time_in_stage"]:
        n, med = sql["time_in_stage"].get(t["stage_id"], (0, None))
        check(f"stay {t['stage']}", t["completed"] == n and _close(t["median_days"], med))
        n, med = sql["in_progress"].get(t["stage_id"], (0, None))
        check(
            f"open {t['stage']}",
            t["in_progress"] == n and _close(t["in_progress_median_days"], med),
        )
    check("open_count", orm["open_count"] == sql["open_count"])
    check("weighted", _close(orm["weighted_pipeline"], sql["weighted_pipeline"]))
    done = orm["activity_ratios"]["done"]
    check("activities", all(done[t] == sql["activities"].get(t, 0) for t in done))
    check("top20", orm["top20_org_share"] == sql["top20"])
    s = orm["stale_counts"]
    check(
        "stale",
        [s["stuck"], s["idle"], s["no_next_step"], s["overdue"], s["too_old"], s["total"]]
        == sql["stale"],
    )
    check(
        "by_owner",
        sorted((o["owner"], o["won_count"], o["lost_count"]) for o in orm["by_owner"])
        == sql["by_owner"],
    )
    return diffs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="Use the deals already there.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/metrics.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    existing = Deal.objects.count()
    if existing == 0:
        started = time.monotonic()
        call_command("seed_demo", deals=args.deals, seed=args.seed)
        print(f"seeded in {time.monotonic() - started:.0f} s")
    elif not args.reuse:
        sys.exit(f"The database has {existing} deals: use an empty one, or --reuse.")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    deals, changes = Deal.objects.count(), StageChange.objects.count()
    print(f"data: {deals:,} deals, {changes:,} stage changes, PostgreSQL {connection.pg_version}")

    day = timezone.localdate()
    tracemalloc.start()
    started = time.monotonic()
    rows = snapshots_compute(day=day)
    recompute = time.monotonic() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    scopes = [
        scope
        for pipeline in Pipeline.objects.filter(is_active=True)
        for scope, _o, _t in _scopes(
            pipeline,
            day,
            min(
                timezone.now(),
                timezone.make_aware(
                    datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
                ),
            ),
        )
    ]
    print(f"full recompute: {recompute:.1f} s for {rows} snapshot rows ({len(scopes)} scopes)")
    print(f"peak Python heap during recompute: {peak / 2**20:.1f} MB")
    print(f"process peak RSS: {rss_mb:.0f} MB")
    orm_time = sql_time = 0.0
    mismatches = []
    for scope in scopes:
        t = time.monotonic()
        orm = metrics_report(scope)
        orm_time += time.monotonic() - t
        t = time.monotonic()
        sql = hand_report(scope)
        sql_time += time.monotonic() - t
        diffs = compare(orm, sql)
        if diffs:
            mismatches.append(f"{scope.pipeline.name}/{scope.key}: {', '.join(diffs)}")
    print(f"reports through the ORM (all scopes): {orm_time:.1f} s")
    print(f"same figures by hand-written SQL:     {sql_time:.1f} s")
    print(f"ratio ORM / hand-written SQL: {orm_time / sql_time:.2f}")
    if mismatches:
        print("MISMATCH between ORM and hand-written SQL:")
        for line in mismatches:
            print("  " + line)
        sys.exit(1)
    print("ORM and hand-written SQL agree on every figure of every scope.")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
