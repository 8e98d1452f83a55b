"""Personal preferences: a user's language and the currency their totals are shown in."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from shared.errors import NotAllowed, RuleViolation
from shared.models import Currency


@transaction.atomic
def user_set_preferences(
    *, user: User, actor: User, language: str | None = None, display_currency: str | None = None
) -> User:
    """Set a user's language ("" follows the browser) and/or the currency their totals are
    shown in ("" is the base currency). Users change their own; an admin may change anyone's."""
    if actor.pk != user.pk and not actor.is_admin:
        raise NotAllowed(_("You can only change your own preferences."))
    fields = []
    if language is not None:
        codes = {code for code, _name in settings.LANGUAGES}
        if language and language not in codes:
            raise RuleViolation(
                _("Unknown language %(code)s: pick one of the listed languages.")
                % {"code": language}
            )
        user.language = language
        fields.append("language")
    if display_currency is not None:
        code = display_currency.strip().upper()
        if code == settings.DEFAULT_CURRENCY:
            code = ""
        if code and not Currency.objects.filter(code=code, is_enabled=True).exists():
            raise RuleViolation(_("%(code)s is not an enabled currency.") % {"code": code})
        user.display_currency = code
        fields.append("display_currency")
    if fields:
        User.objects.filter(pk=user.pk).update(**{f: getattr(user, f) for f in fields})
    return user
