"""Issue 16 item 1 (browser): a Hungarian user saves a form with a date, the date stays."""

import datetime

import pytest

from accounts.services import user_set_preferences
from pipeline import services
from pipeline.models import Activity, Deal, Goal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLOSE = datetime.date(2027, 3, 2)


def _deal(manager, rep, make_deal):
    deal = make_deal(title="Acme rollout", expected_close_date=CLOSE)
    return (
        f"/deals/{deal.pk}/",
        "form:has(input[name=expected_close_date]) button.primary",
        lambda: Deal.objects.get(pk=deal.pk).expected_close_date == CLOSE,
    )


def _activity(manager, rep, make_deal):
    activity = services.activity_create(
        actor=rep,
        type="call",
        subject="Call",
        due_date=CLOSE,
        due_time=datetime.time(9, 5),
        deal=make_deal(),
    )

    def kept():
        a = Activity.objects.get(pk=activity.pk)
        return (a.due_date, a.due_time) == (CLOSE, datetime.time(9, 5))

    return (f"/activities/{activity.pk}/", "form:has(select[name=owner]) button.primary", kept)


def _goal(manager, rep, make_deal):
    goal = services.goal_create(
        actor=manager,
        kind="deals_won",
        target=3,
        owner=rep,
        starts_on=datetime.date(2027, 1, 4),
        ends_on=CLOSE,
    )

    def kept():
        g = Goal.objects.get(pk=goal.pk)
        return (g.starts_on, g.ends_on) == (datetime.date(2027, 1, 4), CLOSE)

    return (f"/goals/{goal.pk}/", "form:has(input[name=ends_on]) button.primary", kept)


@pytest.mark.parametrize("setup", [_deal, _activity, _goal], ids=["deal", "activity", "goal"])
def test_saving_in_hungarian_keeps_the_dates(login, live_server, manager, rep, make_deal, setup):
    path, save, kept = setup(manager, rep, make_deal)
    user_set_preferences(user=manager, actor=manager, language="hu")
    page = login(manager)
    page.goto(f"{live_server.url}{path}")
    assert page.locator("html").get_attribute("lang") == "hu"
    # The browser shows what it could read: an unreadable value leaves the field empty.
    for field in page.locator("input[type=date]:not([name^=next_])").all():
        if field.is_visible() and field.get_attribute("value"):
            assert field.input_value() != ""
    with page.expect_navigation():
        page.locator(save).click()
    assert page.locator(".form-error").count() == 0
    assert kept()
