"""Writes of the metrics app: the nightly snapshots.

`snapshots_compute` is idempotent: for a day it upserts one row per (pipeline, scope, metric)
on the unique key and removes rows of that day a re-run no longer produces (a scope that
vanished), in one transaction per pipeline, so a re-run or a retried task replaces, never
duplicates, and a crash part-way leaves each pipeline either as before or fully recomputed.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from metrics.models import MetricSnapshot
from metrics.selectors.report import MetricsReport, jsonable, metrics_report, metrics_reports
from metrics.selectors.scope import DEFAULT_PERIOD_DAYS, Scope
from metrics.selectors.snapshots import REPORT_METRIC, report_metric, snapshot_value
from pipeline import services as pipeline_services
from pipeline.models import Deal, LostReason, Pipeline
from pipeline.selectors.visibility import deal_list_visible
from shared.currencies import currency_rates
from shared.errors import NotVisible, RuleViolation, ServiceError, VersionConflict
from shared.money import Rate

log = logging.getLogger(__name__)


def _scopes(
    pipeline: Pipeline, day: datetime.date, as_of: datetime.datetime
) -> list[tuple[Scope, int | None, int | None]]:
    start = day - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    # One set of exchange rates for every scope of the run.
    everyone = Scope(pipeline=pipeline, start=start, end=day, as_of=as_of, rates=currency_rates())
    scopes: list[tuple[Scope, int | None, int | None]] = [(everyone, None, None)]
    owners = list(
        User.objects.filter(pk__in=Deal.objects.filter(pipeline=pipeline).values("owner_id"))
        .order_by("pk")
        .values_list("pk", "team_id")
    )
    for team in Team.objects.order_by("pk"):
        members = tuple(pk for pk, team_id in owners if team_id == team.pk)
        if members:
            scope = dataclasses.replace(
                everyone, owner_ids=members, kind="team", key=f"team:{team.pk}"
            )
            scopes.append((scope, None, team.pk))
    for pk, _team_id in owners:
        scope = dataclasses.replace(everyone, owner_ids=(pk,), kind="owner", key=f"owner:{pk}")
        scopes.append((scope, pk, None))
    return scopes


def _display_currency_keys(rates: dict[str, Rate]) -> dict[str, set[str]]:
    """{currency: scope keys} to store in the display currencies users chose (enabled, with
    a rate, not the base): the scope each such user's dashboard opens on, i.e. everyone's
    figures for an admin, their own for a rep or manager, and a manager's teams (2 queries)."""
    base = settings.DEFAULT_CURRENCY
    wanted: dict[str, set[str]] = {}
    managers: dict[int, str] = {}
    for user in User.objects.filter(is_active=True).exclude(display_currency=""):
        code = user.display_currency.upper()
        if code == base or code not in rates:
            continue
        keys = wanted.setdefault(code, set())
        keys.add("all" if user.is_admin else f"owner:{user.pk}")
        if user.is_manager:
            managers[user.pk] = code
    for team_id, manager_id in Team.objects.filter(manager_id__in=managers).values_list(
        "pk", "manager_id"
    ):
        wanted[managers[manager_id]].add(f"team:{team_id}")
    return wanted


def _reports_in(
    code: str, keys: set[str], scopes: list[tuple[Scope, int | None, int | None]]
) -> list[tuple[tuple[Scope, int | None, int | None], MetricsReport]]:
    """The reports of the scopes among `scopes` whose key is in `keys`, in currency `code`:
    together with everyone's when everyone's is wanted (one pass covers all owners), else
    each alone (a few reps' figures cost their own deals, not the pipeline's)."""
    chosen = [
        (dataclasses.replace(scope, to_currency=code), owner_id, team_id)
        for scope, owner_id, team_id in scopes
        if scope.key in keys
    ]
    if not chosen:
        return []
    if "all" in keys:
        base = dataclasses.replace(scopes[0][0], to_currency=code)
        reports = metrics_reports(base, [scope for scope, _o, _t in chosen])
    else:
        reports = [metrics_report(scope) for scope, _o, _t in chosen]
    return list(zip(chosen, reports, strict=True))


def snapshots_compute(*, day: datetime.date, pipeline: Pipeline | None = None) -> int:
    """Compute and store every metric for `day` (the 90 days ending that day), for every
    active pipeline (or one), for everyone, each team and each owner, in the base currency;
    and the whole report again in each display currency users chose, for the scopes they open
    (`_display_currency_keys`). Returns rows written."""
    end_of_day = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    as_of = min(timezone.now(), end_of_day)
    pipelines = [pipeline] if pipeline else list(Pipeline.objects.filter(is_active=True))
    written = 0
    for p in pipelines:
        rows = []
        now = timezone.now()
        scopes = _scopes(p, day, as_of)
        # Every scope of the pipeline in one go: the figures that add up are computed once
        # per owner, the percentiles once per kind of scope (see metrics_reports).
        reports = metrics_reports(scopes[0][0], [scope for scope, _o, _t in scopes])
        row = functools.partial(_snapshot_row, day, p, now)
        for place, raw in zip(scopes, reports, strict=True):
            # The whole report, exactly, for the dashboard (metrics.selectors.snapshots) ...
            rows.append(row(place, REPORT_METRIC, snapshot_value(raw, place[0])))
            # ... and one row per figure, as JSON numbers, for trends and scripts.
            for metric, value in jsonable(raw).items():
                if metric not in ("pipeline", "from", "to", "scope", "currency"):
                    rows.append(row(place, metric, value))
        # The whole report again in each display currency users chose, for their scopes.
        for code, keys in sorted(_display_currency_keys(scopes[0][0].rate_map()).items()):
            for place, raw in _reports_in(code, keys, scopes):
                rows.append(row(place, report_metric(code), snapshot_value(raw, place[0])))
        written += _store(day, p, rows)
        log.info("metrics for %s on %s: %d rows", p, day, len(rows))
    return written


