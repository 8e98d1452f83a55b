"""Deal imports: detection, per-row problems, all-or-nothing, no duplicates, history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from pipeline.models import Deal, Organization, Person, Stage, StageChange, StageTotal
from pipeline.services.imports import (
    ImportOptions,
    ImportRefused,
    deal_import_apply,
    deal_import_preview,
)
from pipeline.services.imports.csvfiles import csv_detect, parse_decimal

pytestmark = pytest.mark.django_db

HEADER = (
    "title,value,currency,pipeline,stage,status,owner,organization,person,person_email,"
    "expected_close_date,created_at,closed_at,lost_reason"
)


def _totals(stage):
    return {
        t.currency: (t.open_count, t.open_value) for t in StageTotal.objects.filter(stage=stage)
    }


@pytest.mark.parametrize(
    ("prefix", "delimiter", "bom"),
    [("", ",", False), ("", ";", True), ("", "\t", False), ("", ";", False)],
)
def test_detects_bom_and_delimiter(write_csv, prefix, delimiter, bom):
    path = write_csv(delimiter.join(["title", "value", "stage"]) + "\nA;B,C\tD\n", bom=bom)
    fmt = csv_detect(path)
    assert fmt.delimiter == delimiter
    assert fmt.encoding == ("utf-8-sig" if bom else "utf-8")
    assert fmt.header == ["title", "value", "stage"]


@pytest.mark.parametrize(
    ("raw", "number_format", "expected"),
    [
        ("1 234,50", "comma", Decimal("1234.50")),
        ("1.234,50", "comma", Decimal("1234.50")),
        ("1\u00a0234,5", "comma", Decimal("1234.5")),
        ("1,234.50", "point", Decimal("1234.50")),
        ("1234", "point", Decimal("1234")),
    ],
)
def test_numbers_parse_by_locale(raw, number_format, expected):
    assert parse_decimal(raw, number_format) == expected


@pytest.mark.parametrize(
    ("raw", "number_format"), [("1,5", "point"), ("1.2.3", "comma"), ("x", "point")]
)
def test_ambiguous_numbers_are_refused(raw, number_format):
    with pytest.raises(ValueError):
        parse_decimal(raw, number_format)


def test_semicolon_file_with_bom_and_comma_numbers_imports(write_csv, admin, pipeline, stages):
    path = write_csv(
        "title;value;stage;created_at\n"
        'Acme;"1 234,50";Qualified;2024-01-15 10:00\n'
        "Beta;99;Lead in;2024-02-01\n",
        bom=True,
    )
    report = deal_import_apply(
        source=path, actor=admin, options=ImportOptions(number_format="comma", pipeline="Sales")
    )
    assert report.created["deals"] == 2
    acme = Deal.objects.get(title="Acme")
    assert (acme.value, acme.stage, acme.owner) == (Decimal("1234.50"), stages[1], admin)
    assert _totals(stages[1]) == {"EUR": (1, Decimal("1234.50"))}


def test_preview_lists_every_problem_with_row_numbers_and_writes_nothing(
    write_csv, admin, pipeline, stages
):
    path = write_csv(
        HEADER + "\n"
        "Good,100,EUR,Sales,Lead in,open,,,,,,,,\n"
        "Bad date,100,EUR,Sales,Lead in,open,,,,,2024-13-45,,,\n"
        "Negative,-5,EUR,Sales,Lead in,open,,,,,,,,\n"
        "Odd,100,EUR,Sales,Lead in,pending,,,,,,,,\n"
        ",100,EUROS,Sales,Lead in,lost,,,,,,,,\n"
    )
    report = deal_import_preview(source=path, actor=admin, options=ImportOptions())
    problems = {(p["row"], p["column"]) for p in report.problems}
    assert problems == {
        (3, "expected_close_date"),
        (4, "value"),
        (5, "status"),
        (6, "title"),
        (6, "currency"),
        (6, "closed_at"),
        (6, "lost_reason"),
    }
    assert (report.rows, report.valid, report.to_create) == (5, 1, 1)
    with pytest.raises(ImportRefused):
        deal_import_apply(source=path, actor=admin, options=ImportOptions())
    # All or nothing: the good row was not written either.
    assert not Deal.objects.exists()


def test_unknown_names_are_listed_and_nothing_is_written(write_csv, admin, pipeline, stages):
    path = write_csv(
        HEADER + "\n"
        "A,10,EUR,Sales,Demo,open,Nina New,Newco,Pia,pia@newco.test,,2024-01-01,,\n"
        "B,10,EUR,Sales,Lead in,lost,ada,,,,,2024-01-01,2024-02-01,Went silent\n"
    )
    with pytest.raises(ImportRefused) as refused:
        deal_import_apply(source=path, actor=admin, options=ImportOptions())
    assert refused.value.report.unknown == {
        "stages": ["Sales / Demo"],
        "owners": ["Nina New"],
        "organizations": ["Newco"],
        "people": ["Pia <pia@newco.test>"],
        "lost_reasons": ["Went silent"],
    }
    assert not Deal.objects.exists()
    assert not Organization.objects.exists()


def test_create_missing_creates_them_and_owners_cannot_log_in(write_csv, admin, pipeline, stages):
    path = write_csv(
        HEADER + "\n"
        "A,10,EUR,Sales,Demo,open,Nina New,Newco,Pia,pia@newco.test,,2024-01-01,,\n"
        "B,10,EUR,Sales,Lead in,lost,ada,,,,,2024-01-01,2024-02-01,Went silent\n"
    )
    report = deal_import_apply(source=path, actor=admin, options=ImportOptions(create_missing=True))
    assert report.created["deals"] == 2
    nina = User.objects.get(first_name="Nina", last_name="New")
    assert not nina.has_usable_password()
    demo = Stage.objects.get(pipeline=pipeline, name="Demo")
    assert demo.position == 4  # after Negotiation
    a = Deal.objects.get(title="A")
    assert (a.stage, a.owner, a.organization.name) == (demo, nina, "Newco")
    assert (a.person.email, a.person.organization) == ("pia@newco.test", a.organization)
    assert Deal.objects.get(title="B").lost_reason.name == "Went silent"


def test_owners_match_by_username_email_or_full_name(write_csv, admin, rep, pipeline, stages):
    path = write_csv("title,owner\nA,rita\nB,RITA@example.com\nC,rita rep\n")
    deal_import_apply(source=path, actor=admin, options=ImportOptions(pipeline="Sales"))
    assert set(Deal.objects.values_list("owner__username", flat=True)) == {"rita"}


def test_a_manager_cannot_import_deals_for_another_team(
    write_csv, manager, outsider, pipeline, stages
):
    path = write_csv("title,owner\nA,olga\n")
    report = deal_import_preview(source=path, actor=manager, options=ImportOptions())
    assert report.problems == [
        {"row": 2, "column": "owner", "message": "You cannot import deals for Olga Outsider."}
    ]


def test_closed_deals_get_history_and_totals_count_only_open(
    write_csv, admin, lost_reason, pipeline, stages, usd
):
    path = write_csv(
        HEADER + "\n"
        "Open one,100.00,EUR,Sales,Proposal,open,,,,,,2024-01-01T09:00:00+00:00,,\n"
        "Open two,50.25,EUR,Sales,Proposal,open,,,,,,2024-01-02T09:00:00+00:00,,\n"
        "Dollar,70,USD,Sales,Proposal,open,,,,,,2024-01-03T09:00:00+00:00,,\n"
        "Won one,300,EUR,Sales,Negotiation,won,,,,,,2024-01-04T09:00:00+00:00,"
        "2024-03-01T12:00:00+00:00,\n"
        "Lost one,40,EUR,Sales,Qualified,lost,,,,,,2024-01-05T09:00:00+00:00,"
        "2024-02-01T12:00:00+00:00,Price too high\n"
    )
    deal_import_apply(source=path, actor=admin, options=ImportOptions())
    # Proposal holds the three open deals: EUR 100.00 + 50.25 = 150.25 and USD 70 apart.
    assert _totals(stages[2]) == {"EUR": (2, Decimal("150.25")), "USD": (1, Decimal("70.00"))}
    assert _totals(stages[3]) in ({}, {"EUR": (0, Decimal("0"))})
    won = Deal.objects.get(title="Won one")
    history = list(
        StageChange.objects.filter(deal=won)
        .order_by("timestamp")
        .values_list("from_status", "to_status", "to_stage", "source")
    )
    assert history == [
        ("", "open", stages[3].pk, "import"),
        ("open", "won", stages[3].pk, "import"),
    ]
    close = StageChange.objects.get(deal__title="Lost one", to_status="lost")
    assert close.timestamp == Deal.objects.get(title="Lost one").closed_at
    # Issue 7: the close ends the stay that began at the entry; the entry has no stay before.
    assert close.stay_started_at == Deal.objects.get(title="Lost one").created_at
    entry = StageChange.objects.get(deal__title="Lost one", to_status="open")
    assert entry.stay_started_at is None
    assert close.lost_reason == lost_reason


def test_reimport_does_not_duplicate(write_csv, admin, pipeline, stages, make_deal):
    path = write_csv(
        "external_id,title,organization,created_at,value\n"
        "crm-1,With id,Acme,2024-01-01,10\n"
        ",No id,Acme,2024-01-02T10:00:00+00:00,20\n"
        ",No id,Beta,2024-01-02T10:00:00+00:00,30\n"
    )
    options = ImportOptions(pipeline="Sales", create_missing=True)
    assert deal_import_apply(source=path, actor=admin, options=options).created["deals"] == 3
    again = deal_import_apply(source=path, actor=admin, options=options)
    assert (again.created["deals"], again.duplicates) == (0, 3)
    assert Deal.objects.count() == 3
    assert Organization.objects.count() == 2
    assert _totals(stages[0]) == {"EUR": (3, Decimal("60.00"))}
    # Ids came from the table's own sequence: deals created afterwards do not collide.
    make_deal(title="After the import")
    assert Deal.objects.count() == 4


def test_not_utf8_is_a_clear_error(write_csv, tmp_path, admin, pipeline):
    path = tmp_path / "latin1.csv"
    path.write_bytes("title\nCafé Müller\n".encode("latin-1") * 3)
    with pytest.raises(Exception, match="not UTF-8"):
        deal_import_preview(source=path, actor=admin, options=ImportOptions())


def test_command_dry_run_and_missing(write_csv, admin, pipeline, stages, capsys):
    path = write_csv("title,stage,organization\nA,Lead in,Newco\n")
    with pytest.raises(CommandError, match="create-missing"):
        call_command("import_deals", str(path), "--pipeline", "Sales")
    out = capsys.readouterr().out
    assert "Unknown organizations (1):" in out and "Newco" in out
    assert not Deal.objects.exists()

    call_command("import_deals", str(path), "--pipeline", "Sales", "--create-missing", "--dry-run")
    assert "Dry run: nothing written." in capsys.readouterr().out
    assert not Deal.objects.exists() and not Organization.objects.exists()

    call_command("import_deals", str(path), "--pipeline", "Sales", "--create-missing")
    assert "Imported: 1 organizations, 1 deals." in capsys.readouterr().out
    assert Deal.objects.get().organization.name == "Newco"
    assert Person.objects.count() == 0


def test_import_never_reports_a_hidden_deal_as_already_imported(
    write_csv, rep, outsider, stages, make_deal
):
    """Issue 15, item 12: Olga's deals, which Rita may not see, do not make Rita's rows
    "already imported" (by external id, or by title + organization + first contact)."""
    make_deal(title="Secret", owner=outsider, external_id="crm-9")
    make_deal(title="Hidden twin", owner=outsider)
    created = Deal.objects.get(title="Hidden twin").created_at.isoformat()
    path = write_csv(f"external_id,title,created_at\ncrm-9,Mine,\n,Hidden twin,{created}\n")
    options = ImportOptions(pipeline="Sales")
    preview = deal_import_preview(source=path, actor=rep, options=options)
    assert (preview.to_create, preview.duplicates) == (2, 0)
    report = deal_import_apply(source=path, actor=rep, options=options)
    assert (report.created["deals"], report.duplicates) == (2, 0)
    assert set(Deal.objects.filter(owner=rep).values_list("title", flat=True)) == {
        "Mine",
        "Hidden twin",
    }
    # Her own deals still count as imported.
    again = deal_import_apply(source=path, actor=rep, options=options)
    assert (again.created["deals"], again.duplicates) == (0, 2)
