"""The board in a real browser: drag and drop, the Lost dialog, the keyboard control, and a
conflicting move from a second browser."""

import pytest

from pipeline import services
from pipeline.models import Deal
from tests.browser.conftest import drag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _column(page, stage):
    return page.locator(f'.cards[data-stage-id="{stage.pk}"]')


def _card(page, deal):
    return page.locator(f'[data-deal-id="{deal.pk}"]')


def test_drag_to_the_next_column_persists_after_reload(login, rep, make_deal, stages):
    deal = make_deal(title="Drag me")
    page = login(rep)
    with page.expect_response(lambda r: "/move/" in r.url) as response:
        drag(page, _card(page, deal), _column(page, stages[1]), _column(page, stages[1]))
    assert response.value.status == 200
    _column(page, stages[1]).locator(f'[data-deal-id="{deal.pk}"][data-version="2"]').wait_for()
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[1].pk
    header = page.locator(f"#column-header-{stages[1].pk}")
    assert "1 deal" in header.inner_text()
    page.reload()
    assert _column(page, stages[1]).locator(f'[data-deal-id="{deal.pk}"]').count() == 1
    assert _column(page, stages[0]).locator(f'[data-deal-id="{deal.pk}"]').count() == 0


def test_drag_to_lost_asks_for_a_reason_then_leaves_the_board(
    login, rep, make_deal, stages, lost_reason
):
    deal = make_deal(title="Lose me")
    page = login(rep)
    lost_zone = page.locator('[data-drop="lost"]')
    # Cancelling puts the card back and saves nothing.
    drag(page, _card(page, deal), lost_zone)
    dialog = page.locator("#lose-dialog")
    dialog.wait_for(state="visible")
    page.click("#lose-cancel")
    _column(page, stages[0]).locator(f'[data-deal-id="{deal.pk}"]').wait_for()
    assert Deal.objects.get(pk=deal.pk).status == "open"
    # Let the card settle (SortableJS animates it back) before grabbing it again, as a
    # person would; a press during the animation does not start a drag.
    page.wait_for_timeout(400)
    # Now with a reason.
    drag(page, _card(page, deal), lost_zone)
    dialog.wait_for(state="visible")
    page.select_option("#lose-reason", str(lost_reason.pk))
    with page.expect_response(lambda r: "/lose/" in r.url) as response:
        page.click("#lose-form button[type=submit]")
    assert response.value.status == 200
    _card(page, deal).wait_for(state="detached")
    assert Deal.objects.get(pk=deal.pk).status == "lost"
    assert "0 deals" in page.locator(f"#column-header-{stages[0].pk}").inner_text()


def test_keyboard_move_control(login, rep, make_deal, stages):
    deal = make_deal(title="Keyboard")
    page = login(rep)
    select = page.locator(f"#move-{deal.pk}")
    select.focus()
    with page.expect_response(lambda r: "/move/" in r.url):
        select.select_option(str(stages[2].pk))
    _column(page, stages[2]).locator(f'[data-deal-id="{deal.pk}"]').wait_for()
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[2].pk
    # The focus follows the deal to its new column, so the keyboard user can go on.
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.id === 'move-{deal.pk}'"
    )


def test_conflicting_move_from_a_second_browser_is_explained(
    login, rep, manager, make_deal, stages
):
    deal = make_deal(title="Contested")
    rep_page = login(rep)
    manager_page = login(manager)
    # The manager moves it first, in another browser.
    select = manager_page.locator(f"#move-{deal.pk}")
    with manager_page.expect_response(lambda r: "/move/" in r.url):
        select.select_option(str(stages[3].pk))
    # The rep's board is stale: their drag is refused and the card goes where it really is.
    with rep_page.expect_response(lambda r: "/move/" in r.url) as response:
        drag(
            rep_page,
            _card(rep_page, deal),
            _column(rep_page, stages[1]),
            _column(rep_page, stages[1]),
        )
    assert response.value.status == 409
    toast = rep_page.locator(".toast-error")
    toast.wait_for()
    assert "Mona Manager moved this deal to Negotiation" in toast.inner_text()
    _column(rep_page, stages[3]).locator(f'[data-deal-id="{deal.pk}"]').wait_for()
    assert _column(rep_page, stages[1]).locator(f'[data-deal-id="{deal.pk}"]').count() == 0
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[3].pk


def test_other_users_changes_appear_without_reload(
    login, rep, manager, make_deal, stages, settings
):
    deal = make_deal(title="Watched")
    page = login(rep)
    services.deal_move(deal=deal, to_stage=stages[2], expected_version=1, actor=manager)
    # The board polls every few seconds; the card shows up in its new column by itself.
    _column(page, stages[2]).locator(f'[data-deal-id="{deal.pk}"]').wait_for(timeout=20000)
