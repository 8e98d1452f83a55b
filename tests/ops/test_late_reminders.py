"""An activity scheduled after the morning reminder run gets its reminder at once, through a
job; the morning run and the job claim the same key, so it is sent at most once."""

from __future__ import annotations

import datetime

from django.core import mail
from django.utils import timezone

from accounts.models import User
from pipeline import services
from pipeline.models import ReminderSent


def _with_email(user: User) -> User:
    User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.com")
    user.refresh_from_db()
    return user


def test_call_scheduled_after_the_morning_run_is_reminded_once(
    settings, make_deal, rep, django_capture_on_commit_callbacks
):
    settings.STAGECOACH_REMINDER_HOUR = 0  # the morning run is always over
    rep = _with_email(rep)
    deal = make_deal()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        call = services.activity_create(
            actor=rep, type="call", subject="Call Acme", due_date=today, deal=deal
        )
    sent = ReminderSent.objects.get()
    assert sent.key == f"call:{call.pk}:{today.isoformat()}"
    assert sent.sent_at is not None
    assert [m.to for m in mail.outbox] == [["rita@example.com"]]
    assert "Call Acme" in mail.outbox[0].subject
    # The next morning-run (re-run of today's) finds it claimed and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send_due(today=today) == 0
    assert len(mail.outbox) == 1


def test_meeting_tomorrow_gets_its_eve_reminder(
    settings, make_deal, rep, django_capture_on_commit_callbacks
):
    settings.STAGECOACH_REMINDER_HOUR = 0
    rep = _with_email(rep)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.activity_create(
            actor=rep, type="meeting", subject="Kick-off", due_date=tomorrow, deal=make_deal()
        )
    assert ReminderSent.objects.get().key == f"eve:{meeting.pk}:{tomorrow.isoformat()}"


def test_before_the_morning_run_or_not_due_nothing_is_queued(
    settings, make_deal, rep, django_capture_on_commit_callbacks
):
    rep = _with_email(rep)
    today = timezone.localdate()
    deal = make_deal()
    settings.STAGECOACH_REMINDER_HOUR = 24  # the morning run is still to come
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_create(actor=rep, type="call", subject="A", due_date=today, deal=deal)
    settings.STAGECOACH_REMINDER_HOUR = 0
    with django_capture_on_commit_callbacks(execute=True):
        # A call next week, a meeting today (its eve reminder was yesterday), a task today.
        services.activity_create(
            actor=rep,
            type="call",
            subject="B",
            due_date=today + datetime.timedelta(days=7),
            deal=deal,
        )
        services.activity_create(actor=rep, type="meeting", subject="C", due_date=today, deal=deal)
        services.activity_create(actor=rep, type="task", subject="D", due_date=today, deal=deal)
    assert not ReminderSent.objects.exists()
    assert mail.outbox == []


def test_rescheduling_a_call_to_today_reminds_once(
    settings, make_deal, rep, django_capture_on_commit_callbacks
):
    settings.STAGECOACH_REMINDER_HOUR = 0
    rep = _with_email(rep)
    today = timezone.localdate()
    call = services.activity_create(
        actor=rep,
        type="call",
        subject="Later",
        due_date=today + datetime.timedelta(days=3),
        deal=make_deal(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_reschedule(activity=call, actor=rep, due_date=today)
        services.activity_reschedule(activity=call, actor=rep, due_date=today)
    assert ReminderSent.objects.count() == 1
    assert len(mail.outbox) == 1
