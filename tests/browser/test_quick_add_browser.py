"""Issue 16 items 7 and 21 (browser): the quick-add form keeps what was typed, a pasted title
longer than allowed is kept whole and flagged, and toasts stay clear of "+ Deal"."""

import pytest

from pipeline.models import Deal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pasted_long_title_is_flagged_not_cut(login, rep, stages):
    page = login(rep)
    page.click(".quick-add summary")
    title = page.locator(".quick-add input[name=title]")
    title.focus()
    page.keyboard.insert_text("x" * 5000)  # what a paste does
    assert len(title.input_value()) == 5000
    message = page.locator(".quick-add .too-long")
    message.wait_for()
    assert "5000" in message.inner_text() and "200" in message.inner_text()
    page.click(".quick-add button[type=submit]")
    page.wait_for_timeout(300)
    assert not Deal.objects.exists()  # the browser refused to submit it
    title.fill("Short title")
    assert message.count() == 0


def test_toasts_do_not_cover_the_add_button(login, rep, stages):
    stages[0].requirements = ["done_demo"]
    stages[0].save()
    page = login(rep)
    page.click(".quick-add summary")
    page.fill(".quick-add input[name=title]", "Needs a demo")
    page.click(".quick-add button[type=submit]")
    toast = page.locator(".toast-error")
    toast.wait_for()
    # What was typed is still there.
    assert page.locator(".quick-add input[name=title]").input_value() == "Needs a demo"
    a = toast.bounding_box()
    b = page.locator(".quick-add summary").bounding_box()
    overlap = not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )
    assert not overlap
