"""A small, hand-made history for the metrics tests, written through the services at the
moments it happened (the clock is moved with time-machine; nothing of ours is mocked).

Pipeline "Sales": Lead in (pos 0, 10 %), Qualified (1, 30 %, rots after 30 days),
Proposal (2, 60 %, moment of truth, rots after 30 days), Negotiation (3, 80 %).
Period under test: 2026-01-01 … 2026-03-31. Amounts in EUR unless said.

    D1 rita  1000 org A  created 01-01, Qualified 01-03, Proposal 01-06, won 01-11
    D2 rita  3000 org B  created 01-05, Qualified 01-10, won 01-25
    D3 tom   5000 org A  created 01-10, lost 01-14 (from Lead in)
    D4 tom   2000 org C  created 02-01, Qualified 02-02, Proposal 02-05, won 03-02
    D5 olga  4000        created 02-05, Proposal 02-20 (skips Qualified), open;
                         expected close 2026-04-15
    D6 rita  6000 USD D  created 2025-12-01, won 02-01
    D7 rita  1000        created 03-10 in Qualified, open, no expected close date;
                         a call scheduled for 03-25, not done
    D8 tom    500        created 01-20, lost 02-19
    D9 tom    700        created 2025-11-01, parked on 2025-11-02 until 2026-06-01

Activities done: D1 call 01-02, D1 meeting 01-05, D2 call 01-06, D3 email 01-12, D4 demo 02-03.
All times are midnight UTC.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from pipeline import services
from pipeline.models import Deal, Stage
from tests.factories import OrganizationFactory

PERIOD = (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))


def at(day: str) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T00:00:00+00:00"), tick=False)


def _fresh(deal: Deal) -> Deal:
    return Deal.objects.select_related("stage", "pipeline").get(pk=deal.pk)


class Writer:
    def __init__(self, stages: list[Stage], lost_reason) -> None:  # noqa: ANN001
        self.stages = stages
        self.lost_reason = lost_reason

    def create(self, day: str, *, owner, value: str, stage: int = 0, **kw) -> Deal:  # noqa: ANN001
        when = datetime.datetime.fromisoformat(f"{day}T00:00:00+00:00")
        with at(day):
            return services.deal_create(
                actor=owner,
                owner=owner,
                title=kw.pop("title", "Deal"),
                pipeline_stage=self.stages[stage],
                value=Decimal(value),
                created_at=when,
                source="import",
                **kw,
            )

    def move(self, deal: Deal, day: str, stage: int) -> None:
        deal = _fresh(deal)
        with at(day):
            services.deal_move(
                deal=deal,
                to_stage=self.stages[stage],
                expected_version=deal.version,
                actor=deal.owner,
                source="import",
            )

    def win(self, deal: Deal, day: str) -> None:
        deal = _fresh(deal)
        with at(day):
            services.deal_win(deal=deal, expected_version=deal.version, actor=deal.owner)

    def lose(self, deal: Deal, day: str) -> None:
        deal = _fresh(deal)
        with at(day):
            services.deal_lose(
                deal=deal,
                expected_version=deal.version,
                actor=deal.owner,
                reason=self.lost_reason,
            )

    def activity(self, deal: Deal, day: str, type_: str, *, done: bool = True) -> None:
        deal = _fresh(deal)
        with at(day):
            services.activity_create(
                actor=deal.owner,
                type=type_,
                subject="",
                due_date=datetime.date.fromisoformat(day),
                deal=deal,
                done=done,
            )


@pytest.fixture
def sales(pipeline, stages):
    Stage.objects.filter(pk__in=[stages[1].pk, stages[2].pk]).update(rotting_days=30)
    Stage.objects.filter(pk=stages[2].pk).update(is_moment_of_truth=True)
    return pipeline


@pytest.fixture
def history(sales, stages, rep, teammate, outsider, lost_reason, usd) -> dict[str, Deal]:
    stages = list(sales.stages.order_by("position"))
    w = Writer(stages, lost_reason)
    org_a, org_b, org_c, org_d = (OrganizationFactory(name=n) for n in "ABCD")
    d = {}
    d["D1"] = w.create("2026-01-01", owner=rep, value="1000", organization=org_a)
    w.activity(d["D1"], "2026-01-02", "call")
    w.move(d["D1"], "2026-01-03", 1)
    w.activity(d["D1"], "2026-01-05", "meeting")
    w.move(d["D1"], "2026-01-06", 2)
    w.win(d["D1"], "2026-01-11")

    d["D2"] = w.create("2026-01-05", owner=rep, value="3000", organization=org_b)
    w.activity(d["D2"], "2026-01-06", "call")
    w.move(d["D2"], "2026-01-10", 1)
    w.win(d["D2"], "2026-01-25")

    d["D3"] = w.create("2026-01-10", owner=teammate, value="5000", organization=org_a)
    w.activity(d["D3"], "2026-01-12", "email")
    w.lose(d["D3"], "2026-01-14")

    d["D4"] = w.create("2026-02-01", owner=teammate, value="2000", organization=org_c)
    w.move(d["D4"], "2026-02-02", 1)
    w.activity(d["D4"], "2026-02-03", "demo")
    w.move(d["D4"], "2026-02-05", 2)
    w.win(d["D4"], "2026-03-02")

    d["D5"] = w.create(
        "2026-02-05",
        owner=outsider,
        value="4000",
        expected_close_date=datetime.date(2026, 4, 15),
    )
    w.move(d["D5"], "2026-02-20", 2)

    d["D6"] = w.create("2025-12-01", owner=rep, value="6000", currency="USD", organization=org_d)
    w.win(d["D6"], "2026-02-01")

    d["D7"] = w.create("2026-03-10", owner=rep, value="1000", stage=1)
    w.activity(d["D7"], "2026-03-25", "call", done=False)

    d["D8"] = w.create("2026-01-20", owner=teammate, value="500")
    w.lose(d["D8"], "2026-02-19")

    d["D9"] = w.create("2025-11-01", owner=teammate, value="700")
    with at("2025-11-02"):
        services.deal_park(
            deal=_fresh(d["D9"]),
            until=datetime.date(2026, 6, 1),
            expected_version=1,
            actor=teammate,
        )
    return d


RATE_DAY = datetime.date(2026, 1, 15)


@pytest.fixture
def two_currencies(history, sales, rep, teammate, outsider, admin, lost_reason):
    """USD at 0.92 and HUF at 0.0025 (EUR base), GBP without a rate, and deals D10–D13: see
    the docstring of tests/metrics/test_currencies.py."""
    for code, rate in (("USD", "0.92"), ("HUF", "0.0025")):
        services.currency_enable(code=code, actor=admin)
        services.currency_set_rate(code=code, rate=rate, rate_date=RATE_DAY, actor=admin)
    services.currency_enable(code="GBP", actor=admin)
    w = Writer(list(sales.stages.order_by("position")), lost_reason)
    d = dict(history)
    d["D10"] = w.create(
        "2026-03-15",
        owner=outsider,
        value="400000",
        currency="HUF",
        stage=1,
        expected_close_date=datetime.date(2026, 4, 20),
    )
    d["D11"] = w.create(
        "2026-03-16",
        owner=outsider,
        value="500",
        currency="GBP",
        expected_close_date=datetime.date(2026, 4, 10),
    )
    d["D12"] = w.create("2026-02-10", owner=teammate, value="2000000", currency="HUF")
    w.win(d["D12"], "2026-03-10")
    d["D13"] = w.create("2026-03-01", owner=rep, value="800", currency="GBP")
    w.win(d["D13"], "2026-03-05")
    return d
