"""Translation catalogues: compile them without GNU gettext, and compare them with
what `makemessages` extracts from the code today.

* `compile_catalogues()` turns every `locale/<lang>/LC_MESSAGES/django.po` into its `.mo`
  with Babel (a PyPI package in the venv), so `make run` / `make test` work on a machine
  without the `gettext` apt package. `.mo` files are generated, never committed.
* `extract_msgids()` runs Django's real `makemessages` on a copy of the code in a temporary
  directory (it needs `xgettext`, which CI has) and returns every msgid with its locations.
* `missing_entries()` compares the committed catalogues with that extraction.

`COVERED` is every path: a string missing from any catalogue fails the check.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
# The languages that ship a catalogue (English is the source language).
CATALOGUE_LANGUAGES = ("ms", "hu", "vi", "fi", "zh_Hans")
# What makemessages reads: the apps, settings and templates (not tests, bench or the venv).
SOURCE_DIRS = ("shared", "accounts", "pipeline", "metrics", "config", "templates")
# Every area of the code is translated in every language: an entry missing from any catalogue
# fails the check (`("",)` is the prefix of every path). Keep it this way: translate new strings
# in the same change (`make makemessages`, then fill the empty msgstr in the five .po files).
COVERED = ("",)


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile each django.po whose .mo is missing or older; returns the .mo files written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/django.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po:
            catalog = read_po(po, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo:
            write_mo(mo, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


@dataclass(frozen=True)
class Entry:
    msgid: str
    context: str | None
    locations: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.msgid, self.context)

    def in_areas(self, areas: tuple[str, ...]) -> bool:
        return any(loc.startswith(area) for loc in self.locations for area in areas)


def _key(message) -> tuple[str, str | None]:  # noqa: ANN001 - a babel Message
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return (msgid, message.context)


def extract_msgids(base_dir: Path = BASE_DIR) -> dict[tuple[str, str | None], Entry]:
    """Run `makemessages` on a temporary copy of the code and read what it extracted."""
    if shutil.which("xgettext") is None:
        raise FileNotFoundError("xgettext (GNU gettext) is needed to run makemessages")
    with tempfile.TemporaryDirectory(prefix="stagecoach-i18n-") as tmp:
        root = Path(tmp)
        for name in SOURCE_DIRS:
            if (base_dir / name).exists():
                shutil.copytree(
                    base_dir / name,
                    root / name,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )
        shutil.copy(base_dir / "manage.py", root / "manage.py")
        (root / "locale").mkdir()
        env = {**os.environ, "DEBUG": "1", "PYTHONPATH": str(root)}
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "hu", "--no-wrap"],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )
        with (root / "locale/hu/LC_MESSAGES/django.po").open("rb") as f:
            catalog = read_po(f)
    out = {}
    for m in catalog:
        if not m.id:
            continue
        locs = tuple(sorted({path for path, _line in m.locations}))
        out[_key(m)] = Entry(msgid=_key(m)[0], context=m.context, locations=locs)
    return out


def translated_keys(language: str, locale_dir: Path = LOCALE_DIR) -> set[tuple[str, str | None]]:
    """Entries of the committed catalogue that have a (non-fuzzy) translation."""
    po_path = locale_dir / language / "LC_MESSAGES" / "django.po"
    if not po_path.exists():
        return set()
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=language)
    done = set()
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if all(s for s in strings):
            done.add(_key(m))
    return done


def missing_entries(
    extracted: dict[tuple[str, str | None], Entry], language: str, locale_dir: Path = LOCALE_DIR
) -> list[Entry]:
    have = translated_keys(language, locale_dir)
    return [e for k, e in sorted(extracted.items(), key=lambda kv: kv[0][0]) if k not in have]
