"""Import 100,000 deals from CSV and print the time and the peak memory.

    DEBUG=1 .venv/bin/python bench/import.py [--rows 100000] [--keep]

Uses DATABASE_URL when set (an empty scratch database!), else a fresh SQLite file in a temporary
folder. Targets (issue 8): under 60 s and under 300 MB peak resident memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    # ru_maxrss is in KiB on Linux: the whole process, Python and Django included.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(8)
    stages = ["Lead in", "Qualified", "Proposal", "Negotiation"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "external_id",
                "title",
                "value",
                "currency",
                "stage",
                "status",
                "owner",
                "organization",
                "person",
                "person_email",
                "expected_close_date",
                "created_at",
                "closed_at",
                "lost_reason",
            ]
        )
        for i in range(rows):
            status = rng.choices(["open", "won", "lost"], weights=[6, 2, 2])[0]
            day = 1 + i % 28
            org = f"Org {i % 2000}"
            out.writerow(
                [
                    f"bench-{i}",
                    f"Deal {i}",
                    f"{rng.randint(0, 5_000_000) / 100:.2f}",
                    rng.choice(["EUR", "EUR", "USD"]),
                    rng.choice(stages),
                    status,
                    rng.choice(["alex", "maria", "sam@example.com", "Priya Rep"]),
                    org,
                    f"Person {i % 5000}" if i % 3 else "",
                    f"p{i % 5000}@example.com" if i % 3 else "",
                    f"2025-{1 + i % 12:02d}-{day:02d}",
                    f"2024-{1 + i % 12:02d}-{day:02d}T09:{i % 60:02d}:00+00:00",
                    f"2024-12-{day:02d}T17:00:00+00:00" if status != "open" else "",
                    "Price" if status == "lost" else "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stagecoach-import-bench-"))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from pipeline.models import Deal, LostReason, Pipeline, Stage, StageChange
    from pipeline.services.imports import ImportOptions, deal_import_apply

    call_command("migrate", verbosity=0)
    admin = User.objects.create_user("bench-admin", role="admin", is_superuser=True)
    for username, email, first, last in [
        ("alex", "alex@example.com", "Alex", "Rep"),
        ("maria", "maria@example.com", "Maria", "Manager"),
        ("sam", "sam@example.com", "Sam", "Rep"),
        ("priya", "priya@example.com", "Priya", "Rep"),
    ]:
        User.objects.create_user(username, email=email, first_name=first, last_name=last)
    pipeline = Pipeline.objects.create(name="Sales")
    for i, name in enumerate(["Lead in", "Qualified", "Proposal", "Negotiation"]):
        Stage.objects.create(pipeline=pipeline, name=name, position=i, win_probability=20 * i)
    LostReason.objects.create(name="Price")

    path = tmp / "deals.csv"
    write_file(path, args.rows)
    size_mb = path.stat().st_size / 1e6
    base = _peak_mb()
    started = time.perf_counter()
    report = deal_import_apply(
        source=path,
        actor=admin,
        options=ImportOptions(pipeline="Sales", create_missing=True),
    )
    elapsed = time.perf_counter() - started
    print(f"rows:            {args.rows:,} ({size_mb:.1f} MB CSV)")
    print(f"imported deals:  {report.created.get('deals', 0):,}")
    print(f"created:         {report.created}")
    print(
        f"deals in db:     {Deal.objects.count():,}; history rows: {StageChange.objects.count():,}"
    )
    print(f"time:            {elapsed:.1f} s (target < 60 s)")
    print(
        f"peak memory:     {_peak_mb():.0f} MB resident "
        f"(before import {base:.0f} MB; target < 300 MB)"
    )
    started = time.perf_counter()
    again = deal_import_apply(
        source=path, actor=admin, options=ImportOptions(pipeline="Sales", create_missing=True)
    )
    print(
        f"re-import:       {time.perf_counter() - started:.1f} s, "
        f"{again.created.get('deals', 0)} new, {again.duplicates:,} duplicates skipped"
    )


if __name__ == "__main__":
    main()
