"""Issue 16 item 1: date and time inputs carry ISO values in every language.

A browser's type=date field reads only 2027-03-02; a value in the local format
(2027.03.02., 2027/03/02, 02.03.2027) shows an empty field, and saving erases the date."""

import datetime
import importlib
import inspect

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from accounts.services import user_set_preferences
from pipeline import services

pytestmark = pytest.mark.django_db

LANGUAGES = ["hu", "zh-hans", "fi"]
FORM_MODULES = [
    "pipeline.forms.deals",
    "pipeline.forms.activities",
    "pipeline.forms.goals",
    "pipeline.forms.contacts",
    "pipeline.forms.currencies",
    "pipeline.forms.stages",
    "pipeline.forms.imports",
    "metrics.forms",
    "accounts.forms",
]
VALUES = {
    forms.DateField: (datetime.date(2027, 3, 2), 'value="2027-03-02"'),
    forms.TimeField: (datetime.time(14, 30), 'value="14:30"'),
    forms.DateTimeField: (datetime.datetime(2027, 3, 2, 14, 30), 'value="2027-03-02T14:30"'),
}


def _date_fields():
    found = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != name:
                continue
            for field_name, field in getattr(cls, "base_fields", {}).items():
                for kind in VALUES:
                    if isinstance(field, kind):
                        found.append(pytest.param(field, kind, id=f"{cls.__name__}.{field_name}"))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("field", "kind"), _date_fields())
def test_every_date_and_time_field_renders_iso(field, kind, language):
    value, expected = VALUES[kind]
    with translation.override(language):
        html = field.widget.render("x", value)
        parsed = field.clean(expected.split('"')[1])
    assert expected in html
    assert f'type="{field.widget.input_type}"' in html
    assert parsed == value


def test_the_list_of_forms_is_not_empty():
    assert len(_date_fields()) >= 10


@pytest.mark.parametrize("language", LANGUAGES)
def test_deal_page_fills_the_close_date_in_iso_and_saving_keeps_it(
    client, rep, make_deal, language
):
    deal = make_deal(expected_close_date=datetime.date(2027, 3, 2))
    user_set_preferences(user=rep, actor=rep, language=language)
    client.force_login(rep)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()
    assert 'name="expected_close_date" value="2027-03-02"' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_goal_and_activity_pages_fill_dates_in_iso(client, manager, rep, make_deal, language):
    goal = services.goal_create(
        actor=manager,
        kind="deals_won",
        target=3,
        owner=rep,
        starts_on=datetime.date(2027, 1, 4),
        ends_on=datetime.date(2027, 3, 2),
    )
    activity = services.activity_create(
        actor=rep,
        type="call",
        subject="Call",
        due_date=datetime.date(2027, 3, 2),
        due_time=datetime.time(9, 5),
        deal=make_deal(),
    )
    user_set_preferences(user=manager, actor=manager, language=language)
    client.force_login(manager)
    page = client.get(reverse("pipeline:goal_edit", args=[goal.pk])).content.decode()
    assert 'value="2027-01-04"' in page and 'value="2027-03-02"' in page
    page = client.get(reverse("pipeline:activity_detail", args=[activity.pk])).content.decode()
    assert 'name="due_date" value="2027-03-02"' in page
    assert 'name="due_time" value="09:05"' in page
