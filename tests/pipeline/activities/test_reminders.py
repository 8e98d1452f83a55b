import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from pipeline.models import ReminderSent
from pipeline.services.reminders import reminders_send_due
from pipeline.tasks import send_activity_reminders

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down (the boundary outside our code)."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


@pytest.fixture
def agenda(rep, teammate, anna, schedule):
    """Rita: a meeting and a demo tomorrow, a call today, two overdue activities, and a done
    meeting tomorrow; Tom: a call today. Olga-like noise is not needed here."""
    return {
        "meeting": schedule(person=anna, type="meeting", subject="Kick-off", days=1),
        "demo": schedule(person=anna, type="demo", subject="Demo", days=1),
        "done_meeting": schedule(person=anna, type="meeting", days=1, done=True),
        "call": schedule(person=anna, type="call", subject="Call Anna", days=0),
        "late1": schedule(person=anna, type="email", subject="Send deck", days=-3),
        "late2": schedule(person=anna, type="task", subject="Update CRM", days=-1),
        "tom_call": schedule(person=anna, type="call", subject="Tom calls", owner=teammate),
        "email_tomorrow": schedule(person=anna, type="email", days=1),  # no reminder kind
    }


def test_each_reminder_goes_out_once(
    agenda, rep, teammate, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claimed = reminders_send_due(today=today)
    # Hand count: 2 eve (meeting, demo), 2 calls (Rita, Tom), 1 digest (Rita) = 5.
    assert claimed == 5
    by_recipient = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert by_recipient == sorted(
        [
            (rep.email, "Tomorrow: meeting “Kick-off”"),
            (rep.email, "Tomorrow: demo “Demo”"),
            (rep.email, "Today: call “Call Anna”"),
            (teammate.email, "Today: call “Tom calls”"),
            (rep.email, "You have 2 overdue activities"),
        ]
    )
    digest = next(m for m in mail.outbox if "overdue" in m.subject)
    assert "Send deck" in digest.body and "Update CRM" in digest.body
    assert "Kick-off" not in digest.body
    assert ReminderSent.objects.filter(sent_at__isnull=False).count() == 5
    # The task runs again (beat fired twice, or a re-delivery): nothing new goes out.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(today=today) == 0
    assert len(mail.outbox) == 5


def test_no_email_leaves_before_the_claim_is_committed(
    agenda, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_send_due(today=today)
    assert len(mail.outbox) == 0  # still inside the test's transaction: nothing sent yet
    assert len(callbacks) == 5
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 5


def test_rescheduling_allows_a_new_reminder_for_the_new_day(
    agenda, today, django_capture_on_commit_callbacks
):
    from pipeline.services.activities import activity_move

    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(today=today)
    call = agenda["call"]
    activity_move(activity=call, actor=call.owner, due_date=today + datetime.timedelta(days=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(today=today + datetime.timedelta(days=1))
    subjects = [m.subject for m in mail.outbox]
    assert "Today: call “Call Anna”" in subjects


def test_a_refused_email_is_recorded_and_not_retried(
    agenda, today, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.pipeline.activities.test_reminders.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(today=today) == 5
    lost = ReminderSent.objects.filter(sent_at__isnull=True)
    assert lost.count() == 5 and all("connection refused" in r.error for r in lost)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(today=today) == 0  # at most once: no second attempt
    assert len(mail.outbox) == 0


def test_inactive_or_addressless_owners_get_nothing(
    agenda, rep, today, django_capture_on_commit_callbacks
):
    rep.email = ""
    rep.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(today=today) == 1  # only Tom's call
    assert [m.subject for m in mail.outbox] == ["Today: call “Tom calls”"]


def test_the_task_is_safe_to_redeliver(agenda, today, django_capture_on_commit_callbacks):
    assert send_activity_reminders.acks_late and send_activity_reminders.reject_on_worker_lost
    with django_capture_on_commit_callbacks(execute=True):
        assert send_activity_reminders.delay(today.isoformat()).get() == 5
        assert send_activity_reminders.delay(today.isoformat()).get() == 0
    assert len(mail.outbox) == 5
