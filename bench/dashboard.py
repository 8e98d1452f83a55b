"""The metrics dashboard with stored nightly figures against the same page computed live.

Run on a database that holds data (e.g. the 1,000,000-deal database of bench/metrics.py):

    DATABASE_URL=postgres://… DEBUG=0 SECRET_KEY=… ALLOWED_HOSTS=testserver \\
        .venv/bin/python bench/dashboard.py [--runs 5] [--compute] [--currency HUF]

`--compute` first runs the nightly recompute for today (what "Recompute now" does) so that a
stored report exists. Prints the median of each page, as an admin (everyone) and as one rep
(their own figures), with no dates chosen (the stored report) and for the 89 days to today (a
period no run stores: computed live), and the ratio live ÷ stored, measured in the same run;
then both pages in another currency (`--currency`, default the first enabled currency with a
rate). With `--compute`, the two viewers' display currency is set to it for the recompute (and
cleared after), so that the run stores their reports in it as it does for users who chose it.
DEBUG=1 serves static files without collectstatic; the page is the same.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from metrics.services import snapshots_compute  # noqa: E402
from pipeline.models import Deal, Pipeline  # noqa: E402
from shared.currencies import currency_rates  # noqa: E402


def _median_ms(client: Client, params: dict[str, str], runs: int) -> tuple[float, bool]:
    times, stored = [], False
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/metrics/", params, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        # The page says which: "Stored figures, computed on …" or "Computed live …".
        stored = b'class="muted small computed-at">Stored' in response.content
    return statistics.median(times), stored


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compute", action="store_true")
    parser.add_argument("--currency", default="", help="Another currency (default: first rated)")
    args = parser.parse_args()
    other = (args.currency or next(iter(sorted(currency_rates())), "")).upper()

    pipeline = Pipeline.objects.filter(is_active=True).order_by("position", "id").first()
    if pipeline is None:
        sys.exit("No pipeline: seed the database first (seed_demo).")
    today = timezone.localdate()
    admin = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk").first()
    rep_id = (
        Deal.objects.filter(pipeline=pipeline, owner__role=User.Role.REP)
        .values_list("owner_id", flat=True)
        .first()
    )
    rep = User.objects.get(pk=rep_id)
    viewers = (("admin", admin), ("rep", rep))
    if other and args.compute:
        # The two viewers read figures in `other`, so the run also stores their reports in it.
        for _label, user in viewers:
            user.display_currency = other
            user.save(update_fields=["display_currency"])
    try:
        if args.compute:
            started = time.perf_counter()
            rows = snapshots_compute(day=today)
            seconds = time.perf_counter() - started
            print(f"nightly recompute for {today}: {rows} rows in {seconds:.1f} s")
    finally:
        for _label, user in viewers:
            user.display_currency = ""
            user.save(update_fields=["display_currency"])
    deals = Deal.objects.filter(pipeline=pipeline).count()
    print(f"pipeline {pipeline.name}: {deals:,} deals; {args.runs} runs per page; median ms")
    # A period no nightly run stores (89 days, not 90), so the page computes it live.
    start = (today - timezone.timedelta(days=88)).isoformat()
    cur = other or "-"
    print(
        f"{'viewer':<8} {'stored':>10} {'live':>10} {'live/stored':>12}"
        f" {cur + ' stored':>11} {cur + ' live':>10}"
    )
    for label, user in viewers:
        client = Client()
        client.force_login(user)
        base = {"pipeline": str(pipeline.pk)}
        client.get("/metrics/", base, secure=True)  # warm up (session, caches)
        stored_ms, was_stored = _median_ms(client, base, args.runs)
        chosen = {**base, "start": start, "end": today.isoformat()}
        live_ms, _ = _median_ms(client, chosen, args.runs)
        note = "" if was_stored else "  (no stored report: live; run with --compute)"
        row = f"{label:<8} {stored_ms:>10.0f} {live_ms:>10.0f} {live_ms / stored_ms:>12.2f}"
        if other:
            other_ms, other_stored = _median_ms(client, {**base, "currency": other}, args.runs)
            other_live_ms, _ = _median_ms(client, {**chosen, "currency": other}, args.runs)
            row += f" {other_ms:>11.0f} {other_live_ms:>10.0f}"
            if not other_stored:
                note += f"  ({other}: no stored report)"
        print(row + note)


if __name__ == "__main__":
    main()
