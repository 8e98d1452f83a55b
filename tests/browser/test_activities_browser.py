"""A rep completes an activity and plans the next one from the deal page, in a real browser."""

import datetime

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, Deal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_done_and_next_step_from_the_deal_page(page, live_server, rep, make_deal):
    rep.set_password("pw-browser-123")
    rep.save()
    deal = make_deal(title="Acme rollout")
    today = timezone.localdate()
    services.activity_create(
        actor=rep, type="call", subject="Discovery call", due_date=today, deal=deal
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", rep.username)
    page.fill("input[name=password]", "pw-browser-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.click(".act-finish summary")
    page.fill(".finish-form textarea[name=outcome]", "They want a demo")
    page.select_option(".finish-form select[name=next_type]", "demo")
    page.fill(".finish-form input[name=next_subject]", "Product demo")
    page.click(".finish-form button[type=submit]")
    page.wait_for_selector("text=Product demo")
    demo = Activity.objects.get(subject="Product demo")
    assert Activity.objects.get(subject="Discovery call").done_at is not None
    fresh = Deal.objects.get(pk=deal.pk)
    assert fresh.next_activity_id == demo.pk
    assert demo.due_date > today and demo.due_date - today <= datetime.timedelta(days=3)
