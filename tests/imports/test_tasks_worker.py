"""Import and webhook tasks on a real Celery worker process (Redis), as in production."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pipeline import services
from pipeline.models import Deal, ImportJob, WebhookDelivery
from pipeline.services.imports.jobs import import_job_create
from pipeline.services.webhooks import webhook_save
from pipeline.tasks import apply_import, check_import, deliver_webhook

pytestmark = pytest.mark.celery_worker


def test_import_job_checks_and_applies_on_a_real_worker(
    celery_worker_queue, admin, pipeline, stages
):
    upload = SimpleUploadedFile(
        "w.csv", b"title;value;stage\nAcme;1 000,50;Proposal\nBeta;20;Lead in\n", "text/csv"
    )
    job = import_job_create(actor=admin, kind="deals", upload=upload)
    try:
        ImportJob.objects.filter(pk=job.pk).update(
            status="checking", options={"number_format": "comma", "pipeline": "Sales"}
        )
        assert check_import.apply_async([job.pk], queue=celery_worker_queue).get(90) == "checked"
        job.refresh_from_db()
        assert job.report["to_create"] == 2
        ImportJob.objects.filter(pk=job.pk).update(status="applying")
        assert apply_import.apply_async([job.pk], queue=celery_worker_queue).get(90) == "done"
        assert Deal.objects.get(title="Acme").value == Decimal("1000.50")
        # Delivered twice (as after a worker crash): the job is done, nothing is added.
        assert apply_import.apply_async([job.pk], queue=celery_worker_queue).get(60) == "done"
        assert Deal.objects.count() == 2
    finally:
        job.file.delete(save=False)


def test_webhook_is_delivered_by_a_real_worker(
    celery_worker_queue, receiver, admin, make_deal, rep
):
    webhook_save(actor=admin, url=receiver.url, events=["deal.won"])
    deal = make_deal()
    services.deal_win(deal=deal, expected_version=1, actor=rep)
    delivery = WebhookDelivery.objects.get()
    assert deliver_webhook.apply_async([delivery.pk], queue=celery_worker_queue).get(60) == "done"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code) == ("succeeded", 200)
    assert receiver.requests[0][0]["X-Stagecoach-Event"] == "deal.won"


def test_a_nul_byte_and_a_failing_task_never_leave_a_job_stuck_on_a_real_worker(
    celery_worker_queue, admin, pipeline, stages
):
    """On PostgreSQL a NUL in a value used to pass the check and make the import task raise
    DataError, leaving "Importing… 0 of 1" for good (issue 15, item 4)."""
    upload = SimpleUploadedFile("nul.csv", b"title,value\nBad\x00deal,1\nFine,2\n", "text/csv")
    job = import_job_create(actor=admin, kind="deals", upload=upload)
    try:
        ImportJob.objects.filter(pk=job.pk).update(
            status="checking", mapping={"title": "title", "value": "value"}
        )
        assert check_import.apply_async([job.pk], queue=celery_worker_queue).get(90) == "checked"
        job.refresh_from_db()
        assert [(p["row"], p["column"]) for p in job.report["problems"]] == [(2, "title")]
        # Whatever makes the task fail (here the file vanished), the job ends "failed".
        job.file.storage.delete(job.file.name)
        ImportJob.objects.filter(pk=job.pk).update(status="applying")
        assert apply_import.apply_async([job.pk], queue=celery_worker_queue).get(90) == "failed"
        job.refresh_from_db()
        assert "nothing was imported" in job.error
        assert not Deal.objects.exists()
    finally:
        job.file.delete(save=False)
