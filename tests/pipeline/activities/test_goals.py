import datetime

import pytest
from django.urls import reverse

from pipeline.models import Goal
from pipeline.selectors.activities import goal_progress
from pipeline.services.activities import activity_goal_set
from shared.errors import NotAllowed

pytestmark = pytest.mark.django_db


def test_only_a_reps_manager_sets_goals(rep, manager, other_manager, teammate):
    activity_goal_set(actor=manager, owner=rep, metric="call", weekly_target=20)
    with pytest.raises(NotAllowed):
        activity_goal_set(actor=other_manager, owner=rep, metric="call", weekly_target=5)
    with pytest.raises(NotAllowed):
        activity_goal_set(actor=teammate, owner=rep, metric="call", weekly_target=5)
    activity_goal_set(actor=manager, owner=rep, metric="call", weekly_target=0)
    assert not Goal.objects.exists()


def test_progress_counts_this_weeks_done_activities_and_new_deals(
    rep, manager, anna, schedule, make_deal, today
):
    activity_goal_set(actor=manager, owner=rep, metric="call", weekly_target=4)
    activity_goal_set(actor=manager, owner=rep, metric="new_deal", weekly_target=2)
    activity_goal_set(actor=manager, owner=rep, metric="demo", weekly_target=1)
    schedule(person=anna, type="call", done=True)
    schedule(person=anna, type="call", done=True)
    schedule(person=anna, type="call")  # not done: does not count
    schedule(person=anna, type="meeting", done=True)  # no meeting goal
    make_deal(title="New this week")
    # Hand count: calls 2 of 4 (50%), new deals 1 of 2 (50%), demos 0 of 1.
    progress = {g.label: (g.done, g.target_count, g.percent) for g in goal_progress(owner=rep)}
    assert progress == {
        "Calls completed": (2, 4, 50),
        "Demos completed": (0, 1, 0),
        "Deals started": (1, 2, 50),
    }
    # Each cell is an ordinary weekly goal of the rep, starting this Monday.
    monday = today - datetime.timedelta(days=today.weekday())
    assert {(g.kind, g.activity_type, g.interval, g.starts_on) for g in Goal.objects.all()} == {
        ("activities_done", "call", "week", monday),
        ("activities_done", "demo", "week", monday),
        ("deals_started", "", "week", monday),
    }
    # Next week starts from zero.
    later = goal_progress(owner=rep, today=today + datetime.timedelta(days=7))
    assert sorted(g.done for g in later) == [0, 0, 0]


def test_goals_page(client, rep, manager, teammate, anna, schedule):
    url = reverse("pipeline:activity_goals")
    client.force_login(rep)
    assert client.get(url).status_code == 403  # the page exists; a rep may not use it
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200 and "Rita Rep" in page.text
    bad = client.post(url, {f"goal-{rep.pk}-call": "lots"})
    assert bad.status_code == 422 and "not a whole number" in bad.text
    assert not Goal.objects.exists()
    ok = client.post(url, {f"goal-{rep.pk}-call": "10", f"goal-{teammate.pk}-demo": "3"})
    assert ok.status_code == 302
    assert {(g.owner_id, g.activity_type, g.target) for g in Goal.objects.all()} == {
        (rep.pk, "call", 10),
        (teammate.pk, "demo", 3),
    }
    # Saving again with a changed target updates the goal rather than adding one.
    again = {f"goal-{rep.pk}-call": "12", f"goal-{teammate.pk}-demo": "3"}
    assert client.post(url, again).status_code == 302
    assert Goal.objects.count() == 2 and Goal.objects.get(owner=rep).target == 12
    schedule(person=anna, type="call", done=True)
    client.force_login(rep)
    mine = client.get(reverse("pipeline:my_activities")).text
    assert "<strong>1</strong> / 12" in mine


def test_new_conversations_count_people_not_activities(rep, manager, acme, schedule, today):
    from pipeline.services.contacts import person_create

    activity_goal_set(actor=manager, owner=rep, metric="new_conv", weekly_target=3)
    anna = person_create(actor=rep, name="Anna", organization=acme)
    bob = person_create(actor=rep, name="Bob", organization=acme)
    carl = person_create(actor=rep, name="Carl", organization=acme)
    schedule(person=anna, type="call", done=True)
    schedule(person=bob, type="call", done=True)
    schedule(person=bob, type="demo", done=True)  # same person: still one conversation
    schedule(person=carl, type="email", done=True)  # an email is not a conversation
    schedule(organization=acme, type="meeting", done=True)  # nobody in particular
    # Hand count: Anna and Bob = 2 of 3.
    got = [(g.label, g.done, g.target_count) for g in goal_progress(owner=rep)]
    assert got == [("New conversations", 2, 3)]
    next_week = goal_progress(owner=rep, today=today + datetime.timedelta(days=7))
    assert next_week[0].done == 0
