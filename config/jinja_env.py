"""The Jinja2 environment of TEMPLATES' second backend (templates/jinja2/: the board's cards).

Two choices differ from Jinja2's defaults, both so that a fragment comes out the same whichever
engine drew it:

- Quotes come out escaped as Django escapes them (`html.escape`: `&quot;`, `&#x27;`), not as
  markupsafe does (`&#34;`, `&#39;`). Browsers read both alike, but tests, clients and caches
  compare the bytes of the board. Rewriting the finished output (two `str.replace`) costs far
  less than escaping each value in Python; it is exact, because every `&` that a value brings
  is escaped to `&amp;`, so `&#34;` and `&#39;` can only be markupsafe's own.
- A template's lines are joined when it is compiled (`JoinLines`), so it can be laid out for
  reading while its output stays on one line per card, as the Django templates' and the
  earlier f-strings' did. Write the spaces that are meant; a newline in the output is
  `{{ "\\n" }}`.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, StrictUndefined, Template
from jinja2.ext import Extension

_NEWLINE_AND_INDENT = re.compile(r"\n[ \t]*")


class JoinLines(Extension):
    """Drops every newline of a template's source, and the indentation after it, before the
    template is compiled: no cost when rendering."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _NEWLINE_AND_INDENT.sub("", source)


class DjangoEscapedTemplate(Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        html = super().render(*args, **kwargs)
        return html.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")


def environment(**options: Any) -> Environment:
    # A misspelt name fails loudly instead of printing nothing (or, with DEBUG, a marker).
    options["undefined"] = StrictUndefined
    options.setdefault("extensions", []).extend([JoinLines, "jinja2.ext.do"])
    env = Environment(**options)
    env.template_class = DjangoEscapedTemplate
    return env
