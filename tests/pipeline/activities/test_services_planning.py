import datetime

import pytest

from pipeline.models import Activity, Deal
from pipeline.services import activity_create
from pipeline.services.activities import (
    activity_finish,
    activity_move,
    activity_reopen,
    activity_update,
)
from shared.errors import NotAllowed, RuleViolation

pytestmark = pytest.mark.django_db


def _next(deal):
    d = Deal.objects.get(pk=deal.pk)
    return d.next_activity_id, d.next_activity_date


def test_a_past_date_logs_the_activity_as_done(rep, deal, today):
    logged = activity_create(
        actor=rep,
        type="call",
        subject="Intro",
        due_date=today - datetime.timedelta(days=2),
        deal=deal,
    )
    assert logged.done_at is not None
    assert _next(deal) == (None, None)


def test_an_activity_must_point_at_something(rep, today):
    with pytest.raises(RuleViolation, match="deal, a person or an organization"):
        activity_create(actor=rep, type="call", subject="x", due_date=today)


def test_unknown_type_and_bad_duration_are_refused(rep, anna, today):
    with pytest.raises(RuleViolation, match="Unknown activity type"):
        activity_create(actor=rep, type="lunch", subject="x", due_date=today, person=anna)
    with pytest.raises(RuleViolation, match="duration"):
        activity_create(
            actor=rep, type="call", subject="x", due_date=today, person=anna, duration_minutes=0
        )


def test_finishing_with_a_next_step_moves_the_deals_next_activity(rep, deal, schedule, today):
    first = schedule(deal=deal, days=1, subject="Discovery")
    assert _next(deal) == (first.pk, first.due_date)
    done, created = activity_finish(
        activity=first,
        actor=rep,
        outcome="They want a demo",
        next_activity={
            "type": "demo",
            "subject": "Demo",
            "due_date": today + datetime.timedelta(days=5),
        },
    )
    assert done.done_at is not None and "They want a demo" in done.note
    assert (created.type, created.deal, created.person, created.organization) == (
        "demo",
        deal,
        deal.person,
        deal.organization,
    )
    assert _next(deal) == (created.pk, today + datetime.timedelta(days=5))


def test_a_bad_next_step_undoes_the_completion(rep, deal, schedule, today):
    first = schedule(deal=deal, days=1)
    with pytest.raises(RuleViolation):
        activity_finish(
            activity=first, actor=rep, next_activity={"type": "lunch", "due_date": today}
        )
    first.refresh_from_db()
    assert first.done_at is None
    assert _next(deal) == (first.pk, first.due_date)
    assert Activity.objects.count() == 1


def test_finishing_without_a_next_step_clears_the_next_activity(rep, deal, schedule):
    first = schedule(deal=deal, days=1)
    activity_finish(activity=first, actor=rep)
    assert _next(deal) == (None, None)
    activity_reopen(activity=first, actor=rep)
    assert _next(deal) == (first.pk, first.due_date)


def test_rescheduling_and_editing_keep_the_next_activity_right(rep, deal, schedule, today):
    early = schedule(deal=deal, days=1)
    late = schedule(deal=deal, days=3)
    activity_move(activity=early, actor=rep, due_date=today + datetime.timedelta(days=7))
    assert _next(deal) == (late.pk, today + datetime.timedelta(days=3))
    activity_update(
        activity=early, actor=rep, changes={"due_date": today, "subject": "", "type": "demo"}
    )
    early.refresh_from_db()
    assert early.subject == "Demo"  # an empty subject takes the type's name
    assert _next(deal) == (early.pk, today)


def test_who_may_change_an_activity(rep, teammate, outsider, manager, anna, schedule):
    mine = schedule(person=anna)
    with pytest.raises(NotAllowed):
        activity_finish(activity=mine, actor=outsider)
    with pytest.raises(NotAllowed):
        activity_update(activity=mine, actor=teammate, changes={"subject": "x"})
    # The rep's manager may, and may hand it to another rep of the team, not outside it.
    activity_update(activity=mine, actor=manager, changes={"owner": teammate})
    with pytest.raises(NotAllowed):
        activity_update(activity=mine, actor=manager, changes={"owner": outsider})
    with pytest.raises(NotAllowed):
        activity_create(
            actor=rep, type="call", subject="x", due_date=mine.due_date, person=anna, owner=outsider
        )
