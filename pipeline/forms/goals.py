"""The goal form: parses the goals page's fields; the rules live in `services.goals`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from pipeline.models import Activity, Goal, Pipeline, Stage
from pipeline.selectors.visibility import owner_ids_editable
from shared.currencies import currency_codes_enabled
from shared.forms import choice_field
from shared.validation import validate_date_range
from shared.widgets import IsoDateInput, MoneyField


class StageChoiceField(forms.ModelChoiceField):
    """Stages of every pipeline in one list, so each says which pipeline it belongs to."""

    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline.name} · {obj.name}"


def assignee_choices(user: User) -> list[tuple[str, str]]:
    """Whom `user` may set goals for: admins the company, every team and every person;
    managers the teams they manage and their reps."""
    choices: list[tuple[str, str]] = []
    teams = Team.objects.order_by("name")
    people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if user.is_admin:
        choices.append(("company", str(_("Company"))))
    else:
        teams = teams.filter(manager=user)
        people = people.filter(pk__in=owner_ids_editable(user) or []).exclude(pk=user.pk)
    choices += [(f"team:{t.pk}", str(_("Team %(team)s") % {"team": t.name})) for t in teams]
    choices += [(f"user:{u.pk}", str(u)) for u in people]
    return choices


class GoalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Goal type"), choices=Goal.Kind.choices)
    assignee = forms.ChoiceField(label=_("For"))
    interval = forms.ChoiceField(label=_("Interval"), choices=Goal.Interval.choices)
    target = MoneyField(label=_("Target"), help_text=_("A count, or an amount for revenue goals."))
    currency = forms.ChoiceField(label=_("Currency (revenue goals)"), required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.filter(is_active=True).order_by("position", "id"),
        required=False,
        empty_label=_("Every pipeline"),
    )
    stage = StageChoiceField(
        label=_("Stage (deals progressed)"),
        queryset=Stage.objects.filter(is_active=True, pipeline__is_active=True)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position"),
        required=False,
        empty_label="—",
    )
    activity_type = forms.ChoiceField(
        label=_("Activity type (activity goals)"),
        choices=[("", _("Every type")), *Activity.Type.choices],
        required=False,
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=IsoDateInput(), validators=[validate_date_range]
    )
    ends_on = forms.DateField(
        label=_("Ends on (optional)"),
        required=False,
        widget=IsoDateInput(),
        validators=[validate_date_range],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "assignee").choices = assignee_choices(user)
        choice_field(self, "currency").choices = [(c, c) for c in currency_codes_enabled()]

    @staticmethod
    def initial_for(goal: Goal) -> dict[str, Any]:
        if goal.owner_id:
            assignee = f"user:{goal.owner_id}"
        elif goal.team_id:
            assignee = f"team:{goal.team_id}"
        else:
            assignee = "company"
        target = goal.target if goal.is_money else goal.target.to_integral_value()
        return {
            "kind": goal.kind,
            "assignee": assignee,
            "interval": goal.interval,
            "target": target,
            "currency": goal.currency,
            "pipeline": goal.pipeline_id,
            "stage": goal.stage_id,
            "activity_type": goal.activity_type,
            "starts_on": goal.starts_on,
            "ends_on": goal.ends_on,
        }

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as `goal_create`/`goal_update` take it."""
        data = dict(self.cleaned_data)
        kind, _sep, pk = data.pop("assignee").partition(":")
        data["owner"] = User.objects.get(pk=int(pk)) if kind == "user" else None
        data["team"] = Team.objects.get(pk=int(pk)) if kind == "team" else None
        data["activity_type"] = data.get("activity_type") or ""
        return data
