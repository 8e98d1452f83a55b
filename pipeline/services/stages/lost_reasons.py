"""The list of reasons a deal can be lost for."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import LostReason
from pipeline.services.stages.checks import check_admin, clean_name
from shared.errors import RuleViolation


def _check_reason_name_free(name: str, *, exclude_id: int | None = None) -> None:
    clash = LostReason.objects.filter(name__iexact=name)
    if exclude_id:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise RuleViolation(
            _("The lost reason %(name)s already exists (perhaps archived).") % {"name": name}
        )


@transaction.atomic
def lost_reason_create(*, name: str, actor: User) -> LostReason:
    check_admin(actor)
    name = clean_name(name, what=_("lost reason"))
    _check_reason_name_free(name)
    last = LostReason.objects.aggregate(m=Max("position"))["m"]
    return LostReason.objects.create(name=name, position=0 if last is None else last + 1)


@transaction.atomic
def lost_reason_update(*, reason: LostReason, name: str, actor: User) -> LostReason:
    """Rename a reason. Lost deals keep pointing at it, so their reason reads the new name."""
    check_admin(actor)
    name = clean_name(name, what=_("lost reason"))
    _check_reason_name_free(name, exclude_id=reason.pk)
    LostReason.objects.filter(pk=reason.pk).update(name=name)
    reason.name = name
    return reason


@transaction.atomic
def lost_reason_archive(*, reason: LostReason, actor: User) -> LostReason:
    """Stop offering a reason; deals already lost for it keep it."""
    check_admin(actor)
    if not LostReason.objects.filter(is_active=True).exclude(pk=reason.pk).exists():
        raise RuleViolation(
            _("Losing a deal needs a reason: keep at least one lost reason active.")
        )
    LostReason.objects.filter(pk=reason.pk).update(is_active=False)
    reason.is_active = False
    return reason


@transaction.atomic
def lost_reason_restore(*, reason: LostReason, actor: User) -> LostReason:
    check_admin(actor)
    LostReason.objects.filter(pk=reason.pk).update(is_active=True)
    reason.is_active = True
    return reason
