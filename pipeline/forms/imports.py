"""Forms of the import pages (upload, then column mapping and options)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pipeline.models import ImportJob, Pipeline
from pipeline.services.imports import IMPORTERS
from pipeline.services.imports.common import FIELD_LABELS


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file contains"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 (with or without BOM); columns separated by comma, semicolon or tab; "
            "up to 200 MB."
        ),
    )


class ImportMappingForm(forms.Form):
    number_format = forms.ChoiceField(
        label=_("Numbers look like"),
        choices=[("point", "1,234.50"), ("comma", "1 234,50 / 1.234,50")],
    )
    create_missing = forms.BooleanField(
        label=_("Create stages, owners, organizations, people and lost reasons I do not have yet"),
        required=False,
        help_text=_("New owners are added as users who cannot log in until an admin invites them."),
    )

    def __init__(self, *args, job: ImportJob, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("— not in the file —"))] + [(h, h) for h in job.header if h]
        self.targets = IMPORTERS[job.kind][0]
        for target in self.targets:
            self.fields[f"col_{target}"] = forms.ChoiceField(
                label=FIELD_LABELS.get(target, target),
                choices=choices,
                required=False,
                initial=job.mapping.get(target, ""),
            )
        if job.kind == ImportJob.Kind.DEALS:
            self.fields["date_format"] = forms.ChoiceField(
                label=_("Dates like 03/04/2027 are"),
                choices=[
                    ("", _("Not in the file, or ask me")),
                    ("dmy", _("day/month/year (15/01/2027)")),
                    ("mdy", _("month/day/year (01/15/2027)")),
                ],
                required=False,
                help_text=_(
                    "2027-01-15 and 15.01.2027 are always read; so is 15/01/2027 when only "
                    "one reading is a date."
                ),
            )
            self.fields["pipeline"] = forms.ChoiceField(
                label=_("Pipeline for rows without one"),
                choices=[("", _("— the first pipeline —"))]
                + [(p.name, p.name) for p in Pipeline.objects.filter(is_active=True)],
                required=False,
            )
        options = job.options or {}
        self.fields["number_format"].initial = options.get("number_format", "point")
        self.fields["create_missing"].initial = options.get("create_missing", False)
        if "pipeline" in self.fields:
            self.fields["pipeline"].initial = options.get("pipeline") or ""
        if "date_format" in self.fields:
            orders = (job.report or {}).get("date_orders") or {}
            # Suggest the order the file's unambiguous dates show when it must be chosen.
            suggested = "mdy" if orders.get("mdy", 0) > orders.get("dmy", 0) else "dmy"
            needed = (job.report or {}).get("date_order_needed")
            self.fields["date_format"].initial = options.get("date_format") or (
                suggested if needed else ""
            )

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{t}"] for t in self.targets]

    def mapping(self) -> dict[str, str]:
        return {t: self.cleaned_data.get(f"col_{t}") or "" for t in self.targets}
