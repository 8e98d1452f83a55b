"""A number before a noun is a plural message (issue 22): `ngettext` in Python and
`{% blocktranslate count … %}` in templates, so each language can say "1 deal" / "2 deals" /
"5 deals" its own way. This test reads every gettext call (through Python's AST) and every
`{% blocktranslate %}` without `count` (through Django's template lexer) and fails when one
puts a placeholder right before a counted noun ("%(n)s deals updated.", "{{ m }} meetings a
week", "Only %(late)s deals are…"), at most one word apart ("{{ n }} open deals").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)
CODE_DIRS = ["accounts", "config", "metrics", "pipeline"]
TEMPLATE_DIRS = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]

# Nouns people count in this app, in the plural English uses after a number.
NOUNS = (
    "deals|rows|problems|meetings|calls|emails|demos|tasks|activities|days|hours|minutes|weeks"
    "|months|people|persons|organizations|leads|goals|stages|items|contacts|users|notes|tokens"
    "|currencies|pipelines|webhooks|reminders|files|columns|errors|conversations"
)
PY_COUNT = re.compile(rf"%\((\w+)\)[sd]\s+(?:[^\W\d_]+\s+)?(?:{NOUNS})\b")
TPL_COUNT = re.compile(rf"\{{\{{\s*(\w+)\s*\}}\}}\s+(?:[^\W\d_]+\s+)?(?:{NOUNS})\b")
# Placeholders that name someone or something, not a count ("%(user)s leads %(teams)s").
NAMES = {"user", "who", "name", "stage", "to", "title", "org", "person", "pipeline", "deal"}
SINGULAR_CALLS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "_lazy",
    "pgettext",
    "pgettext_lazy",
}


def python_offences(source: str, name: str = "<string>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if called not in SINGULAR_CALLS:
            continue
        index = 1 if called.startswith("pgettext") else 0
        if len(node.args) <= index:
            continue
        arg = node.args[index]
        text = arg.value if isinstance(arg, ast.Constant) else None
        if isinstance(text, str) and any(m.group(1) not in NAMES for m in PY_COUNT.finditer(text)):
            found.append(f"{name}:{node.lineno}: {text!r}")
    return found


def template_offences(source: str, name: str = "<string>") -> list[str]:
    found = []
    inside: str | None = None  # the open blocktranslate tag, when it has no `count`
    text: list[str] = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            bits = token.contents.split()
            tag = bits[0] if bits else ""
            if tag in ("blocktranslate", "blocktrans"):
                inside = None if ("count" in bits or "counter" in bits) else token.contents
                text = []
            elif tag in ("endblocktranslate", "endblocktrans"):
                body = "".join(text)
                counted = [m for m in TPL_COUNT.finditer(body) if m.group(1) not in NAMES]
                if inside is not None and counted:
                    found.append(f"{name}:{token.lineno}: {body!r}")
                inside = None
        elif token.token_type == TokenType.VAR:
            text.append("{{ " + token.contents + " }}")
        elif token.token_type == TokenType.TEXT:
            text.append(token.contents)
    return found


def test_the_checks_catch_what_issue_22_found():
    """The patterns catch the messages issue 22 listed, and leave plural ones alone."""
    assert python_offences('_("%(n)s deals updated.")')
    assert python_offences('_("Stage %(stage)s is archived; its %(n)d deals moved to %(to)s.")')
    assert python_offences('gettext_lazy("%(stage)s still holds %(n)d deals; choose…")')
    assert python_offences('pgettext("import", "%(n)s rows")')
    assert not python_offences('ngettext("%(n)s deal updated.", "%(n)s deals updated.", n)')
    assert not python_offences('_("%(who)s moved this deal to %(stage)s %(when)s.")')
    assert template_offences(
        "{% blocktranslate with m=x %}{{ m }} meetings a week{% endblocktranslate %}"
    )
    assert template_offences(
        "{% blocktranslate with n=x %}{{ n }} problems in all{% endblocktranslate %}"
    )
    assert template_offences(
        "{% blocktranslate with n=x %}{{ n }} open deals{% endblocktranslate %}"
    )
    assert not template_offences(
        "{% blocktranslate count n=x %}{{ n }} open deal{% plural %}{{ n }} open deals"
        "{% endblocktranslate %}"
    )


def test_no_count_is_put_into_a_singular_message():
    found = []
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found += python_offences(path.read_text(), str(path.relative_to(ROOT)))
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".html", ".txt"}:
                found += template_offences(path.read_text(), str(path.relative_to(ROOT)))
    assert found == [], "Use ngettext / {% blocktranslate count %}:\n" + "\n".join(found)
