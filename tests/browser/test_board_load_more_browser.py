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
