#!/usr/bin/env python
"""Benchmark: the nightly metrics recompute on PostgreSQL, against hand-written SQL.

    DATABASE_URL=postgres://…/empty_db DEBUG=1 .venv/bin/python bench/metrics.py [--deals N]

Seeds an empty database with `seed_demo --deals N` (default 1,000,000; use e.g. --deals 50000
for a quick run), or reuses one already seeded (--reuse). Then, in one process:

1. the full recompute (`metrics.services.snapshots_compute` for today: every active
   pipeline × everyone, each team, each owner), timed, with the Python heap peak
   (tracemalloc) and the process's peak RSS;
2. the same reports for every one of those scopes through the ORM selectors, as the
   recompute computes them (`metrics_reports`, per pipeline), timed alone (without the upsert);
3. the same figures computed by hand-written SQL (per pipeline, one statement per group of
   figures for all scopes together: a (scope, owner) membership list joined to the deals, and
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
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from metrics.selectors.report import metrics_reports  # noqa: E402
from metrics.services import _scopes, snapshots_compute  # noqa: E402
from pipeline.models import Deal, Pipeline, StageChange  # noqa: E402

DAYS = "(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"
# The deal's value in the base currency: a join on the stored rates (enabled currencies with a
# rate); NULL for a currency without one, which sums, counts and percentiles then skip.
AMOUNT = "CASE WHEN d.currency = %(cur)s THEN d.value ELSE d.value * r.rate END"
RATES = "LEFT JOIN pipeline_currency r ON r.code = d.currency AND r.is_enabled"
# Which scope each owner's deals count in: one (key, owner) row per membership, so one scan of
# the deals feeds every scope (everyone, each team, each owner) in a single GROUP BY.
SCOPES = (
    "WITH sc AS (SELECT * FROM unnest(%(keys)s::text[], %(members)s::bigint[]) AS t(key, owner_id))"
)


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _cents(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def hand_reports(base, scopes: list) -> dict[str, dict]:  # noqa: ANN001 - metrics Scopes
    """The figures of docs/metrics.md for every scope of one pipeline, in plain PostgreSQL:
    one statement per group of figures for all the scopes together. Returns {scope key: …}.
    Like the ORM path, in one transaction without JIT compilation (see analytic_queries)."""
    with transaction.atomic():
        _rows("SET LOCAL jit = off", {})
        return _hand_reports(base, scopes)


def _hand_reports(base, scopes: list) -> dict[str, dict]:  # noqa: ANN001, C901
    owners = sorted({pk for (pk,) in _rows("SELECT id FROM accounts_user", {})})
    everyone = {
        pk
        for (pk,) in _rows(
            "SELECT DISTINCT owner_id FROM pipeline_deal WHERE pipeline_id = %(p)s",
            {"p": base.pipeline.pk},
        )
    }
    keys, members, alias = [], [], {}
    for scope in scopes:
        if scope.owner_ids is None:
            ids = owners
        elif scope.kind == "team" and everyone <= set(scope.owner_ids):
            alias[scope.key] = "all"  # the same deals as everyone's: computed once
            continue
        else:
            ids = list(scope.owner_ids)
        keys += [scope.key] * len(ids)
        members += ids
    if "all" in alias.values() and "all" not in keys:
        keys += ["all"] * len(owners)
        members += owners
    p = {
        "p": base.pipeline.pk,
        "s": base.start_dt,
        "e": base.end_dt,
        "asof": base.as_of,
        "cur": settings.DEFAULT_CURRENCY,
        "idle": base.as_of - datetime.timedelta(days=settings.STAGECOACH_IDLE_DAYS),
        "today": timezone.localtime(base.as_of).date(),
        "year": base.as_of - datetime.timedelta(days=365),
        "keys": keys,
        "members": members,
    }
    empty = {
        "won_count": 0,
        "lost_count": 0,
        "won_unconverted_count": 0,
        "won_value": Decimal("0.00"),
        "median_won_value": None,
        **{f"cycle_{a}_{b}": None for a in ("won", "lost") for b in ("median", "p90", "mean")},
    }
    out: dict[str, dict] = {
        k: {**empty, "by_owner": [], "time_in_stage": {}, "in_progress": {}} for k in keys
    }
    cycle = DAYS.format(end="d.closed_at", start="d.created_at")
    for (
        key,
        owner,
        won,
        lost,
        conv,
        value,
        med_v,
        med_c,
        p90_c,
        mean_c,
        med_l,
        p90_l,
        mean_l,
    ) in _rows(
        f"""
        {SCOPES}, x AS (
            SELECT d.owner_id, u.username, d.status, {AMOUNT} AS amt, {cycle} AS cyc
            FROM pipeline_deal d {RATES} JOIN accounts_user u ON u.id = d.owner_id
            WHERE d.pipeline_id = %(p)s AND d.status IN ('won', 'lost')
              AND d.closed_at >= %(s)s AND d.closed_at < %(e)s
        )
        SELECT sc.key, x.username,
               count(*) FILTER (WHERE status = 'won'), count(*) FILTER (WHERE status = 'lost'),
               count(amt) FILTER (WHERE status = 'won'), sum(amt) FILTER (WHERE status = 'won'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY amt) FILTER (WHERE status = 'won'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY cyc) FILTER (WHERE status = 'won'),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY cyc) FILTER (WHERE status = 'won'),
               avg(cyc) FILTER (WHERE status = 'won'),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY cyc) FILTER (WHERE status = 'lost'),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY cyc) FILTER (WHERE status = 'lost'),
               avg(cyc) FILTER (WHERE status = 'lost')
        FROM x JOIN sc ON sc.owner_id = x.owner_id
        GROUP BY GROUPING SETS ((sc.key), (sc.key, x.username))
        """,
        p,
    ):
        if owner is not None:
            out[key]["by_owner"].append((owner, won, lost, _cents(value)))
            continue
        out[key].update(
            won_count=won,
            lost_count=lost,
            won_unconverted_count=won - conv,
            won_value=_cents(value),
            median_won_value=med_v,
            cycle_won_median=med_c,
            cycle_won_p90=p90_c,
            cycle_won_mean=mean_c,
            cycle_lost_median=med_l,
            cycle_lost_p90=p90_l,
            cycle_lost_mean=mean_l,
        )
    reach: dict[str, list] = {k: [] for k in keys}
    for key, pos, status, n in _rows(
        f"""
        {SCOPES}, x AS (
            SELECT d.owner_id, d.status,
                   GREATEST(COALESCE(m.top, st.position), st.position) AS reach
            FROM pipeline_deal d JOIN pipeline_stage st ON st.id = d.stage_id
            LEFT JOIN LATERAL (
                SELECT max(s2.position) AS top FROM pipeline_stagechange c
                JOIN pipeline_stage s2 ON s2.id = c.to_stage_id WHERE c.deal_id = d.id
            ) m ON true
            WHERE d.pipeline_id = %(p)s AND d.created_at >= %(s)s AND d.created_at < %(e)s
        )
        SELECT sc.key, reach, status, count(*) FROM x JOIN sc ON sc.owner_id = x.owner_id
        GROUP BY 1, 2, 3
        """,
        p,
    ):
        reach[key].append((pos, status, n))
    positions = _rows(
        "SELECT position FROM pipeline_stage WHERE pipeline_id = %(p)s AND is_active "
        "ORDER BY position",
        p,
    )
    for key in reach:
        out[key]["funnel"] = [
            sum(n for pos, status, n in reach[key] if status == "won" or pos >= position)
            for (position,) in positions
        ]
    stay = DAYS.format(end="c.timestamp", start="c.stay_started_at")
    for key, stage, n, med, p90 in _rows(
        f"""
        {SCOPES}
        SELECT sc.key, c.from_stage_id, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {stay}),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {stay})
        FROM pipeline_stagechange c JOIN pipeline_deal d ON d.id = c.deal_id
        JOIN sc ON sc.owner_id = d.owner_id
        WHERE c.pipeline_id = %(p)s AND c.from_status = 'open' AND c.from_stage_id IS NOT NULL
          AND c.timestamp >= %(s)s AND c.timestamp < %(e)s
        GROUP BY 1, 2
        """,
        p,
    ):
        out[key]["time_in_stage"][stage] = (n, med, p90)
    ((threshold,),) = _rows(
        f"""
        SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY {cycle}) FROM pipeline_deal d
        WHERE d.pipeline_id = %(p)s AND d.status = 'won' AND d.closed_at >= %(year)s
          AND d.closed_at < %(asof)s
        """,
        p,
    )
    p["too_old"] = threshold if threshold is not None else 1e12
    in_stage = DAYS.format(end="%(asof)s::timestamptz", start="d.stage_entered_at")
    deal_age = DAYS.format(end="%(asof)s::timestamptz", start="d.created_at")
    for key in keys:
        out[key].update(open_count=0, stale=[0] * 6)
    for key, stage, n, n_prog, med, *stale in _rows(
        f"""
        {SCOPES}, x AS (
            SELECT d.owner_id, d.stage_id, d.created_at < %(asof)s AS counted, {in_stage} AS age,
                   st.rotting_days IS NOT NULL AND {in_stage} > st.rotting_days AS stuck,
                   d.updated_at < %(idle)s AND (d.last_done_activity_at IS NULL
                       OR d.last_done_activity_at < %(idle)s) AS idle,
                   d.next_activity_date IS NULL AS no_next,
                   d.next_activity_date < %(today)s AS overdue,
                   {deal_age} > %(too_old)s AS too_old
            FROM pipeline_deal d JOIN pipeline_stage st ON st.id = d.stage_id
            WHERE d.pipeline_id = %(p)s AND d.status = 'open' AND d.parked_until IS NULL
        )
        SELECT sc.key, x.stage_id, count(*), count(*) FILTER (WHERE counted),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY age) FILTER (WHERE counted),
               count(*) FILTER (WHERE stuck), count(*) FILTER (WHERE idle),
               count(*) FILTER (WHERE no_next), count(*) FILTER (WHERE overdue),
               count(*) FILTER (WHERE too_old),
               count(*) FILTER (WHERE stuck OR idle OR no_next OR overdue OR too_old)
        FROM x JOIN sc ON sc.owner_id = x.owner_id
        GROUP BY 1, 2
        """,
        p,
    ):
        out[key]["in_progress"][stage] = (n_prog, med)
        out[key]["open_count"] += n
        out[key]["stale"] = [a + b for a, b in zip(out[key]["stale"], stale, strict=True)]
    for key in keys:
        out[key]["weighted_pipeline"] = Decimal("0")
    weighted: dict[tuple, Decimal] = {}
    for key, month, prob, total in _rows(
        f"""
        {SCOPES}
        SELECT sc.key, date_trunc('month', d.expected_close_date), st.win_probability,
               sum({AMOUNT})
        FROM pipeline_deal d {RATES} JOIN pipeline_stage st ON st.id = d.stage_id
        JOIN sc ON sc.owner_id = d.owner_id
        WHERE d.pipeline_id = %(p)s AND d.status = 'open' AND d.parked_until IS NULL
        GROUP BY 1, 2, 3
        """,
        p,
    ):
        weighted[key, month] = weighted.get((key, month), Decimal("0")) + (
            (total or Decimal("0")) * prob / 100
        )
    # Each month's weighted sum is rounded to cents, as the forecast table shows it.
    for (key, _month), total in weighted.items():
        out[key]["weighted_pipeline"] += _cents(total)
    for key in keys:
        out[key]["activities"] = {}
    for key, type_, n in _rows(
        f"""
        {SCOPES}
        SELECT sc.key, a.type, count(*) FROM pipeline_activity a
        JOIN pipeline_deal d ON d.id = a.deal_id JOIN sc ON sc.owner_id = d.owner_id
        WHERE d.pipeline_id = %(p)s AND a.done_at >= %(s)s AND a.done_at < %(e)s
          AND a.type IN ('call', 'meeting', 'email', 'demo')
        GROUP BY 1, 2
        """,
        p,
    ):
        out[key]["activities"][type_] = n
    for key in keys:
        out[key]["top20"] = None
    for key, top, total in _rows(
        f"""
        {SCOPES}, per AS (
            SELECT sc.key, d.organization_id, sum({AMOUNT}) AS t
            FROM pipeline_deal d {RATES} JOIN sc ON sc.owner_id = d.owner_id
            WHERE d.pipeline_id = %(p)s AND d.status = 'won' AND d.organization_id IS NOT NULL
              AND d.closed_at >= %(s)s AND d.closed_at < %(e)s AND ({AMOUNT}) IS NOT NULL
            GROUP BY 1, 2
        ), ranked AS (
            SELECT key, t, row_number() OVER (PARTITION BY key ORDER BY t DESC, organization_id)
                       AS rn,
                   count(*) OVER (PARTITION BY key) AS n
            FROM per
        )
        SELECT key, sum(t) FILTER (WHERE rn <= ceil(n / 5.0)), sum(t) FROM ranked GROUP BY key
        """,
        p,
    ):
        out[key]["top20"] = None if not total else round(float(top) / float(total), 4)
    for key in keys:
        out[key]["by_owner"].sort()
    for key, target in alias.items():
        out[key] = out[target]
    return out


def hand_report(scope) -> dict:  # noqa: ANN001 - a metrics Scope
    """The hand-written figures of one scope (the tests use it)."""
    return hand_reports(scope, [scope])[scope.key]


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
    check("won_unconverted", orm["won_unconverted_count"] == sql["won_unconverted_count"])
    check("median_won_value", _close(orm["median_won_value"], sql["median_won_value"]))
    won, lost = orm["cycle_days_won"], orm["cycle_days_lost"]
    check("cycle_won.median", _close(won["median"], sql["cycle_won_median"]))
    check("cycle_won.p90", _close(won["p90"], sql["cycle_won_p90"]))
    check("cycle_won.mean", _close(won["mean"], sql["cycle_won_mean"]))
    check("cycle_lost.median", _close(lost["median"], sql["cycle_lost_median"]))
    check("cycle_lost.p90", _close(lost["p90"], sql["cycle_lost_p90"]))
    check("cycle_lost.mean", _close(lost["mean"], sql["cycle_lost_mean"]))
    check("funnel", [f["reached"] for f in orm["funnel"]] == sql["funnel"])
    for t in orm["time_in_stage"]:
        n, med, p90 = sql["time_in_stage"].get(t["stage_id"], (0, None, None))
        check(
            f"stay {t['stage']}",
            t["completed"] == n and _close(t["median_days"], med) and _close(t["p90_days"], p90),
        )
        n, med = sql["in_progress"].get(t["stage_id"], (0, None))
        check(
            f"open {t['stage']}",
            t["in_progress"] == n and _close(t["in_progress_median_days"], med),
        )
    check("open_count", orm["open_count"] == sql["open_count"])
    check("weighted", orm["weighted_pipeline"] == sql["weighted_pipeline"])
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
        sorted(
            (o["owner"], o["won_count"], o["lost_count"], o["won_value"]) for o in orm["by_owner"]
        )
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

    as_of = min(
        timezone.now(),
        timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
        ),
    )
    groups = [
        [scope for scope, _o, _t in _scopes(pipeline, day, as_of)]
        for pipeline in Pipeline.objects.filter(is_active=True)
    ]
    n_scopes = sum(len(g) for g in groups)
    print(f"full recompute: {recompute:.1f} s for {rows} snapshot rows ({n_scopes} scopes)")
    print(f"peak Python heap during recompute: {peak / 2**20:.1f} MB")
    print(f"process peak RSS: {rss_mb:.0f} MB")
    orm_time = sql_time = 0.0
    mismatches = []
    for scopes in groups:
        t = time.monotonic()
        orm = metrics_reports(scopes[0], scopes)
        orm_time += time.monotonic() - t
        t = time.monotonic()
        sql = hand_reports(scopes[0], scopes)
        sql_time += time.monotonic() - t
        for scope, report in zip(scopes, orm, strict=True):
            diffs = compare(report, sql[scope.key])
            if diffs:
                mismatches.append(f"{scope.pipeline.name}/{scope.key}: {', '.join(diffs)}")
    print(f"reports through the ORM (all scopes, as the recompute): {orm_time:.1f} s")
    print(f"same figures by hand-written SQL:                      {sql_time:.1f} s")
    print(f"ratio ORM / hand-written SQL: {orm_time / sql_time:.2f}")
    print(f"load average at the end: {os.getloadavg()}")
    if mismatches:
        print("MISMATCH between ORM and hand-written SQL:")
        for line in mismatches:
            print("  " + line)
        sys.exit(1)
    print("ORM and hand-written SQL agree on every figure of every scope.")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
