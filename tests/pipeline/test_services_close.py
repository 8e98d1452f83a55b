import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Deal, StageChange, StageTotal
from shared.errors import RuleViolation, VersionConflict

pytestmark = pytest.mark.django_db


def _count(stage):
    row = StageTotal.objects.filter(stage=stage).first()
    return row.open_count if row else 0


def test_win_closes_and_records(make_deal, stages, rep):
    deal = make_deal()
    won = services.deal_win(deal=deal, expected_version=1, actor=rep)
    assert won.status == "won" and won.closed_at is not None and won.version == 2
    last = StageChange.objects.filter(deal=deal).latest("id")
    assert (last.from_status, last.to_status) == ("open", "won")
    assert last.from_stage == last.to_stage == stages[0]
    assert _count(stages[0]) == 0


def test_lose_requires_a_reason(make_deal, rep):
    deal = make_deal()
    with pytest.raises(RuleViolation, match="why the deal was lost"):
        services.deal_lose(deal=deal, expected_version=1, actor=rep, reason=None)
    assert Deal.objects.get(pk=deal.pk).status == "open"


def test_lose_keeps_reason_and_note(make_deal, rep, lost_reason):
    deal = make_deal()
    lost = services.deal_lose(
        deal=deal, expected_version=1, actor=rep, reason=lost_reason, note=" went with X "
    )
    assert (lost.status, lost.lost_reason, lost.lost_note) == ("lost", lost_reason, "went with X")
    last = StageChange.objects.filter(deal=deal).latest("id")
    assert (last.to_status, last.lost_reason, last.note) == ("lost", lost_reason, "went with X")


def test_reopen_restores_the_deal_to_its_stage(make_deal, stages, rep, lost_reason):
    deal = make_deal()
    services.deal_lose(deal=deal, expected_version=1, actor=rep, reason=lost_reason)
    reopened = services.deal_reopen(deal=deal, expected_version=2, actor=rep)
    assert reopened.status == "open" and reopened.closed_at is None
    assert reopened.lost_reason is None and reopened.version == 3
    assert _count(stages[0]) == 1
    statuses = list(
        StageChange.objects.filter(deal=deal).order_by("id").values_list("to_status", flat=True)
    )
    assert statuses == ["open", "lost", "open"]


def test_win_with_stale_version_is_refused(make_deal, rep):
    deal = make_deal()
    services.deal_update(deal=deal, expected_version=1, actor=rep, changes={"value": 5})
    with pytest.raises(VersionConflict):
        services.deal_win(deal=deal, expected_version=1, actor=rep)


def test_update_validates_and_keeps_totals(make_deal, stages, rep, usd):
    deal = make_deal(value=Decimal("100"))
    services.deal_update(
        deal=deal, expected_version=1, actor=rep, changes={"value": "250.00", "currency": "usd"}
    )
    rows = dict(StageTotal.objects.filter(stage=stages[0]).values_list("currency", "open_value"))
    assert rows == {"EUR": Decimal("0.00"), "USD": Decimal("250.00")}
    with pytest.raises(RuleViolation, match="cannot be negative"):
        services.deal_update(deal=deal, expected_version=2, actor=rep, changes={"value": -1})
    with pytest.raises(RuleViolation, match="three-letter"):
        services.deal_update(deal=deal, expected_version=2, actor=rep, changes={"currency": "€"})
    with pytest.raises(RuleViolation, match="cannot be changed here: stage"):
        services.deal_update(deal=deal, expected_version=2, actor=rep, changes={"stage": 1})


def test_park_leaves_the_board_and_unpark_returns(make_deal, stages, rep):
    deal = make_deal()
    today = timezone.localdate()
    with pytest.raises(RuleViolation, match="future"):
        services.deal_park(deal=deal, until=today, expected_version=1, actor=rep)
    parked = services.deal_park(
        deal=deal, until=today + datetime.timedelta(days=30), expected_version=1, actor=rep
    )
    assert parked.status == "open" and _count(stages[0]) == 0
    assert services.deal_unpark_due(today=today) == 0
    assert services.deal_unpark_due(today=today + datetime.timedelta(days=30)) == 1
    assert Deal.objects.get(pk=deal.pk).parked_until is None
    assert _count(stages[0]) == 1
    # Running it again changes nothing.
    assert services.deal_unpark_due(today=today + datetime.timedelta(days=30)) == 0
    assert _count(stages[0]) == 1


def test_create_validates_input(stages, rep):
    with pytest.raises(RuleViolation, match="needs a title"):
        services.deal_create(actor=rep, title="  ", pipeline_stage=stages[0])
    with pytest.raises(RuleViolation, match="must be a number"):
        services.deal_create(actor=rep, title="X", pipeline_stage=stages[0], value="12,5x")
    with pytest.raises(RuleViolation, match="must be a number"):
        services.deal_create(actor=rep, title="X", pipeline_stage=stages[0], value="NaN")
    assert not Deal.objects.exists()
