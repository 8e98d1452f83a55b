"""Reminders through a real Celery worker process on Redis."""

import pytest

from pipeline.models import ReminderSent
from pipeline.tasks import send_activity_reminders

pytestmark = pytest.mark.celery_worker


def test_reminders_on_a_real_worker_go_out_once(celery_worker_queue, rep, anna, schedule, today):
    schedule(person=anna, type="meeting", subject="Kick-off", days=1)
    schedule(person=anna, type="call", subject="Call Anna", days=0)
    schedule(person=anna, type="task", subject="Overdue", days=-2)
    result = send_activity_reminders.apply_async(
        args=[today.isoformat()], queue=celery_worker_queue
    )
    # Hand count: one eve reminder, one call reminder, one digest.
    assert result.get(timeout=90) == 3
    # The worker committed each claim and stamped it once its mail backend took the message.
    assert ReminderSent.objects.filter(sent_at__isnull=False).count() == 3
    again = send_activity_reminders.apply_async(args=[today.isoformat()], queue=celery_worker_queue)
    assert again.get(timeout=60) == 0
    assert ReminderSent.objects.count() == 3
