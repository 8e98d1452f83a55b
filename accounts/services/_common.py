"""What every accounts service checks first."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from shared.errors import NotAllowed


def check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(_("Only an admin can manage users, teams and company settings."))
