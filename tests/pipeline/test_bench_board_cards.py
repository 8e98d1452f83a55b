"""Issue 17: the Jinja2 template that bench/board.py --cards both measures against the board's
f-strings draws their markup byte for byte, in every language and for every kind of card (so
the bench compares like with like). The template is not used by the app, and Jinja2 is not a
dependency: these tests run where it is installed to re-measure (bench/board_cards_jinja2.py).
"""

from __future__ import annotations

import datetime
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import translation

from pipeline.models import Stage
from pipeline.selectors.board import Card
from pipeline.views import cards

pytest.importorskip("jinja2", reason="Jinja2 is installed only to re-measure bench/board.py")

NOW = datetime.datetime(2026, 5, 14, 9, 30, tzinfo=datetime.UTC)
TODAY = NOW.date()
HOSTILE = '<script>alert("x")</script> & \'quoted\' "title"'
CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CNY", "MYR", "HUF", "VND", "BHD", "SEK"]
VALUES = [Decimal("0"), Decimal("1234.5"), Decimal("1234567"), Decimal("999.995"), Decimal("7")]


def _stages() -> list[Stage]:
    # Unsaved, with fixed ids: the markup depends on nothing the database numbers.
    names = ["Lead", "Qualified <b>&</b>", 'Proposal "A"', "Won't close"]
    return [Stage(pk=10 + i, pipeline_id=3, name=n) for i, n in enumerate(names)]


def _card(n: int, **changes) -> Card:
    fields = {
        "id": 100 + n,
        "version": 1 + n % 4,
        "title": f"Deal {n}",
        "status": "open",
        "value": VALUES[n % len(VALUES)],
        "currency": CURRENCIES[n % len(CURRENCIES)],
        "stage_id": 10 + n % 4,
        "stage_entered_at": NOW - datetime.timedelta(days=n % 12, hours=n),
        "next_activity_date": None,
        "owner_first": "Rita",
        "owner_last": "Rep",
        "owner_username": "rita",
        "organization": "Acme",
        "person": "Anna",
        "activity_id": None,
        "activity_type": None,
        "activity_subject": None,
        "rotting_days": None,
        "created_at": NOW - datetime.timedelta(days=30),
    }
    return Card(**{**fields, **changes})


def _activity(n: int, due: datetime.date, kind: str = "call", subject: str = "Call back"):
    return {
        "next_activity_date": due,
        "activity_id": 500 + n,
        "activity_type": kind,
        "activity_subject": subject,
    }


def _spread() -> list[Card]:
    """Every variant the card has, and each currency at several values."""
    day = datetime.timedelta(days=1)
    spread = [
        _card(0),  # no next activity: "No next step scheduled"
        _card(1, rotting_days=3, stage_entered_at=NOW - 9 * day),  # rotting
        _card(2, rotting_days=30, stage_entered_at=NOW - 9 * day),  # not yet rotting
        _card(3, rotting_days=3, stage_entered_at=NOW - 9 * day, status="won"),  # closed
        _card(4, status="lost"),  # closed, no activity: no "next" line, no move form
        _card(5, parked_until=TODAY + 40 * day),  # parked badge
        _card(6, parked_until=TODAY + 40 * day, status="lost"),  # parked but closed: no badge
        _card(7, **_activity(7, TODAY - 3 * day)),  # overdue
        _card(8, **_activity(8, TODAY, "meeting")),  # due today
        _card(9, **_activity(9, TODAY + 200 * day, "demo")),  # in the future
        _card(10, **_activity(10, TODAY + day, "email", HOSTILE)),  # hostile subject
        _card(11, **_activity(11, TODAY, "task", "")),  # empty subject
        _card(12, **_activity(12, TODAY, "task"), status="won"),  # closed with an activity
        _card(13, title=HOSTILE),
        _card(14, title='Tom\'s "big" deal & <i>co</i>', organization="O'Brien & <Sons>"),
        _card(15, organization=None, person="Only <person>"),
        _card(16, organization="Only org", person=None),
        _card(17, organization=None, person=None),
        _card(18, organization="شركة الأمل", person='Ana "Ní" Bhriain'),
        _card(19, owner_first="", owner_last="", owner_username="<x>'y"),
        _card(20, owner_first="Émile", owner_last="", title="   spaces   kept  "),
        _card(21, stage_entered_at=NOW - datetime.timedelta(hours=2)),  # 0 days
        _card(22, stage_entered_at=NOW - day),  # 1 day (singular)
        _card(23, stage_id=99),  # a stage the board does not show: no options
    ]
    n = len(spread)
    for currency in CURRENCIES:
        for value in VALUES:
            spread.append(_card(n, currency=currency, value=value))
            n += 1
    return spread


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "board_cards_jinja2.py"
    spec = importlib.util.spec_from_file_location("board_cards_jinja2", path)
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: its dataclass looks its own module up.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _ui(jinja) -> cards.CardUI:
    request = RequestFactory().get("/")
    ui = cards.card_ui(request, _stages())
    ui.now, ui.today = NOW, TODAY
    # A fixed token, with a character that needs escaping, to check that it is escaped.
    ui.csrf = "tok&amp;en"
    ui.template = jinja.TemplateUI(ui=ui, stages=_stages())
    return ui


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_the_template_draws_the_markup_of_the_f_strings(language):
    jinja, spread = _bench(), _spread()
    with translation.override(language):
        ui = _ui(jinja)
        for card in spread:
            assert jinja.card_html(card, ui) == cards.card_html(card, ui), card
        fstrings = cards.cards_html(spread, ui)
        assert jinja.cards_html(spread, ui) == fstrings
    # The spread holds every variant: checked on the markup itself.
    for needle in (
        "card rotting",
        "badge parked",
        "next-overdue",
        "next-today",
        "next-future",
        "next-none",
        "&lt;script&gt;",
        "&#x27;",
        "&quot;",
        "move-form",
    ):
        assert needle in fstrings, needle
