"""The names a deals CSV may refer to, and the deals it may already hold."""

from __future__ import annotations

from accounts.models import User
from pipeline.models import LostReason, Organization, Person, Pipeline, Stage
from pipeline.selectors.visibility import deal_list_visible
from pipeline.services.imports.common import UserLookup, key
from pipeline.services.imports.deals.rows import DealRow
from shared.validation import is_id


class DealLookups:
    """Names in the database, keyed case-insensitively; rebuilt after creating missing ones."""

    def __init__(self, matches: dict[str, dict[str, str]] | None = None) -> None:
        self.pipelines = {key(p.name): p for p in Pipeline.objects.all()}
        self.default_pipeline = next(iter(self.pipelines.values()), None)
        self.stages: dict[tuple[str, str], Stage] = {}
        self.first_stage: dict[str, Stage] = {}
        for stage in Stage.objects.select_related("pipeline").order_by("pipeline", "position"):
            pkey = key(stage.pipeline.name)
            self.stages.setdefault((pkey, key(stage.name)), stage)
            if stage.is_active:
                self.first_stage.setdefault(pkey, stage)
        self.lost_reasons = {key(r.name): r for r in LostReason.objects.all()}
        self.organizations: dict[str, int] = {}
        for org_id, name in Organization.objects.values_list("id", "name").order_by("id"):
            self.organizations.setdefault(key(name), org_id)
        self.people_by_email: dict[str, int] = {}
        self.people_by_name: dict[tuple[str, int | None], int] = {}
        for pid, name, email, org_id in Person.objects.values_list(
            "id", "name", "email", "organization_id"
        ).order_by("id"):
            if email:
                self.people_by_email.setdefault(email.casefold(), pid)
            self.people_by_name.setdefault((key(name), org_id), pid)
        self.users = UserLookup()
        if matches:
            self._apply_matches(matches)

    def _apply_matches(self, matches: dict[str, dict[str, str]]) -> None:
        """Names the user matched to existing records in the preview ("Alex R." → alex)."""

        def ids(kind: str) -> dict[str, int]:
            out = {}
            for name, raw in (matches.get(kind) or {}).items():
                if is_id(raw):
                    out[name] = int(raw)
            return out

        users = User.objects.in_bulk(list(ids("owners").values()))
        for name, pk in ids("owners").items():
            if pk in users:
                self.users.by_key[key(name)] = users[pk]
        stages = Stage.objects.in_bulk(list(ids("stages").values()))
        for label, pk in ids("stages").items():
            pipe, _sep, stage = label.rpartition(" / ")
            pipeline = self.pipelines.get(key(pipe))
            # A stage can only stand for a stage of the same pipeline.
            if pk in stages and pipeline and stages[pk].pipeline_id == pipeline.pk:
                self.stages[(key(pipe), key(stage))] = stages[pk]
        reasons = LostReason.objects.in_bulk(list(ids("lost_reasons").values()))
        for name, pk in ids("lost_reasons").items():
            if pk in reasons:
                self.lost_reasons[key(name)] = reasons[pk]
        orgs = set(
            Organization.objects.filter(pk__in=ids("organizations").values()).values_list(
                "pk", flat=True
            )
        )
        for name, pk in ids("organizations").items():
            if pk in orgs:
                self.organizations[key(name)] = pk

    def person(self, row: DealRow) -> int | None:
        if row.person_email and row.person_email.casefold() in self.people_by_email:
            return self.people_by_email[row.person_email.casefold()]
        if row.person:
            org_id = self.organizations.get(row.organization) if row.organization else None
            return self.people_by_name.get((key(row.person), org_id))
        return None


def existing_keys(
    actor: User,
) -> tuple[set[tuple[int | None, str]], dict[tuple[str, str], set[str]]]:
    """Only the deals the importing user may see: a row never reports a hidden deal as
    "already imported". External ids are unique per owner, and every owner a row
    may name is one whose deals the user sees, so the per-owner check stays complete."""
    visible = deal_list_visible(actor)
    external: set[tuple[int | None, str]] = {
        (owner_id, external_id)
        for owner_id, external_id in visible.exclude(external_id=None)
        .values_list("owner_id", "external_id")
        .iterator()
        if external_id is not None
    }
    titled: dict[tuple[str, str], set[str]] = {}
    for title, org_name, created in visible.values_list(
        "title", "organization__name", "created_at"
    ).iterator(chunk_size=5000):
        titled.setdefault((key(title), key(org_name or "")), set()).add(created.isoformat())
    return external, titled


def is_duplicate(
    row: DealRow,
    external: set[tuple[int | None, str]],
    titled: dict[tuple[str, str], set[str]],
    owner_id: int | None,
) -> bool:
    """A stable external id (per owner), else title + organization + first-contact time (any
    time when the file has none). Marks the row as seen, so a repeated row counts once."""
    if row.external_id:
        if (owner_id, row.external_id) in external:
            return True
        external.add((owner_id, row.external_id))
        return False
    created = row.created_at.isoformat() if row.created_at else ""
    seen = titled.setdefault((key(row.title), row.organization), set())
    if (created and created in seen) or (not created and seen):
        return True
    seen.add(created or "-")
    return False
