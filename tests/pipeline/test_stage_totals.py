"""The board totals kept by the services always equal a fresh sum over the deals."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from pipeline import services
from pipeline.models import Deal, StageTotal
from pipeline.selectors.board import BoardFilters, board_columns
from shared.errors import ServiceError

pytestmark = pytest.mark.django_db


def _fresh():
    rows = (
        Deal.objects.filter(status="open", parked_until__isnull=True)
        .values_list("stage_id", "owner_id", "currency")
        .annotate(n=Count("id"), total=Sum("value"))
    )
    return {(s, o, c): (n, t) for s, o, c, n, t in rows}


def _kept():
    return {
        (t.stage_id, t.owner_id, t.currency): (t.open_count, t.open_value)
        for t in StageTotal.objects.all()
        if t.open_count or t.open_value
    }


def test_random_operations_keep_totals_exact(stages, rep, teammate, manager, lost_reason, usd):
    rng = random.Random(5)
    owners = [rep, teammate]
    deals = [
        services.deal_create(
            actor=manager,
            title=f"D{i}",
            pipeline_stage=rng.choice(stages),
            owner=rng.choice(owners),
            value=Decimal(rng.randint(0, 5000)),
            currency=rng.choice(["EUR", "USD"]),
        )
        for i in range(20)
    ]
    today = timezone.localdate()
    for _ in range(200):
        deal = Deal.objects.get(pk=rng.choice(deals).pk)
        op = rng.choice(["move", "win", "lose", "reopen", "value", "owner", "park", "unpark"])
        try:
            if op == "move":
                services.deal_move(
                    deal=deal,
                    to_stage=rng.choice(stages),
                    expected_version=deal.version,
                    actor=manager,
                )
            elif op == "win":
                services.deal_win(deal=deal, expected_version=deal.version, actor=manager)
            elif op == "lose":
                services.deal_lose(
                    deal=deal, expected_version=deal.version, actor=manager, reason=lost_reason
                )
            elif op == "reopen":
                services.deal_reopen(deal=deal, expected_version=deal.version, actor=manager)
            elif op == "value":
                services.deal_update(
                    deal=deal,
                    expected_version=deal.version,
                    actor=manager,
                    changes={"value": rng.randint(0, 9000), "currency": rng.choice(["EUR", "USD"])},
                )
            elif op == "owner":
                services.deal_update(
                    deal=deal,
                    expected_version=deal.version,
                    actor=manager,
                    changes={"owner": rng.choice(owners)},
                )
            elif op == "park":
                services.deal_park(
                    deal=deal,
                    until=today + datetime.timedelta(days=3),
                    expected_version=deal.version,
                    actor=manager,
                )
            else:
                services.deal_unpark(deal=deal, actor=manager)
        except ServiceError:
            pass  # refused operations (closing a closed deal…) must change nothing
        assert _kept() == _fresh(), op
    # Rebuilding from scratch gives the same rows.
    before = _kept()
    services.stage_totals_rebuild()
    assert _kept() == before


def test_board_totals_per_viewer_equal_a_fresh_sum(stages, rep, teammate, manager, make_deal, usd):
    make_deal(owner=rep, value=Decimal("100"))
    make_deal(owner=teammate, value=Decimal("250"))
    make_deal(owner=teammate, value=Decimal("5"), currency="USD")
    pipeline = stages[0].pipeline

    def first(user, **filters):
        col = board_columns(pipeline=pipeline, user=user, filters=BoardFilters(**filters))[0]
        return col.count, col.value.amounts

    assert first(manager) == (3, {"EUR": Decimal("350"), "USD": Decimal("5")})
    assert first(rep) == (1, {"EUR": Decimal("100")})
    assert first(manager, owner=str(teammate.pk)) == (
        2,
        {"EUR": Decimal("250"), "USD": Decimal("5")},
    )
    assert first(manager, owner="mine") == (0, {})
    assert first(manager, q="Deal") == (3, {"EUR": Decimal("350"), "USD": Decimal("5")})
