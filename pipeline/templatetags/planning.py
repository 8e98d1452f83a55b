"""Template helpers for activity forms. Presentation only."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from pipeline.models import Activity

register = template.Library()


@register.simple_tag
def activity_types() -> list[tuple[str, str]]:
    return list(Activity.Type.choices)


@register.simple_tag
def next_workday() -> datetime.date:
    """The default date offered for a next step: tomorrow, or Monday after a Friday."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day
