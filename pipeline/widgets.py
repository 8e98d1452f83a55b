"""Form widgets shared by every domain.

Browsers read and post ``type=date``/``time``/``datetime-local`` values in ISO 8601 whatever
the page's language (they show them in the user's own format). Django's default widgets fill
the value in the active language's input format (``2027.03.02.`` in Hungarian), which the
browser cannot read: the field shows empty and the next save erases the date. These widgets
always write ISO; the form fields accept ISO in every language."""

from __future__ import annotations

from typing import Any

from django import forms


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoTimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class IsoDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")
