"""Creating what a deals CSV names but the database lacks, before the deals go in."""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from pipeline.models import LostReason, Organization, Person, Pipeline, Stage
from pipeline.services.imports.common import BATCH, ImportReport, key
from pipeline.services.imports.deals.lookups import DealLookups
from pipeline.services.stages import stage_reorder


def new_stage_plan(
    *, report: ImportReport, chosen: dict[str, dict[str, int]] | None = None
) -> dict[str, dict[str, int]]:
    """Where each stage the import creates goes, and its win probability:
    "Pipeline / Stage" -> {"order": 1.., "probability": 0..100}.

    Unless the user chose otherwise in the preview, the file's history orders them: a stage
    whose closed deals were won more often comes later (won deals sit in the last stages,
    deals lost early in the first), and between equals the one holding more deals comes first
    (a funnel narrows). Probabilities are spread evenly from the pipeline's last existing
    stage up to 100 %, so the weighted forecast is sensible until someone tunes them."""
    chosen = chosen or {}
    by_pipeline: dict[str, list[str]] = {}
    for label in report.unknown.get("stages", []):
        by_pipeline.setdefault(label.rpartition(" / ")[0], []).append(label)
    tops = {
        key(name): top or 0
        for name, top in Pipeline.objects.annotate(top=Max("stages__win_probability")).values_list(
            "name", "top"
        )
    }
    plan: dict[str, dict[str, int]] = {}
    for pipe_name, labels in by_pipeline.items():

        def history(label: str) -> tuple[float, int]:
            counts = report.stage_stats.get(label, {})
            won, lost = counts.get("won", 0), counts.get("lost", 0)
            rate = won / (won + lost) if won + lost else 0.0
            return rate, -sum(counts.values())

        suggested = sorted(labels, key=lambda label: (*history(label), label.casefold()))
        base = min(tops.get(key(pipe_name), 0), 99)
        ordered = sorted(
            suggested,
            key=lambda label: chosen.get(label, {}).get("order", suggested.index(label) + 1),
        )
        for n, label in enumerate(ordered):
            spread = base + round((n + 1) * (100 - base) / (len(ordered) + 1))
            probability = chosen.get(label, {}).get("probability", spread)
            plan[label] = {"order": n + 1, "probability": max(0, min(int(probability), 100))}
            if "after" in chosen.get(label, {}):
                # An existing stage's id, or 0 for the start (chosen in the preview).
                plan[label]["after"] = int(chosen[label]["after"])
    return plan


def _place_new_stages(pipeline_id: int, placed: list[tuple[Stage, int]], actor: User) -> None:
    """Move new stages from the end of an existing pipeline to where the preview put them
    (after an existing stage, or 0: at the start), through the one reorder service, which
    only admins may use (the preview offers the choice to them only)."""
    if not actor.is_admin:
        return
    placed_ids = {stage.pk for stage, _after in placed}
    order = list(
        Stage.objects.filter(pipeline_id=pipeline_id, is_active=True)
        .exclude(pk__in=placed_ids)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    # Inserted last to first right after their anchor, so stages sharing one keep their order.
    for stage, after in reversed(placed):
        index = 0 if after == 0 else (order.index(after) + 1 if after in order else len(order))
        order.insert(index, stage.pk)
    stage_reorder(pipeline=Pipeline(pk=pipeline_id), stage_ids=order, actor=actor)


def _create_pipelines_and_stages(
    report: ImportReport, new_stages: dict[str, dict[str, int]], actor: User
) -> None:
    """New pipelines, then their "Pipeline / Stage" pairs at the end of each pipeline (moved
    where the preview placed them)."""
    created = report.created
    pipe_names = report.unknown.get("pipelines", [])
    position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    for offset, name in enumerate(pipe_names):
        Pipeline.objects.create(name=name, position=position + offset)
    created["pipelines"] = len(pipe_names)
    pipelines = {key(p.name): p for p in Pipeline.objects.all()}
    stage_count = 0
    plan = new_stage_plan(report=report, chosen=new_stages)
    placed: dict[int, list[tuple[Stage, int]]] = {}
    for label in sorted(plan, key=lambda label: plan[label]["order"]):
        pipe_name, _sep, stage_name = label.rpartition(" / ")
        pipeline = pipelines[key(pipe_name)]
        top = pipeline.stages.aggregate(m=Max("position"))["m"]
        stage = Stage.objects.create(
            pipeline=pipeline,
            name=stage_name,
            position=0 if top is None else top + 1,
            win_probability=plan[label]["probability"],
        )
        if "after" in plan[label]:
            placed.setdefault(pipeline.pk, []).append((stage, plan[label]["after"]))
        stage_count += 1
    for pipeline_id, stages in placed.items():
        _place_new_stages(pipeline_id, stages, actor)
    created["stages"] = stage_count


def _create_contacts(
    report: ImportReport, new_people: dict[tuple[str, str], tuple[str, str, str]]
) -> None:
    created = report.created
    now = timezone.now()
    orgs = [
        Organization(name=name, created_at=now, updated_at=now)
        for name in report.unknown.get("organizations", [])
    ]
    Organization.objects.bulk_create(orgs, batch_size=BATCH)
    created["organizations"] = len(orgs)
    if new_people:
        org_ids = {key(n): i for i, n in Organization.objects.values_list("id", "name")}
        people = [
            Person(
                name=name,
                email=email.lower(),
                organization_id=org_ids.get(org) if org else None,
                created_at=now,
                updated_at=now,
            )
            for name, email, org in new_people.values()
        ]
        Person.objects.bulk_create(people, batch_size=BATCH)
        created["people"] = len(people)


def create_missing(
    report: ImportReport,
    lookups: DealLookups,
    new_people: dict[tuple[str, str], tuple[str, str, str]],
    new_stages: dict[str, dict[str, int]],
    actor: User,
) -> None:
    """Create what the preview listed as unknown, in the order names depend on each other."""
    created = report.created
    _create_pipelines_and_stages(report, new_stages, actor)
    for name in report.unknown.get("lost_reasons", []):
        LostReason.objects.create(name=name)
    created["lost_reasons"] = len(report.unknown.get("lost_reasons", []))
    for name in report.unknown.get("owners", []):
        lookups.users.create(name)
    created["owners"] = len(report.unknown.get("owners", []))
    _create_contacts(report, new_people)
