"""The import pages: upload → map → check → preview → apply, with progress and resuming."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pipeline.models import Deal, ImportJob, StageTotal

pytestmark = pytest.mark.django_db

CSV = (
    b"Deal name;Amount;Phase;State;Closed\n"
    b'Acme;"1 500,00";Proposal;open;\n'
    b"Beta;200;Qualified;won;2024-02-01\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, content=CSV, kind="deals"):  # noqa: ANN001
    return client.post(
        reverse("pipeline:imports"),
        {"kind": kind, "file": SimpleUploadedFile("deals.csv", content, "text/csv")},
    )


def test_upload_map_check_and_apply(
    client, admin, pipeline, stages, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    response = _upload(client)
    job = ImportJob.objects.get()
    assert response.url == reverse("pipeline:import_job", args=[job.pk])
    assert (job.header, job.rows_total) == (["Deal name", "Amount", "Phase", "State", "Closed"], 2)

    page = client.get(response.url)
    assert page.status_code == 200
    assert b"Which column holds what" in page.content

    mapping = {
        "col_title": "Deal name",
        "col_value": "Amount",
        "col_stage": "Phase",
        "col_status": "State",
        "col_closed_at": "Closed",
        "number_format": "comma",
        "pipeline": "Sales",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, mapping)
    job.refresh_from_db()
    # The check ran (eagerly here, as a Celery task in production).
    assert job.status == "checked"
    assert (job.report["to_create"], job.report["problem_count"]) == (2, 0)
    preview = client.get(response.url)
    assert b"Import 2 new rows" in preview.content
    assert not Deal.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pipeline:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done"
    assert job.report["created"]["deals"] == 2
    acme = Deal.objects.get(title="Acme")
    assert (acme.value, acme.stage) == (Decimal("1500.00"), stages[2])
    assert StageTotal.objects.get(stage=stages[2]).open_value == Decimal("1500.00")
    # The job stays listed, so the user can come back to it.
    assert b"deals.csv" in client.get(reverse("pipeline:imports")).content


def test_preview_shows_problems_and_apply_is_refused(
    client, admin, pipeline, stages, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    _upload(client, b"title,value\nOk,1\nBad,-4\n")
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pipeline:import_job", args=[job.pk]),
            {"col_title": "title", "col_value": "value", "number_format": "point"},
        )
    page = client.get(reverse("pipeline:import_job", args=[job.pk])).content.decode()
    assert "The value cannot be negative." in page
    assert '<td class="num">3</td>' in page
    client.post(reverse("pipeline:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "checked"
    assert not Deal.objects.exists()


def test_progress_is_polled_while_running_and_refreshes_when_done(client, admin, pipeline):
    client.force_login(admin)
    _upload(client)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="applying")
    url = reverse("pipeline:import_progress", args=[job.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in running.content
    assert b"<progress" in running.content
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"


def test_bad_files_are_refused_with_a_message(client, admin):
    client.force_login(admin)
    response = _upload(client, "title\nCafé\n".encode("latin-1") * 5)
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_jobs_are_private(client, admin, rep, pipeline):
    client.force_login(admin)
    _upload(client)
    job = ImportJob.objects.get()
    client.force_login(rep)
    assert client.get(reverse("pipeline:import_job", args=[job.pk])).status_code == 404


def test_a_manager_follows_the_teams_imports_but_only_the_uploader_changes_them(
    client, rep, teammate, manager, other_manager, pipeline, stages
):
    client.force_login(rep)
    _upload(client)
    job = ImportJob.objects.get()
    preselected = dict(job.mapping)
    url = reverse("pipeline:import_job", args=[job.pk])

    client.force_login(manager)
    listing = client.get(reverse("pipeline:imports")).content.decode()
    assert "deals.csv" in listing and "<th>By</th>" in listing and "Rita" in listing
    page = client.get(url).content.decode()
    assert "only they or an admin can change or apply it" in page
    assert "Which column holds what" not in page  # no mapping form for a follower
    refused = client.post(url, {"col_title": "Deal name", "number_format": "point"})
    assert refused.status_code == 403
    assert "who uploaded this file, or an admin" in refused.content.decode()
    assert client.post(reverse("pipeline:import_apply", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert (job.status, job.mapping) == ("uploaded", preselected)

    # A teammate and another team's manager do not see it at all.
    for other in (teammate, other_manager):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert "Nothing imported yet." in client.get(reverse("pipeline:imports")).content.decode()


def test_unknown_names_can_be_matched_to_existing_records(
    client, admin, rep, pipeline, stages, lost_reason, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    _upload(
        client,
        b"title,stage,owner,status,closed_at,lost_reason\n"
        b"A,Offer,Rita R.,lost,2024-01-02,Too pricey\n"
        b"B,Lead in,Rita R.,open,,\n",
    )
    job = ImportJob.objects.get()
    url = reverse("pipeline:import_job", args=[job.pk])
    mapping = {
        f"col_{c}": c for c in ("title", "stage", "owner", "status", "closed_at", "lost_reason")
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**mapping, "number_format": "point", "pipeline": "Sales"})
    job.refresh_from_db()
    assert job.report["unknown"] == {
        "stages": ["Sales / Offer"],
        "owners": ["Rita R."],
        "lost_reasons": ["Too pricey"],
    }
    page = client.get(url).content.decode()
    assert "Match names to what you have" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pipeline:import_matches", args=[job.pk]),
            {
                "stages-name": "Sales / Offer",
                "stages-target": str(stages[2].pk),
                "owners-name": "Rita R.",
                "owners-target": str(rep.pk),
                "lost_reasons-name": "Too pricey",
                "lost_reasons-target": str(lost_reason.pk),
            },
        )
    job.refresh_from_db()
    assert (job.status, job.report["unknown"], job.report["to_create"]) == ("checked", {}, 2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pipeline:import_apply", args=[job.pk]))
    a = Deal.objects.get(title="A")
    assert (a.stage, a.owner, a.lost_reason) == (stages[2], rep, lost_reason)
    assert Deal.objects.get(title="B").owner == rep


def test_mapping_shows_labels_and_matches_common_header_names(client, admin, pipeline):
    client.force_login(admin)
    _upload(
        client,
        b"Deal name;Amount;Expected close;Company;Contact;Deal owner;Phase\nAcme;1;;;;;\n",
    )
    job = ImportJob.objects.get()
    assert job.mapping == {
        "title": "Deal name",
        "value": "Amount",
        "expected_close_date": "Expected close",
        "organization": "Company",
        "person": "Contact",
        "owner": "Deal owner",
        "stage": "Phase",
    }
    page = client.get(reverse("pipeline:import_job", args=[job.pk])).content.decode()
    assert "<span>Expected close date</span>" in page
    assert "<span>Contact person&#x27;s email</span>" in page
    assert "<span>expected_close_date</span>" not in page
