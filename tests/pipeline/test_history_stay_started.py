"""Issue 7: every history row records when the stay it ends began (`stay_started_at`, the
previous row's timestamp), and every deal when its latest done activity happened
(`last_done_activity_at`). Each writer fills them; the migration backfills them."""

from __future__ import annotations

import datetime
import importlib

import pytest
import time_machine
from django.db import connection

from metrics.services import stale_cleanup_bulk
from pipeline import services
from pipeline.models import Activity, Deal, Lead, StageChange

pytestmark = pytest.mark.django_db

migration = importlib.import_module("pipeline.migrations.0010_issue7_stay_started_last_done")


def at(moment: str) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.fromisoformat(moment), tick=False)


def ts(moment: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(moment)


def _history(deal: Deal) -> list[tuple]:
    return list(
        StageChange.objects.filter(deal=deal)
        .order_by("timestamp", "id")
        .values_list("timestamp", "stay_started_at")
    )


def _fresh(deal: Deal) -> Deal:
    return Deal.objects.select_related("stage", "pipeline").get(pk=deal.pk)


def test_deal_services_write_the_start_of_the_stay(rep, stages, lost_reason):
    with at("2026-01-01T09:00:00+00:00"):
        deal = services.deal_create(actor=rep, title="D", pipeline_stage=stages[0], source="import")
    with at("2026-01-03T09:00:00+00:00"):
        deal = services.deal_move(
            deal=_fresh(deal), to_stage=stages[1], expected_version=1, actor=rep, source="import"
        )
    with at("2026-01-10T09:00:00+00:00"):
        deal = services.deal_lose(
            deal=_fresh(deal), expected_version=2, actor=rep, reason=lost_reason
        )
    with at("2026-01-12T09:00:00+00:00"):
        deal = services.deal_reopen(deal=_fresh(deal), expected_version=3, actor=rep)
    with at("2026-01-20T09:00:00+00:00"):
        services.deal_win(deal=_fresh(deal), expected_version=4, actor=rep)
    # Entry (no stay before it), move ends the 2-day stay in Lead in, the loss the 7-day
    # stay in Qualified, the reopen follows the loss, the win ends the stay since the reopen.
    assert _history(deal) == [
        (ts("2026-01-01T09:00:00+00:00"), None),
        (ts("2026-01-03T09:00:00+00:00"), ts("2026-01-01T09:00:00+00:00")),
        (ts("2026-01-10T09:00:00+00:00"), ts("2026-01-03T09:00:00+00:00")),
        (ts("2026-01-12T09:00:00+00:00"), ts("2026-01-10T09:00:00+00:00")),
        (ts("2026-01-20T09:00:00+00:00"), ts("2026-01-12T09:00:00+00:00")),
    ]


def test_archiving_a_stage_moves_its_deals_with_the_start_of_their_stay(
    rep, admin, stages, make_deal
):
    with at("2026-02-01T09:00:00+00:00"):
        one = make_deal(title="One", stage=stages[1])
    with at("2026-02-05T09:00:00+00:00"):
        two = make_deal(title="Two", stage=stages[1])
    with at("2026-02-10T09:00:00+00:00"):
        services.stage_archive(stage=stages[1], move_deals_to=stages[2], actor=admin)
    assert _history(one)[-1] == (ts("2026-02-10T09:00:00+00:00"), ts("2026-02-01T09:00:00+00:00"))
    assert _history(two)[-1] == (ts("2026-02-10T09:00:00+00:00"), ts("2026-02-05T09:00:00+00:00"))


def test_lead_conversion_and_bulk_stale_loss(rep, stages, lost_reason):
    with at("2026-03-01T09:00:00+00:00"):
        lead = services.lead_create(actor=rep, title="Lead", new_organization_name="Acme")
        deal = services.lead_convert(lead=Lead.objects.get(pk=lead.pk), stage=stages[0], actor=rep)
    with at("2026-03-20T09:00:00+00:00"):
        stale_cleanup_bulk(actor=rep, deals=[(deal.pk, 1)], action="lose", reason=lost_reason)
    assert _history(deal) == [
        (ts("2026-03-01T09:00:00+00:00"), None),
        (ts("2026-03-20T09:00:00+00:00"), ts("2026-03-01T09:00:00+00:00")),
    ]


def test_activity_services_keep_the_last_done_activity(rep, make_deal):
    deal = make_deal()

    def last() -> datetime.datetime | None:
        return Deal.objects.get(pk=deal.pk).last_done_activity_at

    assert last() is None
    with at("2026-04-01T10:00:00+00:00"):
        call = services.activity_create(
            actor=rep,
            type="call",
            subject="",
            due_date=datetime.date(2026, 4, 1),
            deal=deal,
            done=True,
        )
    assert last() == ts("2026-04-01T10:00:00+00:00")
    with at("2026-04-02T10:00:00+00:00"):
        meeting = services.activity_create(
            actor=rep,
            type="meeting",
            subject="",
            due_date=datetime.date(2026, 4, 9),
            deal=deal,
            done=False,
        )
    assert last() == ts("2026-04-01T10:00:00+00:00")  # scheduled, not done
    with at("2026-04-09T15:00:00+00:00"):
        services.activity_complete(activity=meeting, actor=rep)
    assert last() == ts("2026-04-09T15:00:00+00:00")
    with at("2026-04-10T08:00:00+00:00"):
        services.activity_reopen(activity=Activity.objects.get(pk=meeting.pk), actor=rep)
    assert last() == ts("2026-04-01T10:00:00+00:00")  # back to the call
    with at("2026-04-11T08:00:00+00:00"):
        services.activity_complete(activity=Activity.objects.get(pk=call.pk), actor=rep, done=False)
    assert last() is None


def test_backfill_migration_on_a_hand_made_history(rep, stages, make_deal, lost_reason):
    """The migration's SQL, run on rows whose new columns were emptied, finds the previous
    row per deal by (timestamp, id) — ties broken by id — and the latest done activity."""
    with at("2026-05-01T09:00:00+00:00"):
        a = make_deal(title="A")
        b = make_deal(title="B")
    with at("2026-05-04T09:00:00+00:00"):
        services.deal_move(
            deal=_fresh(a), to_stage=stages[1], expected_version=1, actor=rep, source="import"
        )
        # Same instant twice: the id orders them.
        services.deal_move(
            deal=_fresh(a), to_stage=stages[2], expected_version=2, actor=rep, source="import"
        )
    with at("2026-05-09T09:00:00+00:00"):
        services.deal_lose(deal=_fresh(b), expected_version=1, actor=rep, reason=lost_reason)
        services.activity_create(
            actor=rep,
            type="call",
            subject="",
            deal=b,
            due_date=datetime.date(2026, 5, 9),
            done=True,
        )
    with at("2026-05-02T09:00:00+00:00"):
        services.activity_create(
            actor=rep,
            type="email",
            subject="",
            deal=b,
            due_date=datetime.date(2026, 5, 2),
            done=True,
        )
        services.activity_create(
            actor=rep,
            type="task",
            subject="",
            deal=b,
            due_date=datetime.date(2026, 6, 1),
            done=False,
        )
    StageChange.objects.update(stay_started_at=None)
    Deal.objects.update(last_done_activity_at=None)
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL_STAY_STARTED)
        cursor.execute(migration.BACKFILL_LAST_DONE)
    assert _history(a) == [
        (ts("2026-05-01T09:00:00+00:00"), None),
        (ts("2026-05-04T09:00:00+00:00"), ts("2026-05-01T09:00:00+00:00")),
        (ts("2026-05-04T09:00:00+00:00"), ts("2026-05-04T09:00:00+00:00")),
    ]
    assert _history(b) == [
        (ts("2026-05-01T09:00:00+00:00"), None),
        (ts("2026-05-09T09:00:00+00:00"), ts("2026-05-01T09:00:00+00:00")),
    ]
    assert Deal.objects.get(pk=a.pk).last_done_activity_at is None
    assert Deal.objects.get(pk=b.pk).last_done_activity_at == ts("2026-05-09T09:00:00+00:00")
