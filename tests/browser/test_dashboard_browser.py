"""The dashboard at 1440 px in English and Hungarian: no card cuts a table off (issue 16,
item 14: "Days to close", Time in stage and Per rep were clipped, worse in Hungarian)."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.metrics.conftest import Writer, history, sales  # noqa: F401 - the metrics history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIPPED = """() => [...document.querySelectorAll('.dash-card')]
  .filter(c => c.scrollWidth > c.clientWidth + 1)
  .map(c => c.querySelector('h2').textContent.trim())"""
# A week label on one line is about 20 px high; wrapped onto two, about 35.
WRAPPED_WEEKS = """() => [...document.querySelectorAll('.sparks + table tbody th')]
  .filter(th => th.offsetHeight > 28).map(th => th.textContent)"""


@pytest.mark.parametrize("language", ["en", "hu"])
def test_no_dashboard_table_is_clipped(
    login,
    live_server,
    history,  # noqa: F811 - the fixture imported above
    sales,  # noqa: F811
    manager,
    teammate,
    lost_reason,
    language,
):
    # Big won amounts every other week make the wide columns ("Won value", "Days to close").
    w = Writer(list(sales.stages.order_by("position")), lost_reason)
    for week in range(1, 12, 2):
        deal = w.create(f"2026-01-{week:02d}", owner=teammate, value="98765432.10")
        w.win(deal, f"2026-{1 + (week + 40) // 31:02d}-{(week + 40) % 31 + 1:02d}")
    User.objects.filter(pk=manager.pk).update(language=language)
    page = login(manager)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/metrics/?pipeline={sales.pk}&start=2026-01-01&end=2026-03-31")
    page.wait_for_selector(".dash-card.wide")
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate(WRAPPED_WEEKS) == []
