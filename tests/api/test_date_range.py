"""One date range, 1900-01-01 to 2999-12-31, for every date typed, imported or put in a URL
(issue 15, item 9)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from pipeline import services
from pipeline.models import Activity, Deal
from pipeline.services.activities import calendar_feed_rotate
from pipeline.services.imports import ImportOptions, deal_import_preview
from pipeline.services.imports.csvfiles import parse_date, parse_datetime

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_api_refuses_dates_outside_the_range(api_rep, make_deal, rep, day):
    deal = make_deal(owner=rep)
    r = api_rep.post(
        "/api/activities/",
        {"type": "call", "subject": "x", "due_date": day, "deal": deal.pk},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert "1900-01-01" in r.json()["errors"]["due_date"][0]
    r = api_rep.patch(
        f"/api/deals/{deal.pk}/", {"version": 1, "expected_close_date": day}, format="json"
    )
    assert r.status_code == 400 and "expected_close_date" in r.json()["errors"]
    assert not Activity.objects.exists()
    assert Deal.objects.get().expected_close_date is None


def test_api_accepts_the_edges(api_rep, make_deal, rep):
    deal = make_deal(owner=rep)
    for day in ("1900-01-01", "2999-12-31"):
        r = api_rep.post(
            "/api/activities/",
            {"type": "call", "subject": "x", "due_date": day, "deal": deal.pk},
            format="json",
        )
        assert r.status_code == 201, r.content


def test_form_refuses_a_far_date(client, rep, make_deal):
    deal = make_deal(owner=rep)
    client.force_login(rep)
    client.post(
        reverse("pipeline:activity_schedule"),
        {
            "type": "call",
            "subject": "Late",
            "due_date": "9999-12-31",
            "due_time": "23:30",
            "deal": deal.pk,
        },
    )
    assert not Activity.objects.exists()


def test_import_reports_a_far_date_as_a_row_problem(tmp_path, admin, stages):
    with pytest.raises(ValueError):
        parse_date("9999-12-31")
    with pytest.raises(ValueError):
        parse_datetime("0001-01-01 10:00")
    assert parse_date("2999-12-31") == datetime.date(2999, 12, 31)
    path = tmp_path / "deals.csv"
    path.write_text("title,stage,expected_close_date\nA,Lead in,9999-12-31\n", encoding="utf-8")
    report = deal_import_preview(source=path, actor=admin, options=ImportOptions())
    assert [p["column"] for p in report.problems] == ["expected_close_date"]


def test_query_parameters_are_clamped(client, rep, admin, make_deal):
    make_deal(owner=rep)
    client.force_login(rep)
    for week in ("9999-12-31", "0001-01-01"):
        r = client.get(reverse("pipeline:activity_calendar"), {"week": week})
        assert r.status_code == 200, week
    client.force_login(admin)
    r = client.get(reverse("metrics:dashboard"), {"start": "0001-01-01", "end": "1900-03-01"})
    assert r.status_code == 200
    assert 'value="1900-01-01"' in r.content.decode()
    r = client.get(reverse("metrics:dashboard"), {"start": "0001-01-01"})
    assert r.status_code == 200
    # A period that is still too long after clamping is refused with its reason, not a 500.
    r = client.get(reverse("metrics:dashboard"), {"start": "0001-01-01", "end": "9999-12-31"})
    assert r.status_code == 422 and "at most three years" in r.content.decode()
    r = client.get(reverse("metrics:dashboard"), {"start": "9999-12-01", "end": "9999-12-31"})
    assert r.status_code == 200


def test_calendar_feed_survives_an_activity_stored_at_the_end_of_time(client, rep, make_deal):
    deal = make_deal(owner=rep)
    activity = services.activity_create(
        actor=rep,
        type="call",
        subject="Fine",
        due_date=datetime.date(2030, 1, 2),
        due_time=datetime.time(10, 0),
        deal=deal,
    )
    # Written past the validators, as rows stored before the range existed.
    late = services.activity_create(
        actor=rep, type="call", subject="Late", due_date=datetime.date(2030, 1, 3), deal=deal
    )
    Activity.objects.filter(pk=late.pk).update(
        due_date=datetime.date(9999, 12, 31), due_time=datetime.time(23, 30)
    )
    feed = calendar_feed_rotate(actor=rep)
    r = client.get(reverse("pipeline:calendar_feed", args=[feed.token]))
    assert r.status_code == 200
    text = r.content.decode()
    assert "Fine" in text and "Late" not in text
    assert activity.pk
