"""Playwright driving Debian's chromium against pytest-django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        reason = f"no Chromium at {CHROMIUM}: install Debian's chromium package (CI does)"
        if os.environ.get("STAGECOACH_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield instance
        instance.close()


@pytest.fixture
def login(browser, live_server):
    """Open a fresh browser context logged in as `user`; closes them all afterwards."""
    contexts = []

    def open_as(user, password="pw-for-tests-123"):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        # Every browser test also checks the Content-Security-Policy: nothing the pages run
        # may be refused by it (no inline script, handler or eval).
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and violations.append(f"{page.url}: {message.text}")
            ),
        )
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    violations: list[str] = []
    yield open_as
    for context in contexts:
        context.close()
    assert not violations, "\n".join(violations)


def drag(page, source, target, placeholder_in=None):
    """Drag like a person: press, nudge a few pixels, glide in steps, wait, release.
    SortableJS ignores a one-step synthetic drag."""
    box = source.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 24
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 5, y + 5, steps=3)
    page.mouse.move(x + 10, y + 10, steps=3)
    # The Won and Lost zones appear only once the drag has started.
    target.wait_for(state="visible")
    tbox = target.bounding_box()
    tx, ty = tbox["x"] + tbox["width"] / 2, tbox["y"] + min(tbox["height"] / 2, 60)
    page.mouse.move(tx, ty, steps=15)
    if placeholder_in is not None:
        placeholder_in.locator(".sortable-ghost").wait_for()
    page.mouse.move(tx, ty + 2, steps=2)
    page.mouse.up()
