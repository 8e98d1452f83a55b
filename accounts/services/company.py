"""Company settings and teams: admins change them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CompanySettings, Team, User
from accounts.services._common import check_admin
from shared.errors import RuleViolation

# --- Company settings -------------------------------------------------------------------------


@transaction.atomic
def company_settings_update(*, actor: User, reps_see_all_deals: bool) -> CompanySettings:
    check_admin(actor)
    current = CompanySettings.load()
    CompanySettings.objects.filter(pk=current.pk).update(
        reps_see_all_deals=bool(reps_see_all_deals), updated_at=timezone.now()
    )
    current.reps_see_all_deals = bool(reps_see_all_deals)
    return current


# --- Teams ------------------------------------------------------------------------------------


def _clean_team(name: str, manager: User | None, *, exclude_id: int | None = None) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise RuleViolation(_("The team needs a name."))
    if len(name) > 100:
        raise RuleViolation(_("The name is too long: at most 100 characters."))
    clash = Team.objects.filter(name__iexact=name)
    if exclude_id:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise RuleViolation(_("A team called %(name)s already exists.") % {"name": name})
    if manager is not None and (not manager.is_active or manager.role != User.Role.MANAGER):
        raise RuleViolation(
            _("%(user)s cannot lead a team: give them the manager role first.") % {"user": manager}
        )
    return name


@transaction.atomic
def team_create(*, actor: User, name: str, manager: User | None = None) -> Team:
    check_admin(actor)
    return Team.objects.create(name=_clean_team(name, manager), manager=manager)


@transaction.atomic
def team_update(*, team: Team, actor: User, name: str, manager: User | None) -> Team:
    check_admin(actor)
    name = _clean_team(name, manager, exclude_id=team.pk)
    Team.objects.filter(pk=team.pk).update(name=name, manager=manager)
    team.name, team.manager = name, manager
    return team
