"""Issue 16 item 6: the duration inputs accept 15, 30, 45 and 60 minutes (any whole number)."""

import re

import pytest
from django.template.loader import render_to_string

from pipeline.forms.activities import ActivityEditForm, ActivityScheduleForm, FinishForm

pytestmark = pytest.mark.django_db


def _accepts(html: str, minutes: int) -> bool:
    """What a browser's constraint validation does with a number input's min/max/step."""
    low = int(re.search(r'min="(\d+)"', html).group(1))
    high = int(re.search(r'max="(\d+)"', html).group(1))
    found = re.search(r'step="(\d+)"', html)
    step = int(found.group(1)) if found else 1
    return low <= minutes <= high and (minutes - low) % step == 0


@pytest.mark.parametrize(
    ("form", "name"),
    [
        (ActivityScheduleForm, "duration_minutes"),
        (ActivityEditForm, "duration_minutes"),
        (FinishForm, "next_duration_minutes"),
    ],
)
def test_form_duration_accepts_quarter_hours(form, name):
    html = str(form()[name])
    for minutes in (5, 7, 15, 30, 45, 60, 90):
        assert _accepts(html, minutes), (minutes, html)


def test_schedule_snippet_duration_accepts_quarter_hours(rf, rep):
    request = rf.get("/")
    request.user = rep
    html = render_to_string("pipeline/_schedule_form.html", {"deal_id": 1}, request=request)
    field = re.search(r'<input type="number" name="duration_minutes"[^>]*>', html).group(0)
    for minutes in (5, 15, 30, 45, 60):
        assert _accepts(field, minutes), (minutes, field)
