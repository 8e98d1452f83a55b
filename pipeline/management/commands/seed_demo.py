"""`manage.py seed_demo [--deals N] [--seed N] [--reps N] [--if-empty | --reset] [--open-only]`:
deterministic demo data in an empty database. The data and its steps are in pipeline/demo/."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline.demo import DEMO_PASSWORD, DemoRefused, seed_demo
from pipeline.demo.users import REPS


class Command(BaseCommand):
    help = "Fill an empty database with deterministic demo data (users, pipelines, deals)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deals", type=int, default=600, help="How many deals (default 600).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
        parser.add_argument("--reps", type=int, default=len(REPS), help="How many reps.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has deals (used by `make run`).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the database first (every row, users included), then seed. Demo and "
            "development databases only: refused unless DEBUG=1.",
        )
        parser.add_argument(
            "--open-only",
            action="store_true",
            help="Only open deals in the main pipeline (for benchmarks).",
        )

    def handle(self, *args: object, **opts: Any) -> None:
        try:
            summary = seed_demo(
                deals=opts["deals"],
                seed=opts["seed"],
                reps=opts["reps"],
                open_only=opts["open_only"],
                if_empty=opts["if_empty"],
                reset=opts["reset"],
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if summary.emptied:
            self.stdout.write("Emptied the database.")
        if not summary.seeded:
            self.stdout.write("Database already has data; not seeding.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {summary.deals} deals, {summary.stage_changes} stage changes and "
                f"{summary.activities} activities in {summary.seconds:.1f} s."
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in summary.logins:
            self.stdout.write(f"  {username:<10} {role}")
