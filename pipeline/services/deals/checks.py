"""The checks every deal write shares: its title, money and currency, its owner."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Deal
from pipeline.selectors.visibility import deal_check_edit, owner_ids_editable
from pipeline.services._common import (
    TotalsKey,
    board_touch,
    check_version,
    deal_lock,
    totals_move,
    totals_snapshot,
)
from shared.currencies import currency_codes_enabled
from shared.errors import NotAllowed, RuleViolation
from shared.validation import require_fits


def clean_money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise RuleViolation(_("The value must be a number, for example 1250.00.")) from exc
    if not amount.is_finite():
        raise RuleViolation(_("The value must be a number, for example 1250.00."))
    if amount < 0:
        raise RuleViolation(_("The value cannot be negative."))
    if amount >= Decimal("1e12"):
        raise RuleViolation(
            _("The largest value allowed is %(max)s.") % {"max": "999,999,999,999.99"}
        )
    return amount.quantize(Decimal("0.01"))


TITLE_MAX_LENGTH = 200


def clean_title(title: object) -> str:
    """A deal's title, refused (never cut) when longer than the column holds."""
    text = str(title or "").strip()
    if not text:
        raise RuleViolation(_("A deal needs a title."))
    return require_fits(text, TITLE_MAX_LENGTH, _("Title"))


def clean_currency(currency: str, *, keep: str | None = None) -> str:
    """A three-letter code among the company's enabled currencies. `keep` is the
    record's current currency: a deal whose currency an admin has since disabled keeps it."""
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise RuleViolation(_("The currency must be a three-letter code such as EUR or USD."))
    if code in (settings.DEFAULT_CURRENCY, keep):
        return code
    enabled = currency_codes_enabled()
    if code not in enabled:
        raise RuleViolation(
            _(
                "%(code)s is not one of the company's currencies (%(enabled)s). "
                "An admin can enable it under Settings → Currencies."
            )
            % {"code": code, "enabled": ", ".join(enabled)}
        )
    return code


def check_owner(actor: User, owner: User) -> None:
    owners = owner_ids_editable(actor)
    if owners is not None and owner.pk not in owners:
        raise NotAllowed(_("You cannot give a deal to %(owner)s.") % {"owner": owner})
    if not owner.is_active:
        raise RuleViolation(_("%(owner)s is deactivated and cannot own deals.") % {"owner": owner})


def check_external_id_free(
    owner: User, external_id: str | None, exclude: int | None = None
) -> None:
    """External ids are unique per owner. Only called after `check_owner`: the actor may see
    every deal of `owner`, so the refusal tells them nothing they could not look up."""
    if not external_id:
        return
    others = Deal.objects.filter(owner=owner, external_id=external_id)
    clash = (others if exclude is None else others.exclude(pk=exclude)).first()
    if clash is not None:
        raise RuleViolation(
            _("%(owner)s already has a deal with the external id %(id)s: %(title)s.")
            % {"owner": owner, "id": external_id, "title": clash.title}
        )


def lock_for_edit(deal: Deal, actor: User, expected_version: int) -> Deal:
    """The deal's row, locked for this transaction, once the actor may edit it and the version
    they read is still the current one."""
    locked = deal_lock(deal.pk)
    deal_check_edit(actor, locked)
    check_version(locked, expected_version)
    return locked


def totals_refresh(locked: Deal, before: TotalsKey | None) -> Deal:
    """After a write: move the deal's amount in the board totals and tell open boards."""
    totals_move(before, totals_snapshot(locked))
    board_touch(locked.pipeline_id, locked.owner_id)
    return locked
