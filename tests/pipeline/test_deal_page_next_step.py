"""Only open deals ask for a next step (issue 16, item 16): won and lost deals used to say
"No next step scheduled. Plan one…" on their page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pipeline import services

pytestmark = pytest.mark.django_db

NUDGE = "No next step scheduled. Plan one so this deal keeps moving."


def _page(client, user, deal) -> str:
    client.force_login(user)
    return client.get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()


def test_an_open_deal_without_a_next_step_is_nudged(client, make_deal, rep):
    assert NUDGE in _page(client, rep, make_deal())


def test_won_and_lost_deals_are_not(client, make_deal, rep, lost_reason):
    won = make_deal(title="Won one")
    services.deal_win(deal=won, expected_version=won.version, actor=rep)
    lost = make_deal(title="Lost one")
    services.deal_lose(deal=lost, expected_version=lost.version, actor=rep, reason=lost_reason)
    assert NUDGE not in _page(client, rep, won)
    assert NUDGE not in _page(client, rep, lost)
