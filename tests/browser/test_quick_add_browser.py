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


def test_quick_add_offers_what_the_chosen_stage_requires(login, rep, stages):
    """Issue 16 item 7: a stage asking for a close date, a decision maker and a note can be
    entered from quick-add: the form offers those fields once that stage is chosen."""
    stages[1].requirements = ["expected_close_date", "decision_maker", "note"]
    stages[1].save()
    page = login(rep)
    page.click(".quick-add summary")
    form = page.locator(".quick-add form")
    assert not form.locator("input[name=expected_close_date]").is_visible()
    form.locator("select[name=stage]").select_option(str(stages[1].pk))
    form.locator("input[name=title]").fill("Ready for qualification")
    form.locator("input[name=organization]").fill("Acme")
    form.locator("input[name=expected_close_date]").fill("2027-03-02")
    form.locator("input[name=person]").fill("Pat Buyer")
    form.locator("input[name=decision_maker]").check()
    form.locator("textarea[name=note]").fill("Budget approved")
    with page.expect_response(lambda r: "/deals/new/" in r.url) as response:
        form.locator("button[type=submit]").click()
    assert response.value.status == 200
    deal = Deal.objects.get(title="Ready for qualification")
    assert deal.stage_id == stages[1].pk
    assert deal.person.is_decision_maker and deal.notes.count() == 1
    assert str(deal.expected_close_date) == "2027-03-02"
