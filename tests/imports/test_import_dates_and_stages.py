"""Import: day-first and month-first dates (a choice when unclear), and new stages ordered
by the file's history with win probabilities the preview can set (issue 16, item 20)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pipeline.models import Deal, ImportJob, Stage
from pipeline.services.imports import ImportOptions, deal_import_apply, deal_import_preview

pytestmark = pytest.mark.django_db


def _preview(write_csv, admin, text, **options):  # noqa: ANN001
    return deal_import_preview(
        source=write_csv(text), actor=admin, options=ImportOptions(pipeline="Sales", **options)
    )


def test_dates_readable_only_one_way_need_no_choice(write_csv, admin, pipeline, stages):
    path = write_csv(
        "title,expected_close_date\nA,15/01/2027\nB,28.02.2027\nC,2027-03-31\n"
        "D,2027.04.30.\nE,2027/05/31\n"
    )
    report = deal_import_apply(source=path, actor=admin, options=ImportOptions(pipeline="Sales"))
    assert (report.problem_count, report.date_order_needed) == (0, False)
    dates = dict(Deal.objects.values_list("title", "expected_close_date"))
    assert dates == {
        "A": datetime.date(2027, 1, 15),
        "B": datetime.date(2027, 2, 28),
        "C": datetime.date(2027, 3, 31),
        "D": datetime.date(2027, 4, 30),
        "E": datetime.date(2027, 5, 31),
    }


@pytest.mark.parametrize(
    ("order", "expected"),
    [("dmy", datetime.date(2027, 4, 3)), ("mdy", datetime.date(2027, 3, 4))],
)
def test_ambiguous_dates_wait_for_a_choice(write_csv, admin, pipeline, stages, order, expected):
    text = "title,expected_close_date\nA,03/04/2027\nB,01/15/2027\n"
    report = _preview(write_csv, admin, text)
    assert report.date_order_needed
    assert report.date_orders == {"ambiguous": 1, "mdy": 1}
    assert not report.can_apply(create_missing=True)

    options = ImportOptions(pipeline="Sales", date_format=order)
    if order == "dmy":  # 01/15/2027 is no date read day first: a row problem naming it
        report = deal_import_preview(source=write_csv(text), actor=admin, options=options)
        assert [(p["row"], p["column"]) for p in report.problems] == [(3, "expected_close_date")]
        assert "read as day/month/year" in report.problems[0]["message"]
        text = "title,expected_close_date\nA,03/04/2027\n"
    deal_import_apply(source=write_csv(text, name="again.csv"), actor=admin, options=options)
    assert Deal.objects.get(title="A").expected_close_date == expected


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_job_page_asks_for_the_date_order_and_refuses_to_import_until_chosen(
    client, admin, pipeline, stages, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    client.post(
        reverse("pipeline:imports"),
        {
            "kind": "deals",
            "file": SimpleUploadedFile("d.csv", b"title,close date\nA,03/04/2027\nB,01/15/2027\n"),
        },
    )
    job = ImportJob.objects.get()
    url = reverse("pipeline:import_job", args=[job.pk])
    form = {"col_title": "title", "col_expected_close_date": "close date"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**form, "number_format": "point", "pipeline": "Sales"})
    page = client.get(url).content.decode()
    assert "can be read day first or month first" in page
    # The file's unambiguous date (01/15/2027) suggests month first.
    assert '<option value="mdy" selected>' in page
    client.post(reverse("pipeline:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "checked"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {**form, "number_format": "point", "pipeline": "Sales", "date_format": "mdy"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pipeline:import_apply", args=[job.pk]))
    assert Deal.objects.get(title="A").expected_close_date == datetime.date(2027, 3, 4)


# Lead: 0 of 4 closed won; Demo: 1 of 3; Proposal: 3 of 4. Alphabetical would be
# Demo, Lead, Proposal.
STAGED = "title,pipeline,stage,status,closed_at,lost_reason\n" + "".join(
    f"{stage}{n},Partners 2,{stage},{status},{'2024-01-02' if status != 'open' else ''},"
    f"{'Price' if status == 'lost' else ''}\n"
    for stage, statuses in [
        ("Proposal", ["won"] * 3 + ["lost", "open"]),
        ("Lead", ["lost"] * 4 + ["open"] * 6),
        ("Demo", ["won"] + ["lost"] * 2 + ["open"] * 3),
    ]
    for n, status in enumerate(statuses)
)


def test_new_stages_follow_the_files_history_with_spread_probabilities(write_csv, admin, pipeline):
    deal_import_apply(
        source=write_csv(STAGED), actor=admin, options=ImportOptions(create_missing=True)
    )
    created = list(
        Stage.objects.filter(pipeline__name="Partners 2")
        .order_by("position")
        .values_list("name", "win_probability")
    )
    assert created == [("Lead", 25), ("Demo", 50), ("Proposal", 75)]


def test_the_preview_sets_the_order_and_probabilities_of_new_stages(
    client, admin, pipeline, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    client.post(
        reverse("pipeline:imports"),
        {"kind": "deals", "file": SimpleUploadedFile("s.csv", STAGED.encode())},
    )
    job = ImportJob.objects.get()
    url = reverse("pipeline:import_job", args=[job.pk])
    mapping = {
        f"col_{c}": c for c in ("title", "pipeline", "stage", "status", "closed_at", "lost_reason")
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**mapping, "number_format": "point", "create_missing": "on"})
    page = client.get(url).content.decode()
    # The suggestion is shown: Lead first at 25 %.
    assert 'name="stages-order" min="1" max="1000" value="1"' in page
    labels = ["Partners 2 / Demo", "Partners 2 / Lead", "Partners 2 / Proposal"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pipeline:import_matches", args=[job.pk]),
            {
                "stages-name": labels,
                "stages-target": ["", "", ""],
                "stages-order": ["1", "2", "3"],
                "stages-probability": ["10", "20", "70"],
            },
        )
    job.refresh_from_db()
    assert job.status == "checked", job.report
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pipeline:import_apply", args=[job.pk]))
    created = list(
        Stage.objects.filter(pipeline__name="Partners 2")
        .order_by("position")
        .values_list("name", "win_probability")
    )
    assert created == [("Demo", 10), ("Lead", 20), ("Proposal", 70)]


def test_an_admin_places_a_new_stage_among_the_pipelines_stages(
    client, admin, pipeline, stages, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    client.post(
        reverse("pipeline:imports"),
        {
            "kind": "deals",
            "file": SimpleUploadedFile("d.csv", b"title,stage\nA,Demo\nB,Proposal\n"),
        },
    )
    job = ImportJob.objects.get()
    url = reverse("pipeline:import_job", args=[job.pk])
    form = {"col_title": "title", "col_stage": "stage", "number_format": "point"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**form, "pipeline": "Sales", "create_missing": "on"})
    page = client.get(url).content.decode()
    assert f'<option value="{stages[1].pk}">after Qualified</option>' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pipeline:import_matches", args=[job.pk]),
            {
                "stages-name": "Sales / Demo",
                "stages-target": "",
                "stages-order": "1",
                "stages-probability": "45",
                "stages-after": str(stages[1].pk),
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pipeline:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done", job.error
    order = list(pipeline.stages.order_by("position").values_list("name", "win_probability"))
    assert order == [
        ("Lead in", 10),
        ("Qualified", 30),
        ("Demo", 45),
        ("Proposal", 60),
        ("Negotiation", 80),
    ]
    assert Deal.objects.get(title="A").stage.name == "Demo"


def test_a_rep_is_not_offered_to_reorder_the_pipeline(
    client, rep, pipeline, stages, django_capture_on_commit_callbacks
):
    client.force_login(rep)
    client.post(
        reverse("pipeline:imports"),
        {"kind": "deals", "file": SimpleUploadedFile("d.csv", b"title,stage\nA,Demo\n")},
    )
    job = ImportJob.objects.get()
    url = reverse("pipeline:import_job", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {
                "col_title": "title",
                "col_stage": "stage",
                "number_format": "point",
                "pipeline": "Sales",
                "create_missing": "on",
            },
        )
    page = client.get(url).content.decode()
    assert 'name="stages-order"' in page
    assert 'name="stages-after" value=""' in page and "after Qualified" not in page
