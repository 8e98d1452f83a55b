#!/usr/bin/env python
"""Board benchmark: server time of the board page and of a move, at 100 and 100,000 deals.

    .venv/bin/python bench/board.py [--sizes 100 100000] [--runs 30] [--keep DIR]

For each size it seeds a fresh SQLite database with `seed_demo --open-only` (or uses
DATABASE_URL's PostgreSQL server with --postgres, one database per size), then times requests
through Django's test client in-process, so the figures are server time without the network:
the board page as an admin (totals from the maintained summary) and as a rep (filtered: totals
by a grouped query), the next page of a column, and a move (one htmx POST through deal_move).
It prints medians and the ratio of the largest size against the smallest, measured in the same
run. Targets (issue 4): board(100k) / board(100) <= 1.5; a move's median under 20 ms on SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _measure(runs: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from pipeline.models import Deal, Pipeline

    pipeline = Pipeline.objects.get(name="B2B Sales")
    stages = list(pipeline.stages.order_by("position"))
    admin = User.objects.get(username="admin")
    rep = User.objects.get(username="alex")
    board_url = reverse("pipeline:board", args=[pipeline.pk])

    def timed(fn) -> list[float]:
        fn()  # warm-up (template and query caches)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        return samples

    results: dict[str, float] = {}
    for who, user in (("admin", admin), ("rep", rep)):
        client = Client()
        client.force_login(user)

        def board(client=client) -> None:
            response = client.get(board_url)
            assert response.status_code == 200, response.status_code

        results[f"board_{who}_ms"] = statistics.median(timed(board))

    client = Client()
    client.force_login(admin)
    page = client.get(board_url).content.decode()
    import re

    more = re.search(r'hx-get="([^"]+)"\s+hx-trigger="revealed"', page)
    if more:
        url = more.group(1).replace("&amp;", "&")

        def column_page() -> None:
            assert client.get(url).status_code == 200

        results["column_page_ms"] = statistics.median(timed(column_page))

    # Deals in the first two stages, each moved to the other one (the demo pipeline's second
    # stage asks only for a contact person, which every demo deal has), so re-runs on a kept
    # database always find deals to move.
    movable = list(
        Deal.objects.filter(pipeline=pipeline, stage__in=stages[:2], status="open")
        .order_by("-id")
        .values_list("pk", "version", "stage_id")[: runs + 1]
    )
    samples = []
    for pk, version, stage_id in movable:
        target = stages[1] if stage_id == stages[0].pk else stages[0]
        url = reverse("pipeline:deal_move", args=[pk])
        start = time.perf_counter()
        response = client.post(
            url, {"stage": target.pk, "version": version}, HTTP_HX_REQUEST="true"
        )
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
    results["move_ms"] = statistics.median(samples[1:])
    results["open_deals"] = Deal.objects.filter(status="open").count()
    return results


def _prepare(size: int, workdir: Path, postgres: str | None, reuse: bool) -> dict[str, str]:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-" + "x" * 40}
    env["ALLOWED_HOSTS"] = "testserver"
    env["SECURE_SSL_REDIRECT"] = "0"
    env["STATIC_ROOT"] = str(workdir / "static")
    env.pop("REDIS_URL", None)
    if postgres:
        name = f"stagecoach_bench_{size}"
        subprocess.run(["psql", postgres, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = postgres.rsplit("/", 1)[0] + "/" + name
    else:
        db = workdir / f"board-{size}.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{db}"
        if reuse and db.exists():
            print(f"  reusing {db}")
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
            subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
            return env
        db.unlink(missing_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    start = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", "--deals", str(size), "--open-only", "--seed", "11"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  seeded {size:>7} open deals in {time.perf_counter() - start:5.1f} s")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", help="keep the SQLite files in this folder")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: reuse databases seeded by a past run"
    )
    parser.add_argument("--postgres", help="a PostgreSQL URL to the maintenance db (postgres)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(args.runs)))
        return

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="stagecoach-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"Board benchmark on {engine}, {args.runs} runs each, medians in ms")
    rows = {}
    for size in args.sizes:
        env = _prepare(size, workdir, args.postgres, args.reuse)
        out = subprocess.run(
            [sys.executable, __file__, "--measure", "--runs", str(args.runs)],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"measuring {size} deals failed:\n{out.stderr[-3000:]}")
        rows[size] = json.loads(out.stdout.strip().splitlines()[-1])

    keys = ["board_admin_ms", "board_rep_ms", "column_page_ms", "move_ms"]
    print()
    print(f"{'open deals':>12} " + " ".join(f"{k:>16}" for k in keys))
    for r in rows.values():
        print(
            f"{r['open_deals']:>12} " + " ".join(f"{r.get(k, float('nan')):>16.2f}" for k in keys)
        )
    small, large = rows[min(rows)], rows[max(rows)]
    print()
    for k in keys:
        if k in small and k in large:
            print(f"ratio {k:<16} {max(rows)}/{min(rows)}: {large[k] / small[k]:.2f}")


if __name__ == "__main__":
    main()
