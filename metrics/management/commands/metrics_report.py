"""Print the figures of docs/metrics.md for a pipeline and period, as JSON or a table.

    manage.py metrics_report --pipeline "B2B Sales" --from 2026-01-01 --to 2026-03-31 \
        --format json [--owner alex | --team "Field Sales"] [--currency USD]

The JSON keys listed in docs/metrics.md are a contract for integrations.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Team, User
from metrics.selectors.report import MetricsReport, jsonable, metrics_report
from metrics.selectors.scope import default_period, scope_build
from pipeline.models import Pipeline
from shared.errors import ServiceError


def _date(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"{raw!r} is not a date; write it as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = "Print win rate, deal size, cycle, funnel and more for a pipeline and period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pipeline", required=True, help="Pipeline name.")
        parser.add_argument("--from", dest="start", help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", help="Last day, included (YYYY-MM-DD).")
        parser.add_argument("--format", choices=["json", "table"], default="table")
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--owner", help="Only this owner's deals (username).")
        who.add_argument("--team", help="Only the deals of this team's members (team name).")
        parser.add_argument(
            "--currency",
            default="",
            help="Amounts in this enabled currency with a rate (default: the base currency).",
        )

    def handle(self, *args: object, **opts: Any) -> None:
        pipeline = Pipeline.objects.filter(name=opts["pipeline"]).first()
        if pipeline is None:
            names = ", ".join(Pipeline.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No pipeline named {opts['pipeline']!r}. Pipelines: {names}.")
        start, end = default_period()
        if opts["start"]:
            start = _date(opts["start"])
        if opts["end"]:
            end = _date(opts["end"])
        owner = team = None
        if opts["owner"]:
            owner = User.objects.filter(username=opts["owner"]).first()
            if owner is None:
                raise CommandError(f"No user with the username {opts['owner']!r}.")
        if opts["team"]:
            team = Team.objects.filter(name=opts["team"]).first()
            if team is None:
                raise CommandError(f"No team named {opts['team']!r}.")
        try:
            scope = scope_build(
                pipeline=pipeline,
                start=start,
                end=end,
                owner=owner,
                team=team,
                currency=opts["currency"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        report = metrics_report(scope)
        if opts["format"] == "json":
            self.stdout.write(json.dumps(jsonable(report), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_table(report))


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.4g}" if value < 1 else f"{value:,.2f}"
    return str(value)


def _table(r: MetricsReport) -> str:
    cur = r.currency
    rates = ", ".join(
        f"1 {code} = {rate.rate} {cur} on {rate.date}" for code, rate in r.rates.items()
    )
    lines = [
        f"{r.pipeline} · {r.start} … {r.end} · {r.scope} · amounts in {cur} "
        f"at stored rates" + (f" ({rates})" if rates else ""),
        f"  Won deals left out of amounts (no rate for their currency): {r.won_unconverted_count}",
        "",
        f"  Win rate            {_fmt(r.win_rate)}  ({r.won_count} won, {r.lost_count} lost)",
        f"  Won value           {_fmt(r.won_value)}",
        f"  Deal size           mean {_fmt(r.avg_won_value)}, median {_fmt(r.median_won_value)}",
        f"  Cycle (won), days   median {_fmt(r.cycle_days_won.median)}, "
        f"mean {_fmt(r.cycle_days_won.mean)}",
        f"  Cycle (lost), days  median {_fmt(r.cycle_days_lost.median)}, "
        f"mean {_fmt(r.cycle_days_lost.mean)}",
        f"  Velocity per day    {_fmt(r.velocity)}  ({r.open_count} open deals)",
        f"  Weighted pipeline   {_fmt(r.weighted_pipeline)}",
        f"  Top 20% orgs' share {_fmt(r.top20_org_share)}",
        "",
        "  Funnel (deals created in the period)",
    ]
    for f in r.funnel:
        lines.append(f"    {f.stage:<36} {f.reached:>7}  {_fmt(f.conversion)}")
    lines.append(f"    {'Won':<36} {r.created_won:>7}  {_fmt(r.overall_conversion)} overall")
    lines += ["", "  Time in stage, days (median / p90 / completed; open stays)"]
    for t in r.time_in_stage:
        lines.append(
            f"    {t.stage:<36} {_fmt(t.median_days):>7} {_fmt(t.p90_days):>7} "
            f"{t.completed:>6};  {t.in_progress} open, median "
            f"{_fmt(t.in_progress_median_days)}"
        )
    lines += ["", "  Stale deals: " + ", ".join(f"{k} {v}" for k, v in r.stale_counts.items())]
    lines += ["", "  By owner (win rate, won, won value)"]
    for o in r.by_owner:
        lines.append(
            f"    {o.owner:<20} {_fmt(o.win_rate):>7} {o.won_count:>5} {_fmt(o.won_value):>14}"
        )
    return "\n".join(lines)
