"""Board cards, rendered in Python.

A board draws up to 50 cards per column. Rendering them through the template engine cost
about half a millisecond each, which made a board of 100,000 deals (300 cards on screen)
three times slower than a board of 100 (bench/board.py). Here the per-request work (labels,
URLs, the "Move to…" options, the CSRF token, number separators) is done once, and each card
is one f-string with every value escaped. Presentation only: no business rules. The markup is
documented in docs/architecture.md (testability contract: data-deal-id, data-version).
A Jinja2 template was measured against these too: 4-5 times their time per card,
1.2-1.35 times the board's (docs/performance.md; `bench/board.py --cards both`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from html import escape

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pipeline.models import Activity, Stage
from pipeline.selectors.board import Card
from pipeline.templatetags.crm import money_formatter
from shared.dates import days_in_stage, format_day


@dataclass
class CardUI:
    deal_url: str  # "/deals/"; a card's URLs are deal_url + id + "/…"
    activity_url: str  # "/activities/"; the next activity's page is activity_url + id + "/"
    back: str  # "?next=<this board>", so finishing an activity returns to the board
    csrf: str
    options: dict[int, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    today: datetime.date = field(default_factory=timezone.localdate)
    now: datetime.datetime = field(default_factory=timezone.now)
    _ages: dict[int, str] = field(default_factory=dict)
    _dates: dict[datetime.date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.money = money_formatter()
        self.types = {k: escape(str(v)) for k, v in Activity.Type.choices}

    def age(self, days: int) -> str:
        if days not in self._ages:
            self._ages[days] = escape(ngettext("%(d)s day", "%(d)s days", days) % {"d": days})
        return self._ages[days]

    def short_date(self, day: datetime.date) -> str:
        if day not in self._dates:
            self._dates[day] = escape(format_day(day, "day"))
        return self._dates[day]


def card_ui(request: HttpRequest, stages: list[Stage]) -> CardUI:
    move_to = escape(_("Move to…"))
    options = {}
    for current in stages:
        options[current.pk] = "".join(
            f'<option value="{s.pk}" selected>{move_to}</option>'
            if s.pk == current.pk
            else f'<option value="{s.pk}">→ {escape(s.name)}</option>'
            for s in stages
        )
    labels = {
        "move_to": move_to,
        "move": escape(_("Move")),
        "days_title": escape(_("Days in this stage")),
        "next_activity": escape(_("Next activity")),
        "no_next": escape(_("No next step scheduled")),
        "rotting": escape(_("rotting")),
        "today": escape(_("today")),
        "complete": escape(_("Complete or reschedule")),
    }
    board = reverse("pipeline:board", args=[stages[0].pipeline_id]) if stages else "/"
    return CardUI(
        deal_url=reverse("pipeline:deal_detail", args=[0])[: -len("0/")],
        activity_url=reverse("pipeline:activity_detail", args=[0])[: -len("0/")],
        back=f"?next={escape(board)}",
        csrf=escape(get_token(request)),
        options=options,
        labels=labels,
    )


def card_html(c: Card, ui: CardUI) -> str:
    labels = ui.labels
    days = days_in_stage(c.stage_entered_at, ui.now)
    rotting = bool(c.rotting_days) and c.status == "open" and days > (c.rotting_days or 0)
    age = ui.age(days) + (f" · {labels['rotting']}" if rotting else "")
    # Each name isolated: a right-to-left name beside a left-to-right one stays in order.
    sub = " · ".join(f"<bdi>{escape(p)}</bdi>" for p in (c.organization, c.person) if p)
    url = f"{ui.deal_url}{c.id}/"
    title = escape(c.title)
    parked = ""
    if c.parked_until is not None and c.status == "open":
        # A search shows parked deals among the others: say which ones wait off the board.
        label = _("Parked until %(d)s") % {"d": format_day(c.parked_until)}
        parked = f'<span class="badge parked">{escape(label)}</span>'
    if c.activity_type is not None and c.next_activity_date is not None:
        due = c.next_activity_date
        state = "overdue" if due < ui.today else "today" if due == ui.today else "future"
        when = labels["today"] if state == "today" else ui.short_date(due)
        nxt = (
            f'<div class="next next-{state}" title="{labels["next_activity"]}">'
            f'<span class="act-type act-{c.activity_type}">{ui.types[c.activity_type]}</span> '
            f'<a href="{ui.activity_url}{c.activity_id}/{ui.back}" title="{labels["complete"]}">'
            f"{escape(c.activity_subject or '')}</a> · {when}</div>"
        )
    elif c.status == "open":
        nxt = f'<div class="next next-none">{labels["no_next"]}</div>'
    else:
        nxt = ""
    move = ""
    if c.status == "open":
        move = (
            f'<form class="move-form" method="post" action="{url}move/">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{ui.csrf}">'
            f'<input type="hidden" name="version" value="{c.version}">'
            f'<select id="move-{c.id}" name="stage" class="move-select" '
            f'aria-label="{labels["move_to"]} {title}" hx-post="{url}move/" hx-trigger="change" '
            f'hx-swap="none" hx-include="closest form" hx-vals=\'{{"mode": "columns"}}\'>'
            f"{ui.options.get(c.stage_id, '')}</select>"
            f'<button type="submit" class="no-js-only">{labels["move"]}</button></form>'
        )
    return (
        f'<article class="card{" rotting" if rotting else ""}" id="deal-{c.id}" '
        f'data-deal-id="{c.id}" data-version="{c.version}" data-title="{title}">'
        f'<a class="card-title" href="{url}" hx-get="{url}" hx-target="#panel" '
        f'hx-swap="innerHTML">{title}</a>'
        f'<div class="card-sub">{sub}</div>'
        f'<div class="card-meta"><span class="value">{escape(ui.money(c.value, c.currency))}</span>'
        f'<span class="age{" rot" if rotting else ""}" title="{labels["days_title"]}">{age}</span>'
        f'<span class="avatar" title="{escape(c.owner_name)}">{escape(c.owner_initials)}</span>'
        f"</div>{parked}{nxt}{move}</article>"
    )


def cards_html(cards: list[Card], ui: CardUI) -> SafeString:
    # Every value above is escaped; the joined markup is safe to insert as is.
    return mark_safe("\n".join(card_html(c, ui) for c in cards))  # noqa: S308
