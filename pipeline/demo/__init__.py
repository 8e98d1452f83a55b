"""Deterministic, realistic demo data: a team, two pipelines and about a year of history.

`seed_demo` runs the steps in `STEPS` in order, in one transaction, each filling one domain.
They write through bulk inserts (not the services) so that `--deals 100000` stays fast, and
build the same history rows the services would write: one StageChange for a deal's entry, one
per stage move and one per win, loss or reopen. `stage_totals_rebuild` then sets the board
totals from the deals. tests/pipeline/test_seed_demo.py checks that the result is what the
services would produce.

The data depends only on the options and the day: the steps draw from one generator seeded
with `--seed` (leads from their own), in the order of `STEPS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from accounts.models import User
from pipeline.demo.contacts import seed_contacts
from pipeline.demo.currencies import seed_currencies
from pipeline.demo.deals import seed_deals
from pipeline.demo.goals import seed_goals
from pipeline.demo.leads import seed_leads
from pipeline.demo.run import DemoRun
from pipeline.demo.stages import seed_pipelines
from pipeline.demo.users import DEMO_PASSWORD, REPS, seed_users
from pipeline.models import Deal
from pipeline.services import stage_totals_rebuild

__all__ = ["DEMO_PASSWORD", "STEPS", "DemoRefused", "DemoSummary", "seed_demo"]

# Each step reads what the ones before it made (deals need reps, stages and contacts; the
# board totals, leads and goals need deals), so the order is fixed.
STEPS: tuple[tuple[str, Callable[[DemoRun], object]], ...] = (
    ("users", seed_users),
    ("pipelines", seed_pipelines),
    ("contacts", seed_contacts),
    ("deals", seed_deals),
    ("currencies", lambda run: seed_currencies()),
    ("stage totals", lambda run: stage_totals_rebuild()),
    ("leads", lambda run: seed_leads()),
    ("goals", lambda run: seed_goals(deals=run.deal_count)),
)


class DemoRefused(Exception):
    """The demo was not seeded: the options conflict, or the database is not one to seed."""


@dataclass(frozen=True)
class DemoSummary:
    emptied: bool  # --reset flushed the database first
    seeded: bool  # False when --if-empty found data and did nothing
    deals: int = 0
    stage_changes: int = 0
    activities: int = 0
    seconds: float = 0.0
    logins: tuple[tuple[str, str], ...] = ()  # (username, role), all with DEMO_PASSWORD


def seed_demo(
    *,
    deals: int = 600,
    seed: int = 7,
    reps: int = len(REPS),
    open_only: bool = False,
    if_empty: bool = False,
    reset: bool = False,
) -> DemoSummary:
    """Fill an empty database with the demo; `reset` empties it first (DEBUG only),
    `if_empty` leaves a database with data alone. `open_only`: open deals in the main
    pipeline only, for the benchmarks. Raises DemoRefused."""
    if deals < 0:
        raise DemoRefused("--deals must be 0 or more.")
    emptied = False
    if reset:
        if if_empty:
            raise DemoRefused("Choose --reset or --if-empty, not both.")
        if not settings.DEBUG:
            raise DemoRefused(
                "--reset erases every row of the database; it runs only with DEBUG=1, "
                "on a demo or development database."
            )
        # Django's flush: every table emptied in one transaction, sequences reset.
        call_command("flush", interactive=False, verbosity=0)
        emptied = True
    if if_empty and (Deal.objects.exists() or User.objects.exists()):
        return DemoSummary(emptied=emptied, seeded=False)
    if Deal.objects.exists():
        raise DemoRefused(
            "The database already has deals; seed_demo fills an empty database only "
            "(--reset empties it first)."
        )
    started = time.monotonic()
    run = DemoRun(seed=seed, deal_count=deals, rep_count=reps, open_only=open_only)
    with transaction.atomic():
        for _name, step in STEPS:
            step(run)
    _reset_sequences()
    _analyze()
    return DemoSummary(
        emptied=emptied,
        seeded=True,
        deals=deals,
        stage_changes=run.change_count,
        activities=run.activity_count,
        seconds=time.monotonic() - started,
        logins=tuple(run.logins),
    )


def _reset_sequences() -> None:
    # Rows were inserted with explicit ids; PostgreSQL's sequences must move past them.
    models = [m for app in ("accounts", "pipeline") for m in apps.get_app_config(app).get_models()]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _analyze() -> None:
    """Give the planner statistics of the bulk-loaded tables at once. Without them (a server
    with autovacuum off, or before its first round) PostgreSQL guesses one row per filter and
    picks nested loops that took a 100,000-deal dashboard from 1.5 s to minutes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
