"""Small layout faults seen on the way (issue 16, item 19): the leads table's row lines meet,
phone numbers never break in the middle, and the goal tiles keep their distance from the
Overdue panel on "My activities"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pipeline import services
from pipeline.models import Goal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leads_row_lines_line_up(login, live_server, rep):
    services.lead_create(actor=rep, title="A lead with actions", new_organization_name="Acme")
    page = login(rep)
    page.goto(f"{live_server.url}{reverse('pipeline:lead_inbox')}")
    bottoms = page.evaluate(
        "Array.from(document.querySelectorAll('table.leads tbody tr:first-child td'))"
        ".map(td => Math.round(td.getBoundingClientRect().bottom))"
    )
    assert len(bottoms) == 7 and len(set(bottoms)) == 1, bottoms


def test_phone_numbers_do_not_wrap(live_server, login, rep):
    services.person_create(
        actor=rep,
        name="Szentgyörgyvölgyi-Kisbalázs Erzsébet Mária",
        email="erzsebet.maria.szentgyorgyvolgyi-kisbalazs@eszaki-energia.example.com",
        job_title="Beszerzési és logisztikai igazgatóhelyettes",
        phone="+36 30 123 4567",
    )
    page = login(rep)
    page.set_viewport_size({"width": 1024, "height": 700})
    page.goto(f"{live_server.url}{reverse('pipeline:people')}")
    lines = page.locator('a[href^="tel:"]').evaluate("a => a.getClientRects().length")
    assert lines == 1


def test_goal_tiles_keep_their_distance_from_the_overdue_panel(login, live_server, rep, admin):
    services.goal_create(
        actor=admin,
        kind=Goal.Kind.ACTIVITIES_DONE,
        interval=Goal.Interval.WEEK,
        activity_type="call",
        target=5,
        owner=rep,
    )
    page = login(rep)
    page.goto(f"{live_server.url}{reverse('pipeline:my_activities')}")
    goals = page.locator("section.goals").bounding_box()
    overdue = page.locator(".act-section").first.bounding_box()
    assert overdue["y"] - (goals["y"] + goals["height"]) >= 8
