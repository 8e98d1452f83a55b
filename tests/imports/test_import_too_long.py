"""Issue 16 item 21, for the contact importer: a value longer than its column is a problem on
its row and column, naming the length, never cut to fit (tests/pipeline/contacts has the
services, forms and API)."""

from __future__ import annotations

import pytest

from pipeline.services.imports import (
    ImportOptions,
    organization_import_preview,
    person_import_preview,
)

pytestmark = pytest.mark.django_db

LONG = "N" * 201


def test_the_importer_reports_a_long_name_as_a_row_problem(write_csv, admin):
    path = write_csv(f"name,email\nAnn,ann@acme.test\n{LONG},bob@acme.test\n")
    report = person_import_preview(source=path, actor=admin, options=ImportOptions())
    assert [(p["row"], p["column"]) for p in report.problems] == [(3, "name")]
    assert "201" in report.problems[0]["message"]
    path = write_csv(f"name,website\nAcme,acme.test/{'p' * 190}\n{LONG},\n")
    report = organization_import_preview(source=path, actor=admin, options=ImportOptions())
    assert [(p["row"], p["column"]) for p in report.problems] == [(2, "website"), (3, "name")]
