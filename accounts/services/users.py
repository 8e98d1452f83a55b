"""Users: invitations (and the mail they send), edits, deactivation with the handover of
their open work."""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Team, User
from accounts.services._common import check_admin
from shared.errors import RuleViolation
from shared.jobs import job_enqueue

log = logging.getLogger(__name__)

# --- Users ------------------------------------------------------------------------------------


def _clean_role(role: str) -> str:
    if role not in User.Role.values:
        raise RuleViolation(
            _("Unknown role %(role)s; choose rep, manager or admin.") % {"role": role}
        )
    return role


def _username_from_email(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0].lower())[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def set_password_url(user: User, *, base_url: str) -> str:
    """An absolute link where `user` chooses a password (also what a reset mail contains).

    The token is Django's password-reset token: it stops working once the password is set,
    and after PASSWORD_RESET_TIMEOUT.
    """
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


# Tries of one invitation email while the mail server refuses, and the wait before each retry.
INVITATION_MAX_ATTEMPTS = 6


def invitation_backoff(attempt: int) -> int:
    """Seconds before retry number `attempt`: 1 min, 2 min, 4 min, … capped at 1 hour."""
    return min(60 * 2 ** max(attempt - 1, 0), 3600)


def _queue_invitation(user: User, base_url: str, inviter: str, *, attempt: int = 1) -> None:
    # Through the outbox: the mail server is outside the process, and an unreachable one must
    # neither fail the request nor lose the invitation.
    job_enqueue(
        "accounts.tasks.send_invitation",
        label=_("The invitation email to %(email)s") % {"email": user.email},
        args=[user.pk, base_url, inviter, attempt],
        delay_seconds=invitation_backoff(attempt - 1) if attempt > 1 else 0,
    )


def user_invitation_send(*, user_id: int, base_url: str, inviter: str, attempt: int = 1) -> str:
    """The task's body: mail the invitation. While the mail server cannot be reached or
    refuses, queue a retry with a backoff, up to INVITATION_MAX_ATTEMPTS; an admin can always
    send it again from the user's page. Returns "sent", "retry", "failed" or "skipped"."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return "skipped"  # deactivated, or the password was chosen meanwhile
    context = {
        "user": user,
        "inviter": inviter,
        "url": set_password_url(user, base_url=base_url),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    try:
        send_mail(
            subject=_("%(inviter)s invited you to Stagecoach") % {"inviter": inviter},
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    except (smtplib.SMTPException, OSError) as exc:
        if attempt >= INVITATION_MAX_ATTEMPTS:
            log.error("invitation to user %s not sent, giving up: %s", user_id, exc)
            return "failed"
        log.warning("invitation to user %s not sent (try %s), retrying: %s", user_id, attempt, exc)
        _queue_invitation(user, base_url, inviter, attempt=attempt + 1)
        return "retry"
    return "sent"


def email_queue(
    *, subject: str, body: str, to: list[str], from_email: str | None = None, attempt: int = 1
) -> None:
    """Queue an email rendered in the request (a password-reset link) through the outbox:
    an unreachable mail server neither fails the request nor loses the email."""
    job_enqueue(
        "accounts.tasks.send_email",
        label=_("The email to %(to)s") % {"to": ", ".join(to)},
        args=[subject, body, list(to), from_email, attempt],
        delay_seconds=invitation_backoff(attempt - 1) if attempt > 1 else 0,
    )


def email_send(
    *, subject: str, body: str, to: list[str], from_email: str | None, attempt: int = 1
) -> str:
    """The task's body: send, or queue a retry with a backoff while the mail server is
    unreachable (up to INVITATION_MAX_ATTEMPTS). Returns "sent", "retry" or "failed"."""
    try:
        send_mail(subject=subject, message=body, from_email=from_email, recipient_list=to)
    except (smtplib.SMTPException, OSError) as exc:
        if attempt >= INVITATION_MAX_ATTEMPTS:
            log.error("email %r not sent, giving up: %s", subject, exc)
            return "failed"
        log.warning("email %r not sent (try %s), retrying: %s", subject, attempt, exc)
        email_queue(subject=subject, body=body, to=to, from_email=from_email, attempt=attempt + 1)
        return "retry"
    return "sent"


@transaction.atomic
def user_invite(
    *,
    actor: User,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = User.Role.REP,
    team: Team | None = None,
    username: str = "",
    base_url: str,
) -> User:
    """Create an account without a password and mail its owner a link to choose one."""
    check_admin(actor)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise RuleViolation(_("Enter a valid email address to send the invitation to.")) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise RuleViolation(_("%(email)s already has an account.") % {"email": email})
    username = (username or "").strip()
    if username:
        if not re.fullmatch(r"[\w.@+-]{1,150}", username):
            raise RuleViolation(
                _("A username may contain only letters, digits and @ . + - _ characters.")
            )
        if User.objects.filter(username__iexact=username).exists():
            raise RuleViolation(_("The username %(u)s is taken.") % {"u": username})
    else:
        username = _username_from_email(email)
    user = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip()[:150],
        last_name=(last_name or "").strip()[:150],
        role=_clean_role(role),
        team=team,
        is_staff=role == User.Role.ADMIN,
    )
    user.set_unusable_password()
    user.save(force_insert=True)
    _queue_invitation(user, base_url, str(actor))
    return user


@transaction.atomic
def user_invite_resend(*, user: User, actor: User, base_url: str) -> User:
    """Mail a fresh invitation link to a user who has not chosen a password yet."""
    check_admin(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise RuleViolation(_("%(user)s is deactivated; reactivate them first.") % {"user": locked})
    if locked.has_usable_password():
        raise RuleViolation(
            _("%(user)s has already chosen a password; they can reset it from the login page.")
            % {"user": locked}
        )
    _queue_invitation(locked, base_url, str(actor))
    return locked


def _other_active_admins(user: User) -> bool:
    return User.objects.filter(is_active=True, role=User.Role.ADMIN).exclude(pk=user.pk).exists()


@transaction.atomic
def user_update(
    *,
    user: User,
    actor: User,
    role: str,
    team: Team | None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Set a user's role and team (and name). The last active admin keeps the admin role."""
    check_admin(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    role = _clean_role(role)
    demoted = locked.role == User.Role.ADMIN and role != User.Role.ADMIN
    if demoted and locked.is_active and not _other_active_admins(locked):
        raise RuleViolation(
            _("%(user)s is the only admin; make someone else an admin first.") % {"user": locked}
        )
    if locked.role == User.Role.MANAGER and role != User.Role.MANAGER:
        led = list(Team.objects.filter(manager=locked).values_list("name", flat=True))
        if led:
            raise RuleViolation(
                _("%(user)s leads %(teams)s; give the team another manager first.")
                % {"user": locked, "teams": ", ".join(led)}
            )
    is_admin = role == User.Role.ADMIN
    # A superuser counts as an admin everywhere, so leaving the admin role drops it too.
    fields: dict[str, object] = {"role": role, "team": team, "is_staff": is_admin}
    if not is_admin:
        fields["is_superuser"] = False
    if first_name is not None:
        fields["first_name"] = first_name.strip()[:150]
    if last_name is not None:
        fields["last_name"] = last_name.strip()[:150]
    User.objects.filter(pk=locked.pk).update(**fields)
    for name, value in fields.items():
        setattr(user, name, value)
    return user


class OpenWork(Protocol):
    """What a handover moved: counted per kind for the admin's message."""

    @property
    def deals(self) -> int: ...
    @property
    def leads(self) -> int: ...
    @property
    def activities(self) -> int: ...


class OpenWorkHandover(Protocol):
    def __call__(self, *, from_user: User, to_user: User, actor: User) -> OpenWork: ...


@dataclass(frozen=True)
class _NoWork:
    deals: int = 0
    leads: int = 0
    activities: int = 0


_handovers: list[OpenWorkHandover] = []


def open_work_handover_register(handover: OpenWorkHandover) -> None:
    """Say how a deactivated user's open work moves to another user.

    `accounts` sits below the sales domain and may not import it, so `pipeline` registers its
    service (`owner_reassign_open_work`) here when the app is ready; `user_deactivate` calls it
    inside its own transaction. This is the only hook of its kind: a plain call, in the same
    transaction, not a signal.
    """
    if handover not in _handovers:
        _handovers.append(handover)


def _open_work_handover(*, from_user: User, to_user: User, actor: User) -> OpenWork:
    if not _handovers:
        return _NoWork()
    deals = leads = activities = 0
    for handover in _handovers:
        work = handover(from_user=from_user, to_user=to_user, actor=actor)
        deals, leads, activities = (
            deals + work.deals,
            leads + work.leads,
            activities + work.activities,
        )
    return _NoWork(deals=deals, leads=leads, activities=activities)


@dataclass(frozen=True)
class DeactivationResult:
    user: User
    reassigned_to: User
    deals: int
    leads: int
    activities: int
    teams: int
    tokens: int


@transaction.atomic
def user_deactivate(*, user: User, reassign_to: User, actor: User) -> DeactivationResult:
    """Deactivate a user and, in the same transaction, hand their open work to `reassign_to`.

    Open deals (each through `deal_update`, recording the actor), open leads, not-done
    activities, owned organizations and people move; teams they manage go to `reassign_to`
    when that user is a manager; their API tokens are revoked. Nothing is deleted.
    """
    check_admin(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.pk == actor.pk:
        raise RuleViolation(_("You cannot deactivate yourself; ask another admin."))
    if not locked.is_active:
        raise RuleViolation(_("%(user)s is already deactivated.") % {"user": locked})
    if locked.role == User.Role.ADMIN and not _other_active_admins(locked):
        raise RuleViolation(_("The last active admin cannot be deactivated."))
    led = Team.objects.filter(manager=locked)
    if led.exists() and reassign_to.role != User.Role.MANAGER:
        raise RuleViolation(
            _(
                "%(user)s leads %(teams)s: choose a manager to take over, or change the team's "
                "manager first."
            )
            % {"user": locked, "teams": ", ".join(led.values_list("name", flat=True))}
        )
    work = _open_work_handover(from_user=locked, to_user=reassign_to, actor=actor)
    teams = led.update(manager=reassign_to)
    now = timezone.now()
    tokens = ApiToken.objects.filter(user=locked, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    User.objects.filter(pk=locked.pk).update(is_active=False)
    user.is_active = False
    return DeactivationResult(
        user=user,
        reassigned_to=reassign_to,
        deals=work.deals,
        leads=work.leads,
        activities=work.activities,
        teams=teams,
        tokens=tokens,
    )


@transaction.atomic
def user_reactivate(*, user: User, actor: User) -> User:
    check_admin(actor)
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return user
