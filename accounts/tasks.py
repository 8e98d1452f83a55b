"""Celery tasks of the accounts app: thin wrappers around a service."""

from __future__ import annotations

from celery import shared_task

from accounts.services import email_send, user_invitation_send


# Idempotent enough to re-run: a user who has chosen a password meanwhile gets nothing; at
# worst a re-delivered task mails the same link twice.
@shared_task(ignore_result=True, time_limit=60, soft_time_limit=50)
def send_invitation(user_id: int, base_url: str, inviter: str, attempt: int = 1) -> str:
    """Mail one invitation; an unreachable mail server queues a retry (see the service)."""
    return user_invitation_send(
        user_id=user_id, base_url=base_url, inviter=inviter, attempt=attempt
    )


@shared_task(ignore_result=True, time_limit=60, soft_time_limit=50)
def send_email(
    subject: str, body: str, to: list[str], from_email: str | None = None, attempt: int = 1
) -> str:
    """Send one email rendered by the web app (a password-reset link)."""
    return email_send(subject=subject, body=body, to=to, from_email=from_email, attempt=attempt)
