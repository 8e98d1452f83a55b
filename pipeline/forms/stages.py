"""Forms for the pipeline settings pages (pipelines, stages, lost reasons); the rules live in
pipeline/services/stages.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pipeline.models import Stage
from shared.forms import model_choice_field


class NameForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, error_messages={"required": _("Enter a name.")}
    )


class PipelineCreateForm(NameForm):
    stage_names = forms.CharField(
        label=_("Stages"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line, in order. Empty: the usual five sales stages."),
    )

    def clean_stage_names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["stage_names"].splitlines()]


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    win_probability = forms.IntegerField(
        label=_("Win probability (%)"), min_value=0, max_value=100, initial=0
    )
    rotting_days = forms.IntegerField(
        label=_("Rotting after (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Empty: deals never rot in this stage."),
    )
    definition_of_done = forms.CharField(
        label=_("Definition of done"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The result a deal must reach in this stage before it moves on."),
    )
    requirements = forms.MultipleChoiceField(
        label=_("A deal may enter this stage only when"),
        choices=Stage.Requirement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_moment_of_truth = forms.BooleanField(
        label=_("Moment of truth"),
        required=False,
        help_text=_(
            "The step after which a deal usually closes; the metrics report conversion from "
            "it. Only one stage per pipeline."
        ),
    )


class StageArchiveForm(forms.Form):
    move_deals_to = forms.ModelChoiceField(
        label=_("Move its deals to"),
        queryset=Stage.objects.none(),
        required=False,
        empty_label=_("Choose a stage…"),
    )

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "move_deals_to").queryset = (
            Stage.objects.filter(pipeline_id=stage.pipeline_id, is_active=True)
            .exclude(pk=stage.pk)
            .order_by("position")
        )


class StageOrderForm(forms.Form):
    """The new order as a comma-separated list of stage ids (what the drag-and-drop sends)."""

    order = forms.CharField(max_length=2000)

    def clean_order(self) -> list[int]:
        try:
            return [int(part) for part in self.cleaned_data["order"].split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("The new order is not a list of stages.")) from exc


class StageStepForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
