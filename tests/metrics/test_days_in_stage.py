"""Days in stage have one definition (issue 16, item 13; docs/metrics.md): full 24-hour
periods since the deal entered its stage. The board card, its "rotting" mark, the stale list's
"Days in stage" column and its "stuck" reason all count the same way."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.selectors.stale import deal_list_stale
from pipeline.models import Deal, Stage
from shared.dates import days_in_stage

pytestmark = pytest.mark.django_db


def _deal_in_stage_for(make_deal, stage, rep, delta: datetime.timedelta) -> Deal:
    deal = make_deal(title="Waiting", stage=stage, owner=rep)
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - delta)
    return deal


def _board_age(client, pipeline, deal) -> str:
    html = client.get(reverse("pipeline:board", args=[pipeline.pk])).content.decode()
    card = html[html.index(f'id="deal-{deal.pk}"') :]
    return re.search(r'<span class="age[^"]*"[^>]*>([^<]*)</span>', card).group(1)


@pytest.mark.parametrize(
    ("delta", "days", "stuck"),
    [
        # 10 days 20 hours: ten full days (the stale list used to round to 11 and call it stuck
        # while the board said 10 and not rotting).
        (datetime.timedelta(days=10, hours=20), 10, False),
        # 11 days and a minute: eleven full days, over the stage's 10 rotting days everywhere.
        (datetime.timedelta(days=11, minutes=1), 11, True),
        # 23 hours: not a full day yet.
        (datetime.timedelta(hours=23), 0, False),
    ],
)
def test_board_and_stale_list_agree(client, make_deal, stages, pipeline, rep, delta, days, stuck):
    Stage.objects.filter(pk=stages[1].pk).update(rotting_days=10)
    deal = _deal_in_stage_for(make_deal, stages[1], rep, delta)
    client.force_login(rep)

    age = _board_age(client, pipeline, deal)
    assert age.startswith(f"{days} day")
    assert ("rotting" in age) is stuck

    # The deal has no next step, so it is always on the stale list, with or without "stuck".
    [row] = deal_list_stale(user=rep, pipeline=pipeline).deals
    assert row.days_in_stage == days
    assert ("stuck" in [name for name, _label in row.stale_reasons]) is stuck

    page = client.get(reverse("metrics:stale"), {"pipeline": pipeline.pk}).content.decode()
    assert f'<td class="num">{days}</td>' in page


def test_the_python_definition():
    entered = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
    assert days_in_stage(entered, entered + datetime.timedelta(hours=23, minutes=59)) == 0
    assert days_in_stage(entered, entered + datetime.timedelta(days=1)) == 1
    assert days_in_stage(entered, entered + datetime.timedelta(days=10)) == 10
    assert days_in_stage(entered, entered - datetime.timedelta(hours=1)) == 0
    assert days_in_stage(None, entered) == 0
