"""Personal API tokens: created, revoked, and checked on every API request."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User
from shared.errors import NotAllowed, RuleViolation

# Every key starts with this, so a leaked key is recognisable (secret scanners, logs).
TOKEN_PREFIX = "sc_"
# `last_used_at` is written at most this often per token, so the API does not write on
# every request.
TOKEN_TOUCH_SECONDS = 60


def api_token_hash(raw_key: str) -> str:
    # The key carries 256 random bits, so a fast hash is enough: there is nothing to guess.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with the raw key, which is never stored."""
    name = " ".join(str(name or "").split())
    if not name:
        raise RuleViolation(_("Name the token after where you will use it, e.g. “Zapier”."))
    if len(name) > 100:
        raise RuleViolation(_("The name is too long: at most 100 characters."))
    if not user.is_active:
        raise RuleViolation(_("A deactivated user cannot have API tokens."))
    raw_key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw_key[:10], key_hash=api_token_hash(raw_key)
    )
    return token, raw_key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token (its owner or an admin). Revoking twice changes nothing."""
    if token.user_id != actor.pk and not actor.is_admin:
        raise NotAllowed(_("Only its owner or an admin can revoke this token."))
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    ):
        token.revoked_at, token.revoked_by = now, actor
    return token


def api_token_authenticate(raw_key: str) -> ApiToken | None:
    """The active token for a raw key, with its active user; None when unknown or revoked.

    Marks the token used at most once a minute (one conditional UPDATE, no read-modify-write).
    """
    if not raw_key or not raw_key.startswith(TOKEN_PREFIX) or len(raw_key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=api_token_hash(raw_key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at < stale:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
