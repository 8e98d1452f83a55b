"""The nightly metrics task through a real Celery worker process on Redis."""

import pytest

from metrics.models import MetricSnapshot
from metrics.tasks import compute_nightly_metrics

pytestmark = pytest.mark.celery_worker


def test_compute_nightly_metrics_on_a_real_worker(celery_worker_queue, history, sales):
    result = compute_nightly_metrics.apply_async(args=["2026-03-31"], queue=celery_worker_queue)
    rows = result.get(timeout=120)
    assert rows > 0 and MetricSnapshot.objects.count() == rows
    won = MetricSnapshot.objects.get(date="2026-03-31", scope_key="all", metric="won_count")
    assert won.value == 4  # D1, D2, D4, D6 (see tests/metrics/conftest.py)
    # Delivered again (as after a worker crash with acks_late): same rows, no duplicates.
    again = compute_nightly_metrics.apply_async(args=["2026-03-31"], queue=celery_worker_queue)
    assert again.get(timeout=120) == rows
    assert MetricSnapshot.objects.count() == rows
