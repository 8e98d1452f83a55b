"""Files built to hurt: bounded detection cost, NUL and control characters, failed tasks."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pipeline.models import Deal, ImportJob, Organization
from pipeline.services.imports import ImportOptions
from pipeline.services.imports.csvfiles import SNIFF_BYTES, csv_detect
from pipeline.services.imports.jobs import (
    import_job_configure,
    import_job_create,
    import_job_start_apply,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# 64 KB of quotes and newlines: csv.Sniffer spent 77-174 s of CPU on this (issue 15, item 1).
HOSTILE = [
    b'"\n' * 32768,
    b"title,value\n" + b'"\n' * 32762,
    b"title;value\n" + b'a;"' * 21000,
    b"title\tvalue\n" + b'x,"",\t"\n' * 8000,
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _cpu_limit() -> None:
    # 5 s of CPU for Django's start and all four detections; the old sniffer took > 60 s.
    resource.setrlimit(resource.RLIMIT_CPU, (5, 5))


def test_detection_of_hostile_files_costs_a_bounded_amount_of_cpu(tmp_path):
    paths = []
    for n, data in enumerate(HOSTILE):
        path = tmp_path / f"hostile-{n}.csv"
        path.write_bytes(data)
        paths.append(str(path))
    script = (
        "import sys, django; django.setup()\n"
        "from pipeline.services.imports.csvfiles import CsvFormatError, csv_detect\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        print(csv_detect(path).delimiter == '', flush=True)\n"
        "    except CsvFormatError:\n"
        "        print('refused', flush=True)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, *paths],
        cwd=ROOT,
        env=env,
        preexec_fn=_cpu_limit,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"killed after the CPU limit: {done.returncode} {done.stderr}"
    assert len(done.stdout.split()) == len(HOSTILE)


class _CountingReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.read_bytes = data, 0, 0

    def seek(self, pos: int) -> None:
        self.pos = pos

    def read(self, size: int = -1) -> bytes:
        chunk = self.data[self.pos : None if size < 0 else self.pos + size]
        self.pos += len(chunk)
        self.read_bytes += len(chunk)
        return chunk


def test_detection_reads_a_bounded_sample():
    source = _CountingReader(b"title,value\n" + b"Acme,1\n" * 200_000)
    fmt = csv_detect(source)  # type: ignore[arg-type]
    assert (fmt.delimiter, fmt.header) == (",", ["title", "value"])
    assert source.read_bytes <= SNIFF_BYTES


def test_a_hostile_upload_is_refused_at_once_with_a_message(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("pipeline:imports"),
        {"kind": "deals", "file": SimpleUploadedFile("x.csv", HOSTILE[0], "text/csv")},
    )
    assert response.status_code == 400
    assert "A quote in the first line (the header) is never closed" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- NUL and other control characters (issue 15, items 4 and 5) -------------------------


def _check(job, actor, mapping, django_capture_on_commit_callbacks):  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        import_job_configure(
            job=job, actor=actor, mapping=mapping, options=ImportOptions(pipeline="Sales")
        )
    job.refresh_from_db()
    return job


def test_a_nul_in_a_value_is_a_row_problem_at_check_time(
    admin, pipeline, stages, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile(
        "nul.csv", b"title,value\nFine,1\nBad\x00deal,2\nTabs\tare fine,3\n", "text/csv"
    )
    job = import_job_create(actor=admin, kind="deals", upload=upload)
    job = _check(
        job, admin, {"title": "title", "value": "value"}, django_capture_on_commit_callbacks
    )
    assert job.status == "checked"
    assert job.report["problem_count"] == 1
    problem = job.report["problems"][0]
    assert (problem["row"], problem["column"]) == (3, "title")
    assert "U+0000" in problem["message"]
    with pytest.raises(Exception, match="Fix the problems"):
        import_job_start_apply(job=job, actor=admin)
    assert not Deal.objects.exists()


def test_control_characters_in_people_and_organizations_are_row_problems(
    admin, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile(
        "orgs.csv", b"name,notes\nAcme,ok\nBeta,line\x0bbreak\n", "text/csv"
    )
    job = import_job_create(actor=admin, kind="organizations", upload=upload)
    job = _check(job, admin, {"name": "name", "notes": "notes"}, django_capture_on_commit_callbacks)
    assert job.report["problem_count"] == 1
    assert job.report["problems"][0]["row"] == 3
    assert "U+000B" in job.report["problems"][0]["message"]
    assert not Organization.objects.exists()


def test_a_nul_in_the_header_is_refused_at_upload_not_a_500(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("pipeline:imports"),
        {"kind": "deals", "file": SimpleUploadedFile("h.csv", b"ti\x00tle,value\nA,1\n")},
    )
    assert response.status_code == 400
    assert "control characters (U+0000)" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_task_that_fails_marks_the_job_failed_and_it_can_start_again(
    client, admin, pipeline, stages, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("gone.csv", b"title,value\nA,1\n", "text/csv")
    job = import_job_create(actor=admin, kind="deals", upload=upload)
    job = _check(job, admin, {"title": "title"}, django_capture_on_commit_callbacks)
    assert job.status == "checked"
    # The file disappears under the worker (a disk swapped, storage lost): the task fails.
    job.file.storage.delete(job.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start_apply(job=job, actor=admin)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "unexpected error (FileNotFoundError); nothing was imported" in job.error
    client.force_login(admin)
    page = client.get(reverse("pipeline:import_job", args=[job.pk])).content.decode()
    assert "nothing was imported" in page
    assert "Check again" in page  # the mapping form is offered again
    job = _check(job, admin, {"title": "title"}, django_capture_on_commit_callbacks)
    assert job.status == "failed"  # still no file, still not stuck in "checking"
    assert not Deal.objects.exists()


def test_a_job_whose_task_was_lost_can_be_started_again(
    client, admin, pipeline, stages, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from shared.errors import RuleViolation

    upload = SimpleUploadedFile("lost.csv", b"title,value\nA,1\n", "text/csv")
    job = import_job_create(actor=admin, kind="deals", upload=upload)
    ImportJob.objects.filter(pk=job.pk).update(status="applying", updated_at=timezone.now())
    job.refresh_from_db()
    with pytest.raises(RuleViolation):  # still running: not to be restarted
        import_job_configure(
            job=job, actor=admin, mapping={"title": "title"}, options=ImportOptions()
        )
    # An hour later it has not moved: the task was lost (a job left by the old code, a
    # broker that dropped it). The page says so and offers to check the file again.
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=an_hour_ago)
    client.force_login(admin)
    page = client.get(reverse("pipeline:import_job", args=[job.pk])).content.decode()
    assert "its task was lost" in page
    assert "Check again" in page
    job = _check(job, admin, {"title": "title"}, django_capture_on_commit_callbacks)
    assert (job.status, job.report["to_create"]) == ("checked", 1)
