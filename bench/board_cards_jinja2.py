"""The board's cards drawn by a Jinja2 template (board_cards.jinja2.html beside this file)
instead of pipeline/views/cards.py's f-strings: the alternative issue 17 measured, kept so that
`bench/board.py --cards both` can measure it again. Not used by the app.

Import it after `django.setup()`. It needs Jinja2, which the project does not depend on:
`pip install Jinja2==3.1.6` in the environment that runs the bench.
tests/pipeline/test_bench_board_cards.py checks (where Jinja2 is installed) that the template
draws the f-strings' markup byte for byte.

The environment is what the app would use: autoescape on, an undefined name is an error, and
two choices so that the cards come out as the f-strings (and Django's templates) draw them:

- Quotes come out escaped as Django escapes them (`html.escape`: `&quot;`, `&#x27;`), not as
  markupsafe does (`&#34;`, `&#39;`): tests and clients compare the bytes of the board.
  Rewriting the finished output (two `str.replace`) costs far less than escaping each value in
  Python, and is exact: every `&` a value brings is escaped to `&amp;`, so `&#34;` and `&#39;`
  can only be markupsafe's own.
- The template's lines are joined when it is compiled (`JoinLines`), so it can be laid out for
  reading while each card stays on one line.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from jinja2.ext import Extension

from pipeline.models import Activity, Stage
from pipeline.selectors.board import Card
from pipeline.views import cards as fstring_cards
from shared.dates import days_in_stage, format_day

TEMPLATE = "board_cards.jinja2.html"
_NEWLINE_AND_INDENT = re.compile(r"\n[ \t]*")


class JoinLines(Extension):
    """Drops every newline of a template's source, and the indentation after it, before the
    template is compiled: no cost when rendering."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _NEWLINE_AND_INDENT.sub("", source)


class DjangoEscapedTemplate(Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        out = super().render(*args, **kwargs)
        return out.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")


_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent),
    autoescape=True,
    undefined=StrictUndefined,
    auto_reload=False,
    extensions=[JoinLines, "jinja2.ext.do"],
)
_env.template_class = DjangoEscapedTemplate


@dataclass
class TemplateUI:
    """What the template reads: pipeline.views.cards.CardUI's per-request work, unescaped
    (the template escapes what it prints), and the stages to draw the "Move to…" lists."""

    ui: fstring_cards.CardUI
    stages: list[Stage]
    text: dict[str, str] = field(default_factory=dict)
    _ages: dict[int, str] = field(default_factory=dict)
    _dates: dict[datetime.date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.text = {k: html.unescape(v) for k, v in self.ui.labels.items()}
        self.text["parked_until"] = _("Parked until %(d)s")
        self.type_names = {k: str(v) for k, v in Activity.Type.choices}
        self.today = self.ui.today
        self.deal_url = self.ui.deal_url
        self.activity_url = self.ui.activity_url
        self.board_url = html.unescape(self.ui.back.removeprefix("?next="))
        self.csrf_token = html.unescape(self.ui.csrf)
        self.money = self.ui.money

    def days(self, entered_at: datetime.datetime | None) -> int:
        return days_in_stage(entered_at, self.ui.now)

    def age_text(self, days: int) -> str:
        if days not in self._ages:
            self._ages[days] = ngettext("%(d)s day", "%(d)s days", days) % {"d": days}
        return self._ages[days]

    def date_text(self, day: datetime.date) -> str:
        if day not in self._dates:
            self._dates[day] = format_day(day, "day")
        return self._dates[day]

    def day(self, day: datetime.date) -> str:
        return format_day(day)


def card_ui(request: Any, stages: list[Stage]) -> fstring_cards.CardUI:
    """pipeline.views.cards.card_ui, with what the template reads (`.template`)."""
    ui = fstring_cards.card_ui(request, stages)
    ui.template = TemplateUI(ui=ui, stages=stages)  # type: ignore[attr-defined]
    return ui


def cards_html(cards: list[Card], ui: Any) -> SafeString:
    template = _env.get_template(TEMPLATE)
    # The template escapes every value it prints.
    return mark_safe(template.render(cards=cards, ui=ui.template))  # noqa: S308


def card_html(card: Card, ui: Any) -> SafeString:
    return cards_html([card], ui)
