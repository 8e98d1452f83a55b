"""Import messages name the file's status codes literally (issue 22): the importer accepts
only `open`, `won` and `lost`, so a translation must not turn them into "megnyert". The codes
are values of the message, not words of it, and a `Translators:` comment says so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from pipeline.services.imports import ImportOptions, deal_import_preview

pytestmark = pytest.mark.django_db

HEADER = (
    "title,value,currency,pipeline,stage,status,owner,organization,person,person_email,"
    "expected_close_date,created_at,closed_at,lost_reason"
)
UNKNOWN = "Unknown status %(raw)s; use %(open)s, %(won)s or %(lost)s."
OPEN_CLOSED = "An open deal has no closing date; set its status to %(won)s or %(lost)s."


def _messages(write_csv, admin) -> dict[str, str]:
    path = write_csv(
        HEADER + "\n"
        "Odd,100,EUR,Sales,Lead in,gewonnen,,,,,,,,\n"
        "Early,100,EUR,Sales,Lead in,open,,,,,,,2026-01-05 10:00,\n"
    )
    report = deal_import_preview(source=path, actor=admin, options=ImportOptions())
    return {p["column"]: p["message"] for p in report.problems}


def test_the_codes_read_as_the_file_needs_them(write_csv, admin, pipeline, stages):
    found = _messages(write_csv, admin)
    assert found["status"] == "Unknown status gewonnen; use open, won or lost."
    assert found["closed_at"] == (
        "An open deal has no closing date; set its status to won or lost."
    )


def test_a_translation_keeps_the_codes(write_csv, admin, pipeline, stages):
    """A Hungarian wording as a translator would write it: the codes still come out as is."""
    # The active catalogue is a chain of dicts; the first one gets the two entries for this test.
    first = trans_real.translation("hu")._catalog._catalogs[0]
    first[UNKNOWN] = (
        "Ismeretlen állapot: %(raw)s; ezek közül válasszon: %(open)s, %(won)s, %(lost)s."
    )
    first[OPEN_CLOSED] = (
        "Nyitott üzletnek nincs lezárási dátuma; állapota legyen %(won)s vagy %(lost)s."
    )
    try:
        with translation.override("hu"):
            found = _messages(write_csv, admin)
    finally:
        del first[UNKNOWN]
        del first[OPEN_CLOSED]
    assert found["status"].endswith("válasszon: open, won, lost.")
    assert found["closed_at"].endswith("állapota legyen won vagy lost.")


def test_the_messages_carry_a_translators_comment():
    source = (Path(settings.BASE_DIR) / "pipeline/services/imports/deals/rows.py").read_text()
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "_"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in (UNKNOWN, OPEN_CLOSED)
        ):
            above = "\n".join(lines[max(node.lineno - 4, 0) : node.lineno - 1])
            assert "# Translators:" in above