def _snapshot_row(
    day: datetime.date,
    pipeline: Pipeline,
    now: datetime.datetime,
    place: tuple[Scope, int | None, int | None],
    metric: str,
    value: object,
) -> MetricSnapshot:
    """One stored figure of a scope (`place`: the scope, its owner id, its team id)."""
    scope, owner_id, team_id = place
    return MetricSnapshot(
        date=day,
        pipeline=pipeline,
        scope_kind=scope.kind,
        scope_key=scope.key,
        owner_id=owner_id,
        team_id=team_id,
        metric=metric,
        value=value,
        computed_at=now,
    )


@transaction.atomic
def _store(day: datetime.date, pipeline: Pipeline, rows: list[MetricSnapshot]) -> int:
    MetricSnapshot.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["date", "pipeline", "scope_key", "metric"],
        update_fields=["scope_kind", "owner", "team", "value", "computed_at"],
    )
    # Every row of this run carries the same computed_at; older ones are scopes that vanished.
    leftovers = MetricSnapshot.objects.filter(date=day, pipeline=pipeline)
    if rows:
        leftovers = leftovers.exclude(computed_at=rows[0].computed_at)
    leftovers.delete()
    return len(rows)


@transaction.atomic
def stale_cleanup_bulk(
    *,
    actor: User,
    deals: list[tuple[int, int]],
    action: str,
    reason: LostReason | None = None,
    note: str = "",
    until: datetime.date | None = None,
    activity_type: str = "",
    subject: str = "",
    due_date: datetime.date | None = None,
) -> int:
    """Apply one cleanup action to many deals, all or nothing, through the deal services.

    `deals` holds (id, version the user saw). `action` is "lose" (with `reason`), "park"
    (until `until`; the deal comes back that day with one follow-up task) or "schedule" (an
    activity of `activity_type` due on `due_date`). Every change is recorded by the services'
    history; a refusal on any deal rolls back all of them and names the deal.
    """
    if action not in ("lose", "park", "schedule"):
        raise RuleViolation(_("Unknown action; choose lose, park or schedule."))
    if action == "schedule" and (due_date is None or due_date < timezone.localdate()):
        raise RuleViolation(_("Choose a due date today or later for the next activity."))
    visible = deal_list_visible(actor).select_related(
        "stage", "pipeline", "person", "organization", "owner"
    )
    done = 0
    for deal_id, version in deals:
        deal = visible.filter(pk=deal_id).first()
        if deal is None:
            raise NotVisible(_("One of the deals does not exist or you may not see it."))
        try:
            _cleanup_one(
                actor=actor,
                deal=deal,
                version=version,
                action=action,
                reason=reason,
                note=note,
                until=until,
                activity_type=activity_type,
                subject=subject,
                due_date=due_date,
            )
        except ServiceError as exc:
            exc.message = _("%(deal)s: %(problem)s Nothing was changed.") % {
                "deal": deal.title,
                "problem": exc.message,
            }
            exc.args = (exc.message,)
            raise
        done += 1
    return done


def _cleanup_one(
    *,
    actor: User,
    deal: Deal,
    version: int,
    action: str,
    reason: LostReason | None,
    note: str,
    until: datetime.date | None,
    activity_type: str,
    subject: str,
    due_date: datetime.date | None,
) -> None:
    if action == "lose":
        pipeline_services.deal_lose(
            deal=deal,
            expected_version=version,
            actor=actor,
            reason=reason,
            note=note,
            source="form",
        )
    elif action == "park":
        if until is None:
            raise RuleViolation(_("Choose the date to revisit the deals."))
        # The follow-up task is added when the deal comes back (`deal_unpark_due`), as for a
        # deal parked from its page; adding one here too gave every such deal two.
        pipeline_services.deal_park(deal=deal, until=until, expected_version=version, actor=actor)
    else:
        if deal.version != version:
            raise VersionConflict(
                _("Someone changed this deal since you loaded the list; reload it."), deal=deal
            )
        pipeline_services.activity_create(
            actor=actor,
            type=activity_type,
            subject=subject,
            due_date=due_date,  # type: ignore[arg-type]  # the form made it required for this action
            deal=deal,
            done=False,
        )
