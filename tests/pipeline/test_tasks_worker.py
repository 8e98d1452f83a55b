"""Celery tasks through a real worker process on Redis."""

import datetime

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Deal, StageTotal
from pipeline.tasks import unpark_due_deals

pytestmark = pytest.mark.celery_worker


def test_unpark_due_deals_runs_on_a_real_worker(celery_worker_queue, make_deal, stages, rep):
    today = timezone.localdate()
    deal = make_deal()
    services.deal_park(
        deal=deal, until=today + datetime.timedelta(days=3), expected_version=1, actor=rep
    )
    day = (today + datetime.timedelta(days=3)).isoformat()
    result = unpark_due_deals.apply_async(args=[day], queue=celery_worker_queue)
    assert result.get(timeout=90) == 1
    assert Deal.objects.get(pk=deal.pk).parked_until is None
    assert StageTotal.objects.get(stage=stages[0]).open_count == 1
    # Delivered twice (as after a worker crash), it changes nothing more.
    again = unpark_due_deals.apply_async(args=[day], queue=celery_worker_queue)
    assert again.get(timeout=60) == 0
    assert StageTotal.objects.get(stage=stages[0]).open_count == 1


def test_unpark_task_eager_in_the_embedded_default(make_deal, rep):
    # Without REDIS_URL, tasks run in-process: the same code path a newcomer's SQLite uses.
    assert unpark_due_deals.delay().get() == 0
