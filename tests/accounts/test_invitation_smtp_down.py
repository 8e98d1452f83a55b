"""Inviting a user while the mail server cannot be reached (a real closed SMTP port): no 500,
the account exists, the invitation waits in the outbox and goes out once the server is back."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from shared.jobs import jobs_dispatch_pending
from shared.models import PendingJob
from tests.ops.servers import free_port

pytestmark = pytest.mark.django_db


def test_invitation_with_the_mail_server_down_answers_and_is_sent_later(
    client, admin, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port(2500, 2600)  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user_list"), {"email": "nina@example.com", "role": "rep"}
        )
    assert response.status_code == 302
    invited = User.objects.get(email="nina@example.com")
    page = client.get(response["Location"])
    assert "If it does not arrive, send it again" in page.content.decode()

    # The failed try queued a retry in the outbox, due after a backoff.
    retry = PendingJob.objects.get()
    assert retry.task == "accounts.tasks.send_invitation"
    assert retry.args[0] == invited.pk and retry.args[-1] == 2
    assert retry.not_before > timezone.now()
    assert jobs_dispatch_pending() == 0  # not due yet

    # The mail server is back and the retry is due: it goes out once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    PendingJob.objects.update(not_before=timezone.now() - datetime.timedelta(seconds=1))
    assert jobs_dispatch_pending() == 1
    assert [m.to for m in mail.outbox] == [["nina@example.com"]]
    assert not PendingJob.objects.exists()
    assert jobs_dispatch_pending() == 0
    assert len(mail.outbox) == 1


def test_resending_with_the_mail_server_down_answers_too(
    client, admin, settings, django_capture_on_commit_callbacks
):
    from accounts import services

    invited = services.user_invite(actor=admin, email="late@example.com", base_url="http://x/")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port(2500, 2600)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:user_invite_resend", args=[invited.pk]))
    assert response.status_code == 302
    assert PendingJob.objects.filter(task="accounts.tasks.send_invitation").count() == 1


def test_password_reset_with_the_mail_server_down_answers_and_is_sent_later(
    client, rep, settings, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=rep.pk).update(email="rita@example.com")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port(2500, 2600)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "rita@example.com"})
    assert response.status_code == 302
    retry = PendingJob.objects.get()
    assert retry.task == "accounts.tasks.send_email" and retry.args[2] == ["rita@example.com"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    PendingJob.objects.update(not_before=timezone.now() - datetime.timedelta(seconds=1))
    assert jobs_dispatch_pending() == 1
    assert [m.to for m in mail.outbox] == [["rita@example.com"]]
    assert "/accounts/reset/" in mail.outbox[0].body
