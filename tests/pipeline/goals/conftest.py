"""A small March 2026 history for the goal tests, written through the services at the moments
it happened (the clock is moved with time-machine).

Pipeline "Sales": Lead in (0), Qualified (1), Proposal (2), Negotiation (3). Team A: rita
(rep), tom (teammate), managed by mona; team B: olga (outsider). The day of reference is
Friday 2026-03-13: its week runs Mon 03-09 … Sun 03-15, its month March, its quarter Q1.

    A rita 1000 EUR  created 02-20, Proposal 03-10, won 03-12 (in Proposal)
    B rita  500 USD  created 03-02, won 03-05 (from Lead in)
    C tom  2000 EUR  created 03-10, Proposal 03-11, Qualified 03-12, Proposal 03-13 (open)
    D olga 4000 EUR  created 01-15, Proposal 01-20, won 02-10
    E rita  300 EUR  created 03-16 (next week), Proposal 03-16
    F tom   700 EUR  created 03-04 straight into Proposal

Activities (rita's unless said): call with Bob done 02-01; call with Anna done 03-10;
meeting with Anna done 03-11; call with Bob done 03-12; email with Anna done 03-12 (not a
conversation); call scheduled for 03-20, not done (added 03-12). Tom: email done 03-03,
task added 03-05 for 03-20.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from pipeline import services
from pipeline.models import Deal
from pipeline.services.contacts import organization_create, person_create

DAY = datetime.date(2026, 3, 13)


def at(day: str) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T10:00:00+00:00"), tick=False)


def _fresh(deal: Deal) -> Deal:
    return Deal.objects.select_related("stage", "pipeline").get(pk=deal.pk)


@pytest.fixture
def march(stages, rep, teammate, outsider, admin):
    # Deals may use enabled currencies only; USD has no rate until `usd_rate`.
    services.currency_enable(code="USD", actor=admin)

    def create(day, owner, value, currency="EUR", stage=0):  # noqa: ANN001, ANN202
        with at(day):
            return services.deal_create(
                actor=owner,
                owner=owner,
                title=f"{owner.username} {day}",
                pipeline_stage=stages[stage],
                value=Decimal(value),
                currency=currency,
            )

    def move(deal, day, stage):  # noqa: ANN001, ANN202
        deal = _fresh(deal)
        with at(day):
            services.deal_move(
                deal=deal, to_stage=stages[stage], expected_version=deal.version, actor=deal.owner
            )

    def win(deal, day):  # noqa: ANN001, ANN202
        deal = _fresh(deal)
        with at(day):
            services.deal_win(deal=deal, expected_version=deal.version, actor=deal.owner)

    def activity(day, owner, type_, *, due=None, done=True, **kw):  # noqa: ANN001, ANN202
        with at(day):
            return services.activity_create(
                actor=owner,
                owner=owner,
                type=type_,
                subject="",
                due_date=datetime.date.fromisoformat(due or day),
                done=done,
                **kw,
            )

    d = {}
    d["A"] = create("2026-02-20", rep, "1000")
    move(d["A"], "2026-03-10", 2)
    win(d["A"], "2026-03-12")
    d["B"] = create("2026-03-02", rep, "500", "USD")
    win(d["B"], "2026-03-05")
    d["C"] = create("2026-03-10", teammate, "2000")
    move(d["C"], "2026-03-11", 2)
    move(d["C"], "2026-03-12", 1)
    move(d["C"], "2026-03-13", 2)
    d["D"] = create("2026-01-15", outsider, "4000")
    move(d["D"], "2026-01-20", 2)
    win(d["D"], "2026-02-10")
    d["E"] = create("2026-03-16", rep, "300")
    move(d["E"], "2026-03-16", 2)
    d["F"] = create("2026-03-04", teammate, "700", stage=2)

    with at("2026-02-01"):
        acme = organization_create(actor=rep, name="Acme")
        anna = person_create(actor=rep, name="Anna", organization=acme)
        bob = person_create(actor=rep, name="Bob", organization=acme)
    activity("2026-02-01", rep, "call", person=bob)
    activity("2026-03-10", rep, "call", person=anna)
    activity("2026-03-11", rep, "meeting", person=anna)
    activity("2026-03-12", rep, "call", person=bob)
    activity("2026-03-12", rep, "email", person=anna)
    activity("2026-03-12", rep, "call", due="2026-03-20", done=False, person=bob)
    activity("2026-03-03", teammate, "email", organization=acme)
    activity("2026-03-05", teammate, "task", due="2026-03-20", done=False, organization=acme)
    return d


@pytest.fixture
def usd_rate(admin):
    """1 USD = 0.90 EUR."""
    services.currency_enable(code="USD", actor=admin)
    services.currency_set_rate(code="USD", rate="0.9", actor=admin)
