"""Template helpers for activity forms. Presentation only."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django import template

from pipeline.models import Activity
from pipeline.selectors.activities import next_workday

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()


@register.simple_tag
def activity_types() -> list[tuple[str, StrOrPromise]]:
    return list(Activity.Type.choices)


@register.simple_tag(name="next_workday")
def next_workday_tag() -> datetime.date:
    return next_workday()
