"""Form pieces every domain shares."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's declared `ModelChoiceField` called `name`, to narrow its queryset."""
    # `form.fields` is typed as plain `Field`; the class body declared this one.
    return cast(forms.ModelChoiceField, form.fields[name])


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's declared `ChoiceField` called `name`, to set its choices."""
    # `form.fields` is typed as plain `Field`; the class body declared this one.
    return cast(forms.ChoiceField, form.fields[name])


class OwnerChoicesForm(forms.Form):
    """A form with an `owner` field whose choices the view narrows (`owners=`) to the users
    the actor may give work to."""

    def __init__(self, *args: Any, owners: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owners is not None:
            model_choice_field(self, "owner").queryset = owners
