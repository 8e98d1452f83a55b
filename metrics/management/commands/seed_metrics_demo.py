"""Demo goals, called by `seed_demo` by name (pipeline never imports metrics)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from metrics.demo import seed_goals


class Command(BaseCommand):
    help = "Add demo revenue, stage and activity goals (seed_demo calls this)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deals", type=int, default=600)

    def handle(self, *args: object, **opts: Any) -> None:
        seed_goals(deals=int(opts["deals"]))
