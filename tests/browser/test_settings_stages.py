"""Reordering stages in a real browser: drag and drop (SortableJS) and the keyboard buttons."""

from __future__ import annotations

import pytest

from pipeline.models import Stage

# The shared `browser` fixture (tests/browser/conftest.py) skips, or fails in CI, without
# Chromium; one Playwright instance serves every browser test of the session.
pytestmark = [pytest.mark.browser]


def _order(pipeline) -> list[str]:
    return list(
        Stage.objects.filter(pipeline=pipeline, is_active=True)
        .order_by("position")
        .values_list("name", flat=True)
    )


@pytest.fixture
def page(browser, live_server, admin, pipeline, stages):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "pw-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")
    page.goto(f"{live_server.url}/settings/pipelines/{pipeline.pk}/")
    yield page
    context.close()


def test_drag_a_stage_by_its_handle(page, pipeline, stages):
    rows = page.locator("#stage-list .stage-row")
    source = rows.nth(3).locator(".drag-handle").bounding_box()
    target = rows.nth(0).bounding_box()
    x, y = source["x"] + source["width"] / 2, source["y"] + source["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    # Small steps, as a hand would: SortableJS swaps rows as the pointer passes them.
    page.mouse.move(x, target["y"] + 4, steps=25)
    page.wait_for_timeout(150)
    # The rows move in the page while dragging; wait for the server's answer, not the DOM.
    with page.expect_response(lambda r: r.url.endswith("/stages/order/")) as answer:
        page.mouse.up()
    assert answer.value.status == 200
    assert _order(pipeline) == ["Negotiation", "Lead in", "Qualified", "Proposal"]


def test_keyboard_moves_a_stage_and_keeps_focus(page, pipeline, stages):
    button = page.locator(f"#stage-{stages[2].pk}-up")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('#stage-list .stage-row')[1].dataset.stageId"
        f" === '{stages[2].pk}'"
    )
    assert _order(pipeline) == ["Lead in", "Proposal", "Qualified", "Negotiation"]
    # htmx restores focus to the element with the same id, so Enter again moves it again.
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('#stage-list .stage-row')[0].dataset.stageId"
        f" === '{stages[2].pk}'"
    )
    assert _order(pipeline) == ["Proposal", "Lead in", "Qualified", "Negotiation"]
