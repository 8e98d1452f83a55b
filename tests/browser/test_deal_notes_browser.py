"""Issue 16 item 3 (browser): a note added from the deal page appears in its timeline."""

import pytest

from pipeline.models import Note

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_adding_a_note_on_the_deal_page(login, live_server, rep, make_deal):
    deal = make_deal(title="Acme rollout")
    page = login(rep)
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.fill("#deal-timeline textarea[name=body]", "Budget approved by the CFO")
    with page.expect_response(lambda r: "/notes/" in r.url) as response:
        page.click("#deal-timeline button[type=submit]")
    assert response.value.status == 200
    page.locator("#deal-timeline li", has_text="Budget approved by the CFO").wait_for()
    assert page.locator("#deal-timeline textarea[name=body]").input_value() == ""
    assert page.url.endswith(f"/deals/{deal.pk}/")  # swapped in place, no reload
    assert Note.objects.get().deal_id == deal.pk
