"""Template helpers for activity forms. Presentation only."""

from __future__ import annotations

import datetime

from django import template

from pipeline.models import Activity
from pipeline.selectors.activities import next_workday

register = template.Library()


@register.simple_tag
def activity_types() -> list[tuple[str, str]]:
    return list(Activity.Type.choices)


@register.simple_tag(name="next_workday")
def next_workday_tag() -> datetime.date:
    return next_workday()
