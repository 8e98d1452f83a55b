"""The committed catalogues against the code (issue 10).

`makemessages` runs on a copy of the code in a temporary directory (Django's real extraction;
it needs GNU gettext, which CI installs and requires) and every extracted entry must be
translated in every language: `shared.catalogues.COVERED` is every path.
"""

from __future__ import annotations

import os
import shutil

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shared.catalogues import (
    CATALOGUE_LANGUAGES,
    COVERED,
    LOCALE_DIR,
    Entry,
    compile_catalogues,
    extract_msgids,
    missing_entries,
)


@pytest.fixture(scope="module")
def extracted():
    if shutil.which("xgettext") is None:
        if os.environ.get("STAGECOACH_REQUIRE_GETTEXT") == "1":
            pytest.fail("GNU gettext (xgettext) is missing, and CI requires this check")
        pytest.skip("GNU gettext (xgettext) is not installed: CI runs this check")
    return extract_msgids()


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_catalogue_misses_no_entry_of_the_covered_areas(extracted, language):
    missing = missing_entries(extracted, language)
    covered = [e for e in missing if e.in_areas(COVERED)]
    assert not covered, (
        f"{language}: {len(covered)} entries of covered areas are missing; run "
        "`make makemessages` and translate them:\n"
        + "\n".join(f"  {e.msgid!r} ({', '.join(e.locations)})" for e in covered[:40])
    )


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_catalogue_is_well_formed_and_placeholders_match(language):
    """Placeholders (%(name)s) are the same in every translation, plural forms are set."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as f:
        catalog = read_po(f, locale=language)
    assert catalog.plural_forms, "the Plural-Forms header is missing"
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        for error in message.check(catalog):
            problems.append(f"{message.id!r}: {error}")
    assert not problems, "\n".join(problems)


def test_compiling_needs_no_gettext(tmp_path):
    """Babel compiles .po → .mo (what `make messages` does) and Django reads the result."""
    for language in CATALOGUE_LANGUAGES:
        src = LOCALE_DIR / language / "LC_MESSAGES"
        dst = tmp_path / language / "LC_MESSAGES"
        dst.mkdir(parents=True)
        shutil.copy(src / "django.po", dst / "django.po")
    written = compile_catalogues(tmp_path)
    assert len(written) == len(CATALOGUE_LANGUAGES)
    assert compile_catalogues(tmp_path) == []  # up to date: nothing to do


@pytest.fixture(scope="module")
def compiled():
    compile_catalogues()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "deals", "log_in"),
    [
        ("ms", "Urus niaga", "Log masuk"),
        ("hu", "Üzletek", "Bejelentkezés"),
        ("vi", "Giao dịch", "Đăng nhập"),
        ("fi", "Kaupat", "Kirjaudu sisään"),
        ("zh-hans", "交易", "登录"),
    ],
)
def test_pages_speak_the_language(compiled, rep, language, deals, log_in):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert log_in in client.get(reverse("accounts:login")).content.decode()
    client.force_login(rep)
    with translation.override(language):
        html = client.get(reverse("pipeline:my_activities")).content.decode()
    assert f">{deals}</a>" in html


def test_the_comparison_finds_missing_untranslated_and_fuzzy_entries(tmp_path):
    """The check itself, without xgettext: a hand-written catalogue against three entries."""
    po = tmp_path / "hu" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Deals"\nmsgstr "Üzletek"\n\n'
        'msgid "Won"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Lost"\nmsgstr "Elvesztett"\n',
        encoding="utf-8",
    )
    extracted = {
        (m, None): Entry(msgid=m, context=None, locations=(path,))
        for m, path in [
            ("Deals", "templates/base.html"),
            ("Won", "templates/pipeline/board.html"),
            ("Lost", "templates/metrics/x.html"),
            ("New", "pipeline/services/deals.py"),
        ]
    }
    missing = missing_entries(extracted, "hu", tmp_path)
    assert [e.msgid for e in missing] == ["Lost", "New", "Won"]
    # Every area is covered: all three fail the check, whichever app they come from.
    assert [e.msgid for e in missing if e.in_areas(COVERED)] == ["Lost", "New", "Won"]
    assert [e.msgid for e in missing if e.in_areas(("templates/pipeline",))] == ["Won"]
