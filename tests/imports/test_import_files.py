"""Uploaded files: the size limit while streaming, deletion after apply or retention, quota."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from pipeline.models import Deal, ImportJob
from pipeline.services.imports import ImportOptions
from pipeline.services.imports.jobs import (
    import_job_configure,
    import_job_create,
    import_job_start_apply,
)
from pipeline.tasks import purge_import_files
from pipeline.views.imports import _UploadLimit

pytestmark = pytest.mark.django_db

CSV = b"title,value\nAcme,1\nBeta,2\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _stored(settings) -> list:  # noqa: ANN001
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(client, content: bytes, name: str = "deals.csv"):  # noqa: ANN001
    return client.post(
        reverse("pipeline:imports"),
        {"kind": "deals", "file": SimpleUploadedFile(name, content, "text/csv")},
    )


def test_the_upload_handler_stops_at_the_limit():
    request = RequestFactory().post("/imports/")
    handler = _UploadLimit(request, 1000)
    assert handler.receive_data_chunk(b"x" * 600, 0) == b"x" * 600
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * 600, 600)
    assert stopped.value.connection_reset
    assert request.import_upload_too_large


def test_a_file_over_the_limit_is_refused_while_streaming(client, rep, settings, monkeypatch):
    monkeypatch.setattr("pipeline.services.imports.jobs.MAX_UPLOAD_BYTES", 1000)
    client.force_login(rep)
    # The body is under the limit plus the form's overhead: the handler stops mid-file.
    response = _upload(client, b"title\n" + b"x" * 5000 + b"\n")
    assert response.status_code == 413
    assert "The file is larger than 0 MB; split it" in response.content.decode()
    # Far over the limit: refused from the Content-Length, before the body is read.
    response = _upload(client, b"title\n" + b"x" * 200_000 + b"\n")
    assert response.status_code == 413
    assert not ImportJob.objects.exists()
    assert _stored(settings) == []


def _checked_job(actor, django_capture_on_commit_callbacks):  # noqa: ANN001
    job = import_job_create(
        actor=actor, kind="deals", upload=SimpleUploadedFile("d.csv", CSV, "text/csv")
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_job_configure(
            job=job, actor=actor, mapping={"title": "title"}, options=ImportOptions()
        )
    job.refresh_from_db()
    return job


def test_the_file_is_deleted_once_imported(
    admin, pipeline, stages, settings, django_capture_on_commit_callbacks
):
    job = _checked_job(admin, django_capture_on_commit_callbacks)
    assert len(_stored(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start_apply(job=job, actor=admin)
    job.refresh_from_db()
    assert (job.status, job.file.name) == ("done", "")
    assert Deal.objects.count() == 2
    assert _stored(settings) == []


def test_files_past_the_retention_are_purged_by_the_nightly_task(
    client, admin, rep, pipeline, stages, settings, django_capture_on_commit_callbacks
):
    old = _checked_job(rep, django_capture_on_commit_callbacks)
    recent = _checked_job(rep, django_capture_on_commit_callbacks)
    lost = _checked_job(rep, django_capture_on_commit_callbacks)
    done = _checked_job(rep, django_capture_on_commit_callbacks)
    eight_days_ago = timezone.now() - datetime.timedelta(days=8)
    ImportJob.objects.filter(pk=old.pk).update(updated_at=eight_days_ago)
    # "Importing" for a week: its task was lost long ago (a task runs 30 minutes at most).
    ImportJob.objects.filter(pk=lost.pk).update(updated_at=eight_days_ago, status="applying")
    # Imported by an older version, which kept the file.
    ImportJob.objects.filter(pk=done.pk).update(updated_at=eight_days_ago, status="done")
    assert len(_stored(settings)) == 4

    assert purge_import_files.delay().get() == 3
    for job in (old, lost):
        job.refresh_from_db()
        assert (job.status, job.file.name) == ("failed", "")
        assert "deleted after 7 days without being imported" in job.error
    done.refresh_from_db()
    assert (done.status, done.file.name, done.error) == ("done", "", "")
    recent.refresh_from_db()
    assert recent.file.name
    assert len(_stored(settings)) == 1
    assert purge_import_files.delay().get() == 0

    # The page says so, and offers no mapping form for a file that is gone.
    client.force_login(rep)
    page = client.get(reverse("pipeline:import_job", args=[old.pk])).content.decode()
    assert "upload it again" in page
    assert "Check again" not in page

    entry = app.conf.beat_schedule["purge-import-files"]
    assert entry["task"] == "pipeline.tasks.purge_import_files"
    assert entry["options"]["expires"] < 24 * 3600


def test_a_users_stored_uploads_are_capped(
    client, rep, settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("pipeline.services.imports.files.USER_STORED_BYTES", len(CSV) + 10)
    client.force_login(rep)
    first = _upload(client, CSV)
    assert first.status_code == 302
    refused = _upload(client, CSV, name="again.csv")
    assert refused.status_code == 400
    assert "Your files waiting to be imported take" in refused.content.decode()
    assert ImportJob.objects.count() == 1

    job = ImportJob.objects.get()
    page = client.get(reverse("pipeline:import_job", args=[job.pk])).content.decode()
    assert "Delete the file" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pipeline:import_discard", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.file.name) == ("failed", "")
    assert _stored(settings) == []
    assert _upload(client, CSV, name="again.csv").status_code == 302


def test_the_upload_still_needs_the_csrf_token(rep):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = _upload(client, CSV)
    assert response.status_code == 403
    assert not ImportJob.objects.exists()
