"""Values in imported files: negative zero, digits other than 0-9, unclosed quotes."""

from __future__ import annotations

import pytest

from pipeline.models import Deal
from pipeline.services.imports import ImportOptions, deal_import_apply, deal_import_preview
from pipeline.services.imports.csvfiles import NonAsciiDigits, parse_decimal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("raw", "number_format"), [("-0.0", "point"), ("-0,00", "comma")])
def test_negative_zero_is_zero(raw, number_format):
    assert str(parse_decimal(raw, number_format)) in ("0.0", "0.00")


@pytest.mark.parametrize("raw", ["١٢٣", "۱۲۳", "１２３", "1٢3"])
def test_digits_other_than_0_to_9_are_refused(raw):
    with pytest.raises(NonAsciiDigits):
        parse_decimal(raw, "point")


def test_import_stores_negative_zero_as_zero_and_refuses_arabic_indic_digits(
    write_csv, admin, pipeline, stages
):
    path = write_csv("title,value\nZero,-0.0\n")
    deal_import_apply(source=path, actor=admin, options=ImportOptions(pipeline="Sales"))
    assert str(Deal.objects.get(title="Zero").value) == "0.00"

    report = deal_import_preview(
        source=write_csv("title,value\nArabic,١٢٣\n", name="ar.csv"),
        actor=admin,
        options=ImportOptions(pipeline="Sales"),
    )
    assert report.problem_count == 1
    assert report.problems[0]["row"] == 2
    assert "digits other than 0-9" in report.problems[0]["message"]


def test_an_unclosed_quote_is_reported_with_its_line(write_csv, admin, pipeline, stages):
    path = write_csv('title,value,stage\nA,1,Lead in\nB,"2,Lead in\nC,3,Lead in\nD,4,Lead in\n')
    report = deal_import_preview(source=path, actor=admin, options=ImportOptions(pipeline="Sales"))
    messages = [(p["row"], p["message"]) for p in report.problems]
    assert any(
        row == 3 and "line 3" in message and "lines 3 to 5" in message for row, message in messages
    ), messages
    assert not report.can_apply(create_missing=True)


def test_a_quoted_value_over_several_lines_is_fine(write_csv, admin, pipeline, stages):
    path = write_csv('title,value\n"Two\nlines",1\nB,2\n')
    report = deal_import_preview(source=path, actor=admin, options=ImportOptions(pipeline="Sales"))
    assert (report.problem_count, report.to_create) == (0, 2)


def test_a_quote_never_closed_in_a_big_file_names_its_line(write_csv, admin, pipeline):
    from pipeline.services.imports.csvfiles import CsvFormatError

    path = write_csv('title,value\nA,1\nB,"2\n' + "C,3\n" * 40_000)
    with pytest.raises(CsvFormatError, match="starting on line 3 is longer than 128 KB"):
        deal_import_preview(source=path, actor=admin, options=ImportOptions(pipeline="Sales"))


def test_a_note_over_several_lines_with_commas_is_no_unclosed_quote(write_csv, admin):
    path = write_csv('name,notes\nAcme,"Met Monday, price\nCall back, send offer"\nBeta,ok\n')
    from pipeline.services.imports import organization_import_preview

    report = organization_import_preview(source=path, actor=admin, options=ImportOptions())
    assert (report.problem_count, report.to_create) == (0, 2)
