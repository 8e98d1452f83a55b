"""Issue 16, items 12 and 19: names in lists and on cards are isolated with <bdi>, so a
right-to-left name beside a left-to-right one keeps its place ("Org · Person"); the people
list says who is a decision maker."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from pipeline import services

ORG = "شركة النور"  # Arabic: "Al-Nour Company"
PERSON = "David Cohen"


def isolated(name: str, html: str) -> bool:
    """`name` is inside a <bdi>, alone or as the text of a link."""
    return re.search(rf"<bdi>(<a [^>]*>)?{re.escape(name)}(</a>)?</bdi>", html) is not None


def _contacts(rep):
    org = services.organization_create(actor=rep, name=ORG)
    person = services.person_create(
        actor=rep, name=PERSON, organization=org, is_decision_maker=True, phone="+36 30 123 4567"
    )
    return org, person


def test_board_cards_isolate_each_name(client, rep, make_deal):
    org, person = _contacts(rep)
    make_deal(title="Bidi", organization=org, person=person)
    client.force_login(rep)
    page = client.get(reverse("pipeline:board_default")).text
    assert f'<div class="card-sub"><bdi>{ORG}</bdi> · <bdi>{PERSON}</bdi></div>' in page


def test_lists_isolate_names(client, rep, make_deal):
    org, person = _contacts(rep)
    deal = make_deal(title="Bidi deal", organization=org, person=person)
    services.activity_create(
        actor=rep, type="call", subject="Call", due_date=timezone.localdate(), deal=deal
    )
    services.lead_create(actor=rep, title="Bidi lead", organization=org, person=person)
    client.force_login(rep)
    people = client.get(reverse("pipeline:people")).text
    assert isolated(PERSON, people) and isolated(ORG, people)
    assert isolated(ORG, client.get(reverse("pipeline:organizations")).text)
    leads = client.get(reverse("pipeline:lead_inbox")).text
    assert isolated(ORG, leads) and isolated(PERSON, leads)
    activities = client.get(reverse("pipeline:my_activities")).text
    assert isolated("Bidi deal", activities)
    assert "Bidi deal</a></bdi> · <bdi>David Cohen</bdi>" in activities
    week = client.get(reverse("pipeline:activity_calendar")).text
    assert '<span class="cal-about" dir="auto">Bidi deal</span>' in week


def test_people_list_shows_the_decision_maker_flag(client, rep):
    _contacts(rep)
    services.person_create(actor=rep, name="Not Deciding")
    client.force_login(rep)
    page = client.get(reverse("pipeline:people")).text
    row = page.split(f">{PERSON}</a></bdi>")[1].split("</tr>")[0]
    assert '<span class="badge dm">Decision maker</span>' in row
    other = page.split(">Not Deciding</a></bdi>")[1].split("</tr>")[0]
    assert "Decision maker" not in other
