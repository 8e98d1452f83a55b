"""The board for keyboard and screen-reader users, and after the Back button (issue 16, items
17 and 18): Escape closes the deal panel, the arrow keys on a closed "Move to…" select only
choose (Enter moves), every move is announced in a live region, and a board restored from the
browser's back-forward cache fetches the deals afresh."""

import pytest

from pipeline import services
from pipeline.models import Deal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_column(page, deal, stage):
    return page.locator(f'.cards[data-stage-id="{stage.pk}"] [data-deal-id="{deal.pk}"]')


def test_escape_closes_the_deal_panel(login, rep, make_deal, stages):
    deal = make_deal(title="Peek")
    page = login(rep)
    title = page.locator(f'[data-deal-id="{deal.pk}"] a.card-title')
    title.click()
    page.wait_for_selector("#panel .panel-close")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.getElementById('panel').innerHTML.trim() === ''")
    # The focus is back on the deal the panel showed.
    assert title.evaluate("el => el === document.activeElement")


def test_arrow_keys_choose_and_enter_moves(login, rep, make_deal, stages):
    deal = make_deal(title="Arrowed")
    page = login(rep)
    select = page.locator(f"#move-{deal.pk}")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(700)  # a move would have been posted by now
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[0].pk
    assert select.evaluate("el => el.form.classList.contains('move-pending')")
    # The choice is confirmed with Enter: one move, two stages on.
    with page.expect_response(lambda r: "/move/" in r.url):
        page.keyboard.press("Enter")
    _in_column(page, deal, stages[2]).wait_for()
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[2].pk
    assert Deal.objects.get(pk=deal.pk).version == 2


def test_escape_on_a_chosen_stage_puts_the_current_one_back(login, rep, make_deal, stages):
    deal = make_deal(title="Changed my mind")
    page = login(rep)
    select = page.locator(f"#move-{deal.pk}")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert select.input_value() == str(stages[0].pk)
    page.keyboard.press("Tab")
    page.wait_for_timeout(500)
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[0].pk


def test_a_move_is_announced(login, rep, make_deal, stages):
    deal = make_deal(title="Announced")
    page = login(rep)
    status = page.locator("#board-status")
    assert status.get_attribute("aria-live") == "polite"
    with page.expect_response(lambda r: "/move/" in r.url):
        page.select_option(f"#move-{deal.pk}", str(stages[1].pk))
    page.wait_for_function(
        "() => document.getElementById('board-status').textContent.includes('Announced')"
    )
    assert status.inner_text() == "Moved “Announced” to Qualified."


def test_a_board_restored_from_the_back_forward_cache_refreshes(
    login, rep, manager, make_deal, stages, settings
):
    settings.STAGECOACH_BOARD_POLL_SECONDS = 600  # the poll must not be what refreshes it
    deal = make_deal(title="Moved meanwhile")
    page = login(rep)
    _in_column(page, deal, stages[0]).wait_for()
    services.deal_move(deal=deal, to_stage=stages[3], expected_version=1, actor=manager)
    # What the browser does when Back shows the page it kept in memory.
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    _in_column(page, deal, stages[3]).wait_for(timeout=5000)
    assert _in_column(page, deal, stages[0]).count() == 0
