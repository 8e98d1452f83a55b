"""Setting goals: create, change and delete, with messages that say what to fix.

Who may: an admin sets any goal (a person's, a team's, the company's); a manager those of the
reps and the teams they lead; a rep none (they see theirs read-only). What a goal must hold
is checked here, field by field, so the goals page, the weekly table and the admin agree.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from pipeline.models import Activity, Goal, Pipeline, Stage
from pipeline.selectors.goals import ACTIVITY_KINDS, goal_can_edit
from pipeline.selectors.visibility import owner_ids_editable
from shared.currencies import currency_codes_enabled
from shared.dates import format_day
from shared.errors import NotAllowed, RuleViolation

MAX_TARGET = Decimal("999999999999")
_FIELDS = (
    "kind",
    "interval",
    "target",
    "owner",
    "team",
    "pipeline",
    "stage",
    "activity_type",
    "currency",
    "starts_on",
    "ends_on",
)


class GoalInvalid(RuleViolation):
    """A goal field breaks a rule (422); `field` names the form field to show it beside."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def goal_check_assignee(actor: User, owner: User | None, team: Team | None) -> None:
    """Raise NotAllowed unless `actor` may set a goal for this person, team or the company."""
    if actor.is_admin:
        return
    if not actor.is_manager:
        raise NotAllowed(_("Only managers and admins set goals; you can see yours here."))
    if team is not None:
        if team.manager_id != actor.pk:
            raise NotAllowed(_("You can set goals only for the teams you manage."))
        return
    if owner is not None:
        if owner.pk == actor.pk:
            raise NotAllowed(_("Your own goals are set by an admin."))
        if owner.pk not in (owner_ids_editable(actor) or []):
            raise NotAllowed(_("%(owner)s is not in your team.") % {"owner": owner})
        return
    raise NotAllowed(_("Only an admin sets company goals; choose a rep or your team."))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a goal's fields; raise GoalInvalid naming the field to fix."""
    kind = values.get("kind")
    if kind not in Goal.Kind.values:
        raise GoalInvalid(_("Choose what the goal counts."), field="kind")
    if values.get("interval") not in Goal.Interval.values:
        raise GoalInvalid(_("Choose weekly, monthly or quarterly."), field="interval")
    values["target"] = _clean_target(kind, values.get("target", ""))
    if values.get("owner") is not None and values.get("team") is not None:
        raise GoalInvalid(
            _("A goal is for one person, one team or the company: not both."), field="team"
        )

    pipeline = _clean_stage(kind, values)

    activity_type = values.get("activity_type") or ""
    if activity_type and activity_type not in Activity.Type.values:
        raise GoalInvalid(_("Unknown activity type."), field="activity_type")
    if activity_type and kind not in ACTIVITY_KINDS:
        raise GoalInvalid(
            _("Only activity goals have an activity type: leave the type empty."),
            field="activity_type",
        )
    values["activity_type"] = activity_type
    if pipeline is not None and (kind in ACTIVITY_KINDS or kind == Goal.Kind.CONVERSATIONS):
        raise GoalInvalid(
            _("Activity and conversation goals count in every pipeline: leave it empty."),
            field="pipeline",
        )

    _clean_currency_and_dates(kind, values)
    return values


def _clean_target(kind: str, raw: object) -> Decimal:
    """The target as a positive amount (revenue) or whole number (every other kind)."""
    try:
        target = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise GoalInvalid(_("The target must be a number, such as 10."), field="target") from None
    if not target.is_finite() or target <= 0 or target > MAX_TARGET:
        raise GoalInvalid(_("The target must be a number above 0."), field="target")
    if kind != Goal.Kind.REVENUE and target != target.to_integral_value():
        raise GoalInvalid(
            _("This goal counts deals, activities or people: use a whole number."),
            field="target",
        )
    return target.quantize(Decimal("0.01"))


