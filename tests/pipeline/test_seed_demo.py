"""Demo data: deterministic, and the same shape of history the services write."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum

from accounts.models import User
from pipeline.models import Activity, Deal, StageTotal

pytestmark = pytest.mark.django_db


def _seed(**kw):
    call_command("seed_demo", deals=kw.pop("deals", 300), seed=kw.pop("seed", 3), **kw)


def test_seed_builds_a_consistent_history():
    _seed()
    assert Deal.objects.count() == 300
    assert set(Deal.objects.values_list("status", flat=True)) == {"open", "won", "lost"}
    assert (
        User.objects.filter(role="manager").exists()
        and User.objects.filter(role="rep").count() == 5
    )
    for deal in Deal.objects.annotate(n=Count("stage_changes")).iterator():
        history = list(deal.stage_changes.order_by("timestamp", "id"))
        assert history[0].from_stage_id is None and history[0].to_status == "open"
        assert (history[-1].to_stage_id, history[-1].to_status) == (deal.stage_id, deal.status)
        assert deal.version >= deal.n
        if deal.status == "lost":
            assert deal.lost_reason_id and history[-1].lost_reason_id == deal.lost_reason_id
        # Issue 7: each row records the previous row's timestamp (none for the entry), and
        # the deal its latest done activity.
        starts = [None] + [h.timestamp for h in history[:-1]]
        assert [h.stay_started_at for h in history] == starts
        done = [a.done_at for a in deal.activities.all() if a.done_at is not None]
        assert deal.last_done_activity_at == (max(done) if done else None)
        if deal.next_activity_id:
            nxt = Activity.objects.get(pk=deal.next_activity_id)
            assert nxt.done_at is None and nxt.due_date == deal.next_activity_date
    fresh = dict(
        Deal.objects.filter(status="open", parked_until__isnull=True)
        .values_list("stage_id")
        .annotate(n=Count("id"))
    )
    kept = dict(StageTotal.objects.values_list("stage_id").annotate(n=Sum("open_count")))
    assert kept == fresh


def test_seed_is_deterministic():
    def snapshot():
        return list(
            Deal.objects.order_by("id").values_list(
                "title", "value", "status", "stage__name", "owner__username", "created_at__date"
            )
        )

    with transaction.atomic():
        _seed(deals=50, seed=9)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Deal.objects.exists()
    _seed(deals=50, seed=9)
    assert snapshot() == first


def test_seed_refuses_a_database_with_deals_and_if_empty_skips():
    _seed(deals=5)
    with pytest.raises(CommandError, match="empty database"):
        _seed(deals=5)
    _seed(deals=5, if_empty=True)
    assert Deal.objects.count() == 5


def test_seed_gives_postgresql_the_statistics_of_what_it_loaded():
    # A bulk load leaves the planner guessing until the next ANALYZE; on a server with
    # autovacuum off that meant minutes-long nested loops on the dashboard. ANALYZE writes
    # pg_class.reltuples in the same transaction, so the test sees it.
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    _seed(deals=120)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'pipeline_deal'")
        assert cursor.fetchone()[0] == 120


# --- Issue 16 (23): `seed_demo --reset` empties and reseeds a demo database -----------------


# A real transaction: PostgreSQL refuses TRUNCATE (flush) with the test transaction's pending
# deferred-constraint checks, which a real run has none of.
@pytest.mark.django_db(transaction=True)
def test_reset_empties_and_reseeds(settings):
    settings.DEBUG = True
    _seed(deals=40)
    first = set(Deal.objects.values_list("pk", flat=True))
    User.objects.create_user(username="stray", password="x")
    _seed(deals=30, reset=True)
    assert Deal.objects.count() == 30
    assert not User.objects.filter(username="stray").exists()
    assert User.objects.filter(username="alex").exists()
    # Ids start again from the beginning: the database was emptied, not added to.
    assert min(Deal.objects.values_list("pk", flat=True)) == min(first)


def test_reset_is_refused_without_debug(settings):
    settings.DEBUG = False
    _seed(deals=10)
    with pytest.raises(CommandError, match="DEBUG=1"):
        _seed(deals=10, reset=True)
    assert Deal.objects.count() == 10


def test_without_reset_a_seeded_database_is_refused():
    _seed(deals=10)
    with pytest.raises(CommandError, match="--reset empties it first"):
        _seed(deals=10)


# --- Issue 16 (24): demo data that reads right on a first look --------------------------------


def test_demo_activities_read_right():
    import datetime

    from django.utils import timezone

    _seed()
    now = timezone.now()
    # No activity of an older deal was created "now" (the seeding instant): each next step was
    # planned days before it is due, the done ones when they were done.
    assert not Activity.objects.filter(
        created_at__gte=now - datetime.timedelta(minutes=5),
        deal__created_at__lt=now - datetime.timedelta(days=1),
    )
    for a in Activity.objects.filter(done_at__isnull=True).select_related("deal"):
        due_start = timezone.make_aware(datetime.datetime.combine(a.due_date, datetime.time(9)))
        assert a.created_at <= max(due_start, a.deal.created_at)
    # Nothing done is due later than when it was done (no "later today, already done").
    for a in Activity.objects.filter(done_at__isnull=False):
        due = timezone.make_aware(
            datetime.datetime.combine(a.due_date, a.due_time or datetime.time(0))
        )
        assert due <= a.done_at
    # Nothing done after its deal closed.
    for a in Activity.objects.filter(done_at__isnull=False, deal__closed_at__isnull=False):
        assert a.done_at <= a.deal.closed_at


def test_demo_has_recent_wins():
    import datetime

    from django.utils import timezone

    _seed()
    today = timezone.localdate()
    start_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time(0)))
    won_today = Deal.objects.filter(status="won", closed_at__gte=start_today)
    # "Won this month" is never 0 on a first look, even on the 1st: three wins today.
    assert won_today.count() >= 3
    recent = Deal.objects.filter(
        status__in=["won", "lost"], closed_at__gte=timezone.now() - datetime.timedelta(days=10)
    )
    assert recent.count() > won_today.count()
    # Closing stays the last thing in each history.
    for deal in recent:
        last = deal.stage_changes.order_by("-timestamp", "-id").first()
        assert (last.timestamp, last.to_status) == (deal.closed_at, deal.status)
        assert deal.updated_at == deal.closed_at
