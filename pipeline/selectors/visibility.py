"""Who may see and change what: one function per model, used by every caller.

The board, the deal pages, the API, search, exports and metrics all scope their queries
here, so a rule is written once.

- admin: everything.
- manager: own records and those owned by the reps of the teams they manage.
- rep: own records; colleagues' deals read-only when the company setting allows it.
"""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet

from accounts.models import CompanySettings, User
from pipeline.models import Activity, Deal, Lead, Organization, Person
from shared.errors import NotAllowed, NotVisible


def _team_member_ids(user: User) -> list[int]:
    return list(User.objects.filter(team__manager=user).values_list("id", flat=True))


def owner_ids_editable(user: User) -> list[int] | None:
    """Owner ids whose records `user` may change; None means every owner (admin)."""
    if user.is_admin:
        return None
    if user.is_manager:
        return [user.pk, *_team_member_ids(user)]
    return [user.pk]


def owner_ids_visible(user: User) -> list[int] | None:
    """Owner ids whose deals `user` may see; None means every owner."""
    if user.is_admin:
        return None
    if user.role == User.Role.REP and CompanySettings.load().reps_see_all_deals:
        return None
    return owner_ids_editable(user)


def deal_list_visible(user: User) -> QuerySet[Deal]:
    owners = owner_ids_visible(user)
    qs = Deal.objects.all()
    return qs if owners is None else qs.filter(owner_id__in=owners)


def deal_get_visible(user: User, deal_id: int | str) -> Deal:
    try:
        return deal_list_visible(user).select_related("stage", "pipeline").get(pk=int(deal_id))
    except (Deal.DoesNotExist, ValueError, TypeError) as exc:
        raise NotVisible(_not_found()) from exc


def deal_can_edit(user: User, deal: Deal) -> bool:
    owners = owner_ids_editable(user)
    return owners is None or deal.owner_id in owners


def deal_check_edit(user: User, deal: Deal) -> None:
    if not deal_can_edit(user, deal):
        from django.utils.translation import gettext as _

        raise NotAllowed(
            _("You can see this deal but not change it: it belongs to %(owner)s.")
            % {"owner": deal.owner},
            deal=deal,
        )


def activity_list_visible(user: User) -> QuerySet[Activity]:
    """Activities `user` owns or may change, and those on every deal `user` may see: the deal
    page and the API show a deal's activities alike, read-only unless
    `activity_check_edit` allows more."""
    owners = owner_ids_editable(user)
    qs = Activity.objects.all()
    if owners is None:
        return qs
    mine = Q(owner_id__in=owners) | Q(deal__owner_id__in=owners)
    if user.role != User.Role.REP:
        return qs.filter(mine)
    # The company setting is read inside the same query (no extra round trip per list).
    reps_see_all = Exists(CompanySettings.objects.filter(pk=1, reps_see_all_deals=True))
    return qs.filter(mine | (Q(deal__isnull=False) & reps_see_all))


def person_list_visible(user: User) -> QuerySet[Person]:
    # Contacts are shared address-book data: everyone in the company sees them.
    return Person.objects.all()


def organization_list_visible(user: User) -> QuerySet[Organization]:
    return Organization.objects.all()


def lead_list_visible(user: User) -> QuerySet[Lead]:
    owners = owner_ids_editable(user)
    qs = Lead.objects.all()
    return qs if owners is None else qs.filter(owner_id__in=owners)


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("This deal does not exist or you may not see it.")