def _clean_stage(kind: str, values: dict[str, Any]) -> Pipeline | None:
    """A "deals progressed" goal needs an active stage of its pipeline (which it fills in when
    empty); other kinds take none. Returns the goal's pipeline."""
    pipeline: Pipeline | None = values.get("pipeline")
    stage: Stage | None = values.get("stage")
    if kind == Goal.Kind.DEALS_PROGRESSED:
        if stage is None:
            raise GoalInvalid(
                _("Choose the stage deals must enter for a “deals progressed” goal."),
                field="stage",
            )
        if pipeline is None:
            values["pipeline"] = pipeline = stage.pipeline
        if stage.pipeline_id != pipeline.pk:
            raise GoalInvalid(
                _(
                    "%(stage)s is a stage of %(other)s, not of %(pipeline)s: choose a stage of "
                    "%(pipeline)s or change the pipeline."
                )  # fmt: skip
                % {"stage": stage.name, "other": stage.pipeline.name, "pipeline": pipeline.name},
                field="stage",
            )
        if not stage.is_active:
            raise GoalInvalid(
                _("%(stage)s is archived: choose an active stage.") % {"stage": stage.name},
                field="stage",
            )
    elif stage is not None:
        raise GoalInvalid(
            _("Only a “deals progressed” goal has a stage: leave the stage empty."),
            field="stage",
        )
    return pipeline


def _clean_currency_and_dates(kind: str, values: dict[str, Any]) -> None:
    """A revenue goal's enabled currency (others: the default) and a start not after the end."""
    currency = (values.get("currency") or settings.DEFAULT_CURRENCY).upper()
    if kind == Goal.Kind.REVENUE and currency not in currency_codes_enabled():
        raise GoalInvalid(
            _("%(code)s is not an enabled currency.") % {"code": currency}, field="currency"
        )
    values["currency"] = currency if kind == Goal.Kind.REVENUE else settings.DEFAULT_CURRENCY

    starts_on = values.get("starts_on") or timezone.localdate()
    if not isinstance(starts_on, datetime.date):
        raise GoalInvalid(_("Enter a start date."), field="starts_on")
    values["starts_on"] = starts_on
    ends_on = values.get("ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise GoalInvalid(
            _("The goal ends before it starts: choose an end date on or after %(day)s.")
            % {"day": format_day(starts_on)},
            field="ends_on",
        )


@transaction.atomic
def goal_create(*, actor: User, **fields: Any) -> Goal:
    """Create a goal. Fields: kind, interval, target, and optionally owner or team (neither:
    the company), pipeline, stage, activity_type, currency, starts_on, ends_on."""
    unknown = set(fields) - set(_FIELDS)
    if unknown:
        raise RuleViolation(_("Unknown goal fields: %s") % ", ".join(sorted(unknown)))
    values = {"interval": Goal.Interval.MONTH, **fields}
    goal_check_assignee(actor, values.get("owner"), values.get("team"))
    values = _clean(values)
    now = timezone.now()
    return Goal.objects.create(**values, set_by=actor, created_at=now, updated_at=now)


@transaction.atomic
def goal_update(*, goal: Goal, actor: User, changes: dict[str, Any]) -> Goal:
    """Change a goal's fields. The actor must be allowed to set the goal both as it was and
    as it becomes (a manager cannot hand a goal to another team)."""
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise RuleViolation(_("Unknown goal fields: %s") % ", ".join(sorted(unknown)))
    locked = Goal.objects.select_for_update().get(pk=goal.pk)
    if not goal_can_edit(actor, locked):
        raise NotAllowed(_("You can see this goal but not change it."))
    values = {f: getattr(locked, f) for f in _FIELDS} | changes
    goal_check_assignee(actor, values.get("owner"), values.get("team"))
    values = _clean(values)
    for key, value in values.items():
        setattr(locked, key, value)
    locked.set_by = actor
    locked.updated_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def goal_delete(*, goal: Goal, actor: User) -> None:
    locked = Goal.objects.select_for_update().get(pk=goal.pk)
    if not goal_can_edit(actor, locked):
        raise NotAllowed(_("You can see this goal but not delete it."))
    locked.delete()
