"""Exports respect visibility and filters, and a deal export re-imports to the same deals."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import CompanySettings
from pipeline import services
from pipeline.models import Deal, StageChange, StageTotal
from pipeline.services.imports import ImportOptions, deal_import_apply
from tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _download(client, kind, fmt="csv", **params):  # noqa: ANN001
    response = client.get(reverse("pipeline:export", args=[kind, fmt]), params)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content) if response.streaming else response.content


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_deal_export_respects_visibility_and_filters(client, make_deal, rep, outsider, stages):
    make_deal(title="Mine open", owner=rep)
    won = make_deal(title="Mine won", owner=rep)
    services.deal_win(deal=won, expected_version=1, actor=rep)
    make_deal(title="Not mine", owner=outsider)
    client.force_login(rep)
    assert {r["title"] for r in _rows(_download(client, "deals"))} == {"Mine open", "Mine won"}
    assert [r["title"] for r in _rows(_download(client, "deals", status="won"))] == ["Mine won"]
    bad = client.get(reverse("pipeline:export", args=["deals", "csv"]), {"status": "bogus"})
    assert bad.status_code == 400


def test_formula_like_text_is_guarded(client, make_deal, rep):
    make_deal(title="=HYPERLINK(1)", owner=rep)
    client.force_login(rep)
    assert _rows(_download(client, "deals"))[0]["title"] == "'=HYPERLINK(1)"


def test_people_organizations_activities_and_xlsx(client, make_deal, rep):
    org = OrganizationFactory(name="Acme")
    PersonFactory(name="Ann", email="ann@acme.test", organization=org, is_decision_maker=True)
    deal = make_deal(owner=rep, organization=org)
    services.activity_create(
        actor=rep, type="call", subject="Intro", due_date=datetime.date(2030, 1, 2), deal=deal
    )
    client.force_login(rep)
    people = _rows(_download(client, "people"))
    assert people == [
        {
            "name": "Ann",
            "email": "ann@acme.test",
            "phone": "",
            "job_title": "",
            "organization": "Acme",
            "owner": "",
            "is_decision_maker": "yes",
            "notes": "",
        }
    ]
    assert _rows(_download(client, "organizations"))[0]["name"] == "Acme"
    activity = _rows(_download(client, "activities"))[0]
    assert (activity["subject"], activity["due_date"], activity["deal"]) == (
        "Intro",
        "2030-01-02",
        "Deal",
    )
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_download(client, "deals", "xlsx")))
    sheet = book.active
    assert [c.value for c in sheet[1]][:3] == ["title", "value", "currency"]
    assert sheet.max_row == 2


def _snapshot(pipeline):  # noqa: ANN001
    return sorted(
        Deal.objects.filter(pipeline=pipeline).values_list(
            "title",
            "stage__name",
            "status",
            "value",
            "currency",
            "owner__username",
            "organization__name",
            "person__email",
            "created_at",
            "closed_at",
            "lost_reason__name",
            "expected_close_date",
        )
    )


def test_export_then_import_gives_the_same_pipeline(
    client, admin, rep, make_deal, stages, pipeline, lost_reason, tmp_path, usd
):
    org = OrganizationFactory(name="Acme")
    ann = PersonFactory(name="Ann", email="ann@acme.test", organization=org)
    a = make_deal(title="Open big", value=Decimal("12345.67"), organization=org, person=ann)
    services.deal_move(deal=a, to_stage=stages[2], expected_version=1, actor=rep)
    b = make_deal(title="Won", value=Decimal("500"), currency="USD")
    services.deal_win(deal=b, expected_version=1, actor=rep)
    c = make_deal(title="Lost", value=Decimal("0.5"), expected_close_date=datetime.date(2031, 5, 6))
    services.deal_lose(deal=c, expected_version=1, actor=rep, reason=lost_reason)
    make_deal(title="=SUM(A1)", value=Decimal("7"), stage=stages[3])
    before = _snapshot(pipeline)
    totals_before = sorted(
        StageTotal.objects.values_list("stage_id", "currency", "open_count", "open_value")
    )

    client.force_login(admin)
    path = tmp_path / "export.csv"
    path.write_bytes(_download(client, "deals", pipeline=pipeline.pk))

    # A fresh install: the same configuration and contacts, no deals.
    StageChange.objects.all().delete()
    StageTotal.objects.all().delete()
    Deal.objects.all().delete()
    report = deal_import_apply(source=path, actor=admin, options=ImportOptions())
    assert report.created["deals"] == 4

    assert _snapshot(pipeline) == before
    totals_after = sorted(
        StageTotal.objects.values_list("stage_id", "currency", "open_count", "open_value")
    )
    assert [t for t in totals_after if t[2]] == [t for t in totals_before if t[2]]
    # Closed deals carry a closing history row, so the metrics count them.
    assert StageChange.objects.filter(to_status__in=["won", "lost"]).count() == 2
    # And importing the export again adds nothing.
    again = deal_import_apply(source=path, actor=admin, options=ImportOptions())
    assert (again.created["deals"], again.duplicates) == (0, 4)


def test_deal_export_runs_a_constant_number_of_queries(
    client, make_deal, rep, django_assert_num_queries
):
    CompanySettings.load()
    client.force_login(rep)
    make_deal(title="First", owner=rep)
    with CaptureQueriesContext(connection) as first:
        _download(client, "deals")
    one = len(first)
    for i in range(40):
        make_deal(title=f"D{i}", owner=rep)
    # session, user, company settings (visibility), the deals with their names in one join
    with django_assert_num_queries(one):
        rows = _rows(_download(client, "deals"))
    assert len(rows) == 41
