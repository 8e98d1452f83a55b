"""What a metric is computed over: a pipeline, a period, and all owners, a team or one owner.

Every metric query starts from `Scope.deals()`, so a scope means the same thing everywhere
(reports, snapshots, dashboards, stale lists). A viewer's visibility narrows a scope through
`pipeline.selectors.visibility`, never around it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from pipeline.models import Deal, Pipeline
from pipeline.selectors.visibility import owner_ids_visible
from shared.currencies import currency_rates
from shared.errors import NotVisible, RuleViolation
from shared.money import Rate, rates_to

DEFAULT_PERIOD_DAYS = 90


@dataclass(frozen=True)
class Scope:
    pipeline: Pipeline
    start: datetime.date  # first day of the period
    end: datetime.date  # last day of the period (inclusive)
    owner_ids: tuple[int, ...] | None = None  # None: every owner
    kind: str = "all"  # "all", "team" or "owner"
    key: str = "all"  # "all", "team:<id>" or "owner:<id>": the snapshot scope key
    label: str = ""
    as_of: datetime.datetime = field(default_factory=timezone.now)
    # The stored exchange rates amounts are converted at ({code: Rate}, base excluded); read
    # once, on first use, and handed on to shifted scopes so one report uses one set of rates.
    rates: dict[str, Rate] | None = field(default=None, compare=False, repr=False)
    # The currency amounts are shown in ("": the base currency). Another one must be enabled
    # with a stored rate (`scope_build` checks): a currency X then counts at rate(X) / rate(T),
    # the cross rate the board's converted totals use (`shared.money.convert`).
    to_currency: str = ""

    def rate_map(self) -> dict[str, Rate]:
        """The stored rates, in base units per unit of each currency (base excluded)."""
        if self.rates is None:
            # A frozen dataclass: filled in once, like a cached property.
            object.__setattr__(self, "rates", currency_rates())
        return self.rates  # type: ignore[return-value]  # filled by scope_build before any read

    def rates_to_target(self) -> dict[str, Rate]:
        """Units of the scope's currency per unit of each other currency that has a rate, each
        dated (`shared.money.rates_to`, as the board's totals): what the amounts are
        converted at, and what a report lists as its rates."""
        return rates_to(self.currency, base=settings.DEFAULT_CURRENCY, rates=self.rate_map())

    def rate_values(self) -> dict[str, Decimal]:
        """Units of the scope's currency per unit of each other currency, for SQL."""
        return {code: r.rate for code, r in self.rates_to_target().items()}

    def to_scope_currency(self, amount: Decimal, currency: str) -> Decimal | None:
        """`amount` in `currency` converted to the scope's currency, unrounded (None: no rate)."""
        if currency == self.currency:
            return Decimal(amount)
        rate = self.rates_to_target().get(currency)
        return None if rate is None else Decimal(amount) * rate.rate

    @property
    def start_dt(self) -> datetime.datetime:
        return _midnight(self.start)

    @property
    def end_dt(self) -> datetime.datetime:
        """The instant after the period (periods are half-open in SQL)."""
        return _midnight(self.end + datetime.timedelta(days=1))

    @property
    def currency(self) -> str:
        """The currency every amount of the scope's figures is in."""
        return self.to_currency or settings.DEFAULT_CURRENCY

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def deals(self) -> QuerySet[Deal]:
        qs = Deal.objects.filter(pipeline_id=self.pipeline.pk)
        return qs if self.owner_ids is None else qs.filter(owner_id__in=self.owner_ids)

    def owner_filter(self, prefix: str) -> dict[str, object]:
        """The owner restriction for a query on a related model (`prefix` leads to the deal)."""
        return {} if self.owner_ids is None else {f"{prefix}owner_id__in": self.owner_ids}

    def shifted(self, days: int) -> Scope:
        """The same scope over the period `days` earlier (for "change vs previous period")."""
        delta = datetime.timedelta(days=days)
        as_of = min(self.as_of, _midnight(self.end - delta + datetime.timedelta(days=1)))
        return Scope(
            pipeline=self.pipeline,
            start=self.start - delta,
            end=self.end - delta,
            owner_ids=self.owner_ids,
            kind=self.kind,
            key=self.key,
            label=self.label,
            as_of=as_of,
            rates=self.rate_map(),
            to_currency=self.to_currency,
        )

    def previous(self) -> Scope:
        return self.shifted(self.days)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 90 days, today included."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


def scope_build(
    *,
    pipeline: Pipeline,
    start: datetime.date,
    end: datetime.date,
    owner: User | None = None,
    team: Team | None = None,
    viewer: User | None = None,
    as_of: datetime.datetime | None = None,
    currency: str = "",
    rates: dict[str, Rate] | None = None,
) -> Scope:
    """A scope for a period, narrowed to one owner or one team, and to what `viewer` may see,
    its amounts in `currency` (default: the base currency). `rates`: the stored rates, when the
    caller has read them already.

    Raises RuleViolation for an inverted period, both owner and team, or a currency that is not
    enabled with a stored rate; NotVisible when the viewer may not see the owner or team asked
    for.
    """
    # Over 60 lines: the checks, in the order their refusals reach the user, then the one
    # resolution of who the scope covers; split, each part would need the others' results.
    if end < start:
        raise RuleViolation(_("The period ends before it starts; swap the dates."))
    if owner is not None and team is not None:
        raise RuleViolation(_("Choose an owner or a team, not both."))
    to_currency = _target_currency(currency, rates)
    now = timezone.now()
    as_of = min(as_of or now, _midnight(end + datetime.timedelta(days=1)))
    visible = owner_ids_visible(viewer) if viewer is not None else None
    if viewer is not None and viewer.role == User.Role.REP:
        # Metrics of colleagues stay private even when reps may browse their deals.
        visible = [viewer.pk]
    kind, key, label = "all", "all", str(_("Everyone"))
    owners: list[int] | None = None
    if owner is not None:
        if visible is not None and owner.pk not in visible:
            raise NotVisible(_("You may not see the figures of %(who)s.") % {"who": owner})
        owners, kind, key, label = [owner.pk], "owner", f"owner:{owner.pk}", str(owner)
    elif team is not None:
        members = list(User.objects.filter(team=team).values_list("pk", flat=True))
        if visible is not None and not set(members) <= set(visible):
            raise NotVisible(_("You may not see the figures of %(team)s.") % {"team": team})
        owners, kind, key, label = members, "team", f"team:{team.pk}", team.name
    elif visible is not None and len(visible) == 1:
        # A rep (or a manager without a team) sees one owner's figures: the stored owner scope.
        owners, kind, key = list(visible), "owner", f"owner:{visible[0]}"
        label = str(_("Deals you may see"))
    elif visible is not None:
        owners = list(visible)
        kind, key, label = "visible", "visible", str(_("Deals you may see"))
    return Scope(
        pipeline=pipeline,
        start=start,
        end=end,
        owner_ids=None if owners is None else tuple(sorted(owners)),
        kind=kind,
        key=key,
        label=label,
        as_of=as_of,
        rates=rates,
        to_currency=to_currency,
    )


def _target_currency(currency: str, rates: dict[str, Rate] | None) -> str:
    """ "" for the base currency, else the code, once it is known to have a stored rate."""
    code = (currency or "").strip().upper()
    if not code or code == settings.DEFAULT_CURRENCY:
        return ""
    choices = currencies_shown(rates if rates is not None else currency_rates())
    if code not in choices:
        raise RuleViolation(
            _(
                "Figures cannot be shown in %(code)s: it is not an enabled currency with an "
                "exchange rate. Choose one of %(codes)s, or ask an admin to set its rate."
            )
            % {"code": code, "codes": ", ".join(choices)}
        )
    return code


def currencies_shown(rates: dict[str, Rate]) -> list[str]:
    """The currencies figures can be shown in: the base first, then those with a rate."""
    return [settings.DEFAULT_CURRENCY, *sorted(rates)]
