"""The Jinja2 environment of TEMPLATES' second backend (templates/jinja2/: the board's cards).

Two choices differ from Jinja2's defaults, both so that a fragment comes out the same whichever
engine drew it:

- Values are escaped as Django escapes them (`html.escape`: `&quot;`, `&#x27;`), not as
  markupsafe does (`&#34;`, `&#39;`). Browsers read both alike, but tests, clients and caches
  compare the bytes of the board.
- A template's lines are joined when it is compiled (`JoinLines`), so it can be laid out for
  reading while its output stays on one line per card, as the Django templates' and the
  earlier f-strings' did. Write the spaces that are meant; a newline in the output is `{{ "\\n" }}`.
"""

from __future__ import annotations

import html
import re
from typing import Any

from jinja2 import Environment, StrictUndefined
from jinja2.ext import Extension
from markupsafe import Markup

_NEWLINE_AND_INDENT = re.compile(r"\n[ \t]*")


class JoinLines(Extension):
    """Drops every newline of a template's source, and the indentation after it, before the
    template is compiled: no cost when rendering."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _NEWLINE_AND_INDENT.sub("", source)


def _escape_as_django(value: Any) -> Any:
    # Jinja2 passes every printed value through this, then through markupsafe's escape, which
    # leaves Markup alone: values are escaped here, once, the way Django's templates do.
    if type(value) is int or hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


def environment(**options: Any) -> Environment:
    # A misspelt name fails loudly instead of printing nothing (or, with DEBUG, a marker).
    options["undefined"] = StrictUndefined
    options.setdefault("extensions", []).extend([JoinLines, "jinja2.ext.do"])
    return Environment(finalize=_escape_as_django, **options)
