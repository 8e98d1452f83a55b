"""Issue 16 item 2 (browser): a column longer than one page loads the rest as it scrolls,
and "Load more" without JavaScript stays inside the board page."""

import pytest

from pipeline import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def long_column(rep, stages):
    for n in range(120):
        services.deal_create(actor=rep, title=f"Deal {n:03}", pipeline_stage=stages[0])
    return stages[0]


def test_scrolling_a_column_shows_all_its_deals(login, rep, long_column, settings):
    settings.STAGECOACH_BOARD_POLL_SECONDS = 1
    page = login(rep)
    cards = page.locator(f"#cards-{long_column.pk} .card")
    assert cards.count() == 50
    column = page.locator(f"#cards-{long_column.pk}")
    for _ in range(30):
        if cards.count() == 120:
            break
        column.evaluate("el => { el.scrollTop = el.scrollHeight; }")
        page.wait_for_timeout(200)
    assert cards.count() == 120
    assert page.locator(f"#cards-{long_column.pk} .more").count() == 0
    # A change elsewhere redraws the board at the next poll: the loaded cards stay.
    version = page.locator("#board").get_attribute("data-board-version")
    services.deal_create(actor=rep, title="Newcomer", pipeline_stage=long_column)
    page.locator(f'#board:not([data-board-version="{version}"])').wait_for()
    assert cards.count() >= 120


def test_load_more_without_javascript_stays_in_the_board(browser, live_server, rep, long_column):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1400, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", rep.username)
        page.fill("#id_password", "pw-for-tests-123")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        cards = page.locator(f"#cards-{long_column.pk} .card")
        assert cards.count() == 50
        for expected in (100, 120):
            page.locator(f"#cards-{long_column.pk} a.more").click()
            page.wait_for_load_state()
            assert page.locator("#board").count() == 1  # the board page, not a fragment
            assert page.locator("link[rel=stylesheet]").count() >= 1
            assert cards.count() == expected
    finally:
        context.close()


def _scroll_all(page, stage, total):
    cards = page.locator(f"#cards-{stage.pk} .card")
    column = page.locator(f"#cards-{stage.pk}")
    for _ in range(30):
        if cards.count() == total:
            break
        column.evaluate("el => { el.scrollTop = el.scrollHeight; }")
        page.wait_for_timeout(200)
    assert cards.count() == total
    return cards


def test_a_move_or_quick_add_keeps_the_cards_loaded_by_scrolling(
    login, rep, long_column, stages, settings
):
    """A move ("Move to…" redraws both columns) or a quick-add into the scrolled column does
    not drop it back to its first page: the board sends the shown counts, as the poll does."""
    settings.STAGECOACH_BOARD_POLL_SECONDS = 600  # the poll must not be what keeps them
    page = login(rep)
    cards = _scroll_all(page, long_column, 120)
    deal_id = cards.first.get_attribute("data-deal-id")
    with page.expect_response(lambda r: "/move/" in r.url):
        page.select_option(f"#move-{deal_id}", str(stages[1].pk))
    page.locator(f'.cards[data-stage-id="{stages[1].pk}"] [data-deal-id="{deal_id}"]').wait_for()
    page.wait_for_timeout(300)
    assert cards.count() == 119  # all the others, not the first 50
    page.click(".quick-add summary")
    form = page.locator(".quick-add form")
    form.locator("input[name=title]").fill("Quickly added")
    form.locator("select[name=stage]").select_option(str(long_column.pk))
    with page.expect_response(lambda r: "/deals/new/" in r.url):
        form.locator("button[type=submit]").click()
    page.locator(f"#cards-{long_column.pk} .card", has_text="Quickly added").wait_for()
    assert cards.count() == 120
