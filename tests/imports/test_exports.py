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
from pipeline.models import Deal, Organization, Person, StageChange, StageTotal
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


# --- Control characters (issue 15, item 5) and CSV formula guard (item 7) ---------------------


def test_control_characters_are_stripped_on_input_through_every_door(client, rep, stages):
    from rest_framework.test import APIClient

    api_rep = APIClient()
    api_rep.force_login(rep)
    r = api_rep.post(
        "/api/deals/", {"title": "Big\x0b deal\x1b", "stage": stages[0].pk}, format="json"
    )
    assert r.status_code == 201, r.content
    assert Deal.objects.get().title == "Big deal"
    # The answer shows what was stored, also after an edit.
    assert r.json()["title"] == "Big deal"
    edited = api_rep.patch(
        f"/api/deals/{r.json()['id']}/", {"version": 1, "title": "Bigger\x0b deal"}, format="json"
    )
    assert edited.json()["title"] == Deal.objects.get().title == "Bigger deal"
    r = api_rep.post("/api/organizations/", {"name": "Ac\x1bme", "notes": "a\tb\nc\x0b"})
    assert r.status_code == 201, r.content
    org = Organization.objects.get()
    assert (org.name, org.notes) == ("Acme", "a\tb\nc")
    client.force_login(rep)
    client.post(reverse("pipeline:person_new"), {"name": "Ann\x0b Lee"})
    assert Person.objects.get().name == "Ann Lee"


def test_exports_of_old_rows_with_control_characters_answer_200(client, make_deal, rep):
    # Written past the model fields, as rows stored before text was cleaned on input.
    deal = make_deal(title="Clean", owner=rep)
    org = OrganizationFactory(name="Org")
    person = PersonFactory(name="Pat", organization=org)
    Deal.objects.filter(pk=deal.pk).update(organization=org)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pipeline_deal SET title = %s", ["Old\x0bdeal"])
        cursor.execute("UPDATE pipeline_organization SET name = %s", ["Old\x0borg"])
        cursor.execute("UPDATE pipeline_person SET notes = %s", ["Old\x0bnote"])
    from openpyxl import load_workbook

    client.force_login(rep)
    for kind, column, expected in (
        ("deals", 0, "Olddeal"),
        ("organizations", 0, "Oldorg"),
        ("people", 7, "Oldnote"),
    ):
        sheet = load_workbook(io.BytesIO(_download(client, kind, "xlsx"))).active
        assert sheet.cell(row=2, column=column + 1).value == expected, kind
        assert list(csv.reader(io.StringIO(_download(client, kind).decode("utf-8-sig"))))[1]
    assert person.pk


EVIL = 'Acme;=HYPERLINK("http://evil.example","x")'


def _raw_lines(data: bytes) -> list[str]:
    return data.decode("utf-8-sig").splitlines()


def test_every_export_csv_quotes_every_field_and_guards_formulas_after_separators(
    client, make_deal, rep
):
    org = OrganizationFactory(name=EVIL, owner=rep)
    PersonFactory(name="+1 formula", organization=org, owner=rep)
    deal = make_deal(title="-2+3, @SUM(A1)", owner=rep, organization=org)
    services.activity_create(
        actor=rep, type="call", subject="x|=cmd", due_date=datetime.date(2030, 1, 2), deal=deal
    )
    client.force_login(rep)
    for kind in ("deals", "people", "organizations", "activities"):
        lines = _raw_lines(_download(client, kind))
        for line in lines:
            # Every field quoted: each line starts and ends with a quote.
            assert line.startswith('"') and line.endswith('"'), (kind, line)
        text = "\n".join(lines)
        assert ";=" not in text and "|=" not in text and ", @" not in text, kind
    orgs = _rows(_download(client, "organizations"))
    assert orgs[0]["name"] == 'Acme;\'=HYPERLINK("http://evil.example","x")'
    deals = _rows(_download(client, "deals"))
    assert deals[0]["title"] == "'-2+3, '@SUM(A1)"
    assert deals[0]["value"] == "1000.00"


def test_dashboard_csvs_quote_every_field_and_guard_formulas(client, admin, make_deal, stages):
    from metrics.exports import csv_response as _csv

    response = _csv("x", ["Stage"], [[EVIL, -3, "-1.5", "=1+1"]])
    lines = _raw_lines(response.content)
    assert lines[1] == '"Acme;\'=HYPERLINK(""http://evil.example"",""x"")","-3","-1.5","\'=1+1"'
    # And a real dashboard CSV: a stage named like a formula is written guarded and quoted.
    stages[0].name = "Lead;=cmd"
    stages[0].save()
    make_deal(title="A", owner=admin)
    client.force_login(admin)
    data = client.get(reverse("metrics:dashboard"), {"export": "funnel"}).content
    assert b"Lead;'=cmd" in data and b";=" not in data
    assert all(line.startswith('"') for line in _raw_lines(data))
