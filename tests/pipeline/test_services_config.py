"""Pipelines, stages and lost reasons as an admin configures them (pipeline/services/config.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from pipeline import services
from pipeline.models import Deal, LostReason, Pipeline, Stage, StageChange, StageTotal
from shared.errors import NotAllowed, RuleViolation

pytestmark = pytest.mark.django_db


def _order(pipeline) -> list[str]:
    return list(
        Stage.objects.filter(pipeline=pipeline, is_active=True)
        .order_by("position")
        .values_list("name", flat=True)
    )


def _total(stage, currency="EUR"):
    row = StageTotal.objects.filter(stage=stage, currency=currency).first()
    return (row.open_count, row.open_value) if row else (0, Decimal("0"))


# --- Pipelines ----------------------------------------------------------------------------


def test_create_pipeline_with_default_stages(admin):
    pipeline = services.pipeline_create(name="  Renewals  ", actor=admin)
    assert pipeline.name == "Renewals"
    stages = list(pipeline.stages.order_by("position"))
    assert [s.name for s in stages] == [
        "Qualified",
        "Contact made",
        "Demo scheduled",
        "Proposal made",
        "Negotiations started",
    ]
    # Five stages: probabilities (i + 1) * 100 / 6, rounded: 17, 33, 50, 67, 83.
    assert [s.win_probability for s in stages] == [17, 33, 50, 67, 83]
    assert [s.position for s in stages] == [0, 1, 2, 3, 4]


def test_create_pipeline_with_own_stages_and_duplicate_names_refused(admin, pipeline):
    p = services.pipeline_create(name="Partners", actor=admin, stage_names=["Intro", "", "Pilot"])
    assert _order(p) == ["Intro", "Pilot"]
    with pytest.raises(RuleViolation, match="already exists"):
        services.pipeline_create(name="sales", actor=admin)
    with pytest.raises(RuleViolation, match="same name"):
        services.pipeline_create(name="Other", actor=admin, stage_names=["A", "a"])


def test_only_admins_configure(rep, manager, pipeline, stages):
    for actor in (rep, manager):
        with pytest.raises(NotAllowed):
            services.pipeline_create(name="X", actor=actor)
        with pytest.raises(NotAllowed):
            services.stage_update(stage=stages[0], actor=actor, changes={"name": "Y"})
        with pytest.raises(NotAllowed):
            services.lost_reason_create(name="Z", actor=actor)


def test_rename_and_archive_pipeline_keeps_its_deals(admin, pipeline, other_pipeline, make_deal):
    deal = make_deal()
    services.pipeline_rename(pipeline=pipeline, name="New business", actor=admin)
    services.pipeline_archive(pipeline=pipeline, actor=admin)
    pipeline.refresh_from_db()
    assert (pipeline.name, pipeline.is_active) == ("New business", False)
    assert Deal.objects.get(pk=deal.pk).pipeline_id == pipeline.pk
    # The last active pipeline cannot go.
    with pytest.raises(RuleViolation, match="only active pipeline"):
        services.pipeline_archive(pipeline=other_pipeline, actor=admin)
    services.pipeline_restore(pipeline=pipeline, actor=admin)
    assert Pipeline.objects.get(pk=pipeline.pk).is_active


# --- Stages -------------------------------------------------------------------------------


def test_stage_create_appends_and_validates(admin, pipeline):
    stage = services.stage_create(
        pipeline=pipeline,
        name="Contract",
        actor=admin,
        win_probability=90,
        rotting_days=5,
        requirements=["note", "value", "value"],
        definition_of_done="Signed contract received.",
    )
    assert stage.position == 4
    assert stage.requirements == ["value", "note"]  # choice order, duplicates dropped
    assert _order(pipeline)[-1] == "Contract"
    with pytest.raises(RuleViolation, match="already has a stage called"):
        services.stage_create(pipeline=pipeline, name="contract", actor=admin)
    with pytest.raises(RuleViolation, match="between 0 and 100"):
        services.stage_create(pipeline=pipeline, name="X", actor=admin, win_probability=101)
    with pytest.raises(RuleViolation, match="Unknown requirement"):
        services.stage_create(pipeline=pipeline, name="X", actor=admin, requirements=["magic"])
    with pytest.raises(RuleViolation, match="Rotting days"):
        services.stage_create(pipeline=pipeline, name="X", actor=admin, rotting_days=0)


def test_stage_update_sets_definition_of_done_and_requirements(admin, stages):
    stage = services.stage_update(
        stage=stages[2],
        actor=admin,
        changes={
            "definition_of_done": "A priced proposal is with the decision maker.",
            "requirements": ["decision_maker", "done_meeting"],
            "win_probability": "65",
            "rotting_days": "",
        },
    )
    fresh = Stage.objects.get(pk=stage.pk)
    assert fresh.definition_of_done == "A priced proposal is with the decision maker."
    assert fresh.requirements == ["decision_maker", "done_meeting"]
    assert (fresh.win_probability, fresh.rotting_days) == (65, None)


def test_one_moment_of_truth_per_pipeline(admin, stages, other_pipeline):
    services.stage_update(stage=stages[1], actor=admin, changes={"is_moment_of_truth": True})
    services.stage_update(stage=stages[2], actor=admin, changes={"is_moment_of_truth": True})
    other = other_pipeline.stages.first()
    services.stage_update(stage=other, actor=admin, changes={"is_moment_of_truth": True})
    flagged = set(Stage.objects.filter(is_moment_of_truth=True).values_list("pk", flat=True))
    assert flagged == {stages[2].pk, other.pk}
    # The database refuses a second one even without the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.filter(pk=stages[0].pk).update(is_moment_of_truth=True)


def test_reorder_rewrites_positions_not_history(admin, pipeline, stages, make_deal, rep):
    deal = make_deal()
    services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    history = list(StageChange.objects.values_list("from_stage_id", "to_stage_id", "timestamp"))
    new = [stages[3].pk, stages[0].pk, stages[2].pk, stages[1].pk]
    result = services.stage_reorder(pipeline=pipeline, stage_ids=new, actor=admin)
    assert [s.pk for s in result] == new
    assert _order(pipeline) == ["Negotiation", "Lead in", "Proposal", "Qualified"]
    assert list(
        Stage.objects.filter(pipeline=pipeline)
        .order_by("position")
        .values_list("position", flat=True)
    ) == [0, 1, 2, 3]
    assert list(StageChange.objects.values_list("from_stage_id", "to_stage_id", "timestamp")) == (
        history
    )
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[1].pk


def test_reorder_with_a_stale_list_changes_nothing(admin, pipeline, stages):
    before = _order(pipeline)
    with pytest.raises(RuleViolation, match="changed while you were reordering"):
        services.stage_reorder(
            pipeline=pipeline, stage_ids=[stages[1].pk, stages[0].pk], actor=admin
        )
    with pytest.raises(RuleViolation, match="changed while you were reordering"):
        ids = [s.pk for s in stages]
        services.stage_reorder(pipeline=pipeline, stage_ids=[*ids, ids[0]], actor=admin)
    assert _order(pipeline) == before


def test_keyboard_step_moves_one_place_and_stops_at_the_ends(admin, pipeline, stages):
    services.stage_move_step(stage=stages[2], offset=-1, actor=admin)
    assert _order(pipeline) == ["Lead in", "Proposal", "Qualified", "Negotiation"]
    services.stage_move_step(stage=stages[0], offset=-1, actor=admin)
    assert _order(pipeline) == ["Lead in", "Proposal", "Qualified", "Negotiation"]
    services.stage_move_step(stage=stages[0], offset=1, actor=admin)
    assert _order(pipeline) == ["Proposal", "Lead in", "Qualified", "Negotiation"]


def test_archive_stage_moves_open_and_closed_deals_with_history(
    admin, rep, stages, make_deal, lost_reason, usd
):
    open_eur = make_deal(title="Open EUR", stage=stages[1], value=Decimal("100"))
    open_usd = make_deal(title="Open USD", stage=stages[1], value=Decimal("40"), currency="USD")
    won = make_deal(title="Won", stage=stages[1], value=Decimal("500"))
    services.deal_win(deal=won, expected_version=1, actor=rep)
    lost = make_deal(title="Lost", stage=stages[1], value=Decimal("70"))
    services.deal_lose(deal=lost, expected_version=1, actor=rep, reason=lost_reason)
    already_there = make_deal(title="Already", stage=stages[2], value=Decimal("5"))
    assert _total(stages[1]) == (1, Decimal("100"))
    assert _total(stages[1], "USD") == (1, Decimal("40"))
    changes_before = StageChange.objects.count()

    result = services.stage_archive(stage=stages[1], move_deals_to=stages[2], actor=admin)

    assert (result.moved_open, result.moved_closed) == (2, 2)
    assert not Stage.objects.get(pk=stages[1].pk).is_active
    for deal in (open_eur, open_usd, won, lost):
        fresh = Deal.objects.get(pk=deal.pk)
        assert fresh.stage_id == stages[2].pk
        assert fresh.updated_by == admin
        last = StageChange.objects.filter(deal=deal).latest("timestamp", "id")
        assert (last.from_stage_id, last.to_stage_id, last.source, last.user) == (
            stages[1].pk,
            stages[2].pk,
            "system",
            admin,
        )
        assert last.from_status == last.to_status == fresh.status
    assert Deal.objects.get(pk=won.pk).status == "won"
    assert Deal.objects.get(pk=open_eur.pk).version == 2
    assert StageChange.objects.count() == changes_before + 4
    # Totals: the archived stage is empty, the target holds 5 + 100 EUR and 40 USD.
    assert _total(stages[1]) == (0, Decimal("0"))
    assert _total(stages[1], "USD") == (0, Decimal("0"))
    assert _total(stages[2]) == (2, Decimal("105"))
    assert _total(stages[2], "USD") == (1, Decimal("40"))
    assert Deal.objects.get(pk=already_there.pk).version == 1
    # The board totals agree with a rebuild from scratch.
    snapshot = set(
        StageTotal.objects.values_list("stage_id", "currency", "open_count", "open_value")
    )
    services.stage_totals_rebuild()
    rebuilt = set(
        StageTotal.objects.values_list("stage_id", "currency", "open_count", "open_value")
    )
    assert {r for r in snapshot if r[2]} == {r for r in rebuilt if r[2]}


def test_archive_stage_with_deals_needs_a_target_in_the_same_pipeline(
    admin, stages, other_pipeline, make_deal
):
    deal = make_deal(stage=stages[1])
    with pytest.raises(RuleViolation, match="still holds 1 deal;"):
        services.stage_archive(stage=stages[1], move_deals_to=None, actor=admin)
    with pytest.raises(RuleViolation, match="Choose a stage of Sales"):
        services.stage_archive(
            stage=stages[1], move_deals_to=other_pipeline.stages.first(), actor=admin
        )
    with pytest.raises(RuleViolation, match="another active stage"):
        services.stage_archive(stage=stages[1], move_deals_to=stages[1], actor=admin)
    assert Stage.objects.get(pk=stages[1].pk).is_active
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[1].pk


def test_archive_empty_stage_and_restore_it_at_the_end(admin, pipeline, stages):
    services.stage_update(stage=stages[0], actor=admin, changes={"is_moment_of_truth": True})
    services.stage_archive(stage=stages[0], move_deals_to=None, actor=admin)
    archived = Stage.objects.get(pk=stages[0].pk)
    assert (archived.is_active, archived.is_moment_of_truth) == (False, False)
    assert _order(pipeline) == ["Qualified", "Proposal", "Negotiation"]
    services.stage_restore(stage=stages[0], actor=admin)
    assert _order(pipeline) == ["Qualified", "Proposal", "Negotiation", "Lead in"]


def test_last_stage_cannot_be_archived(admin, other_pipeline):
    intro, pilot = other_pipeline.stages.order_by("position")
    services.stage_archive(stage=intro, move_deals_to=None, actor=admin)
    with pytest.raises(RuleViolation, match="last stage"):
        services.stage_archive(stage=pilot, move_deals_to=None, actor=admin)


def test_archive_of_a_busy_stage_runs_in_constant_statements(admin, stages, make_deal):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_deal(title="Lonely", stage=stages[1])
    for i in range(30):
        make_deal(title=f"D{i}", stage=stages[2])
    # savepoint, pipeline lock, stage reload, "another stage exists", deal counts, target
    # reload, deal ids under lock, totals aggregate, totals UPDATE from, totals UPDATE to
    # (+ INSERT and UPDATE again when the target has no row yet), deal UPDATE, the deals'
    # latest history rows (where their stays began), StageChange INSERT, stage UPDATE, board
    # touch, release: 18 whether 1 or 30 deals move.
    with CaptureQueriesContext(connection) as one:
        services.stage_archive(stage=stages[1], move_deals_to=stages[0], actor=admin)
    with CaptureQueriesContext(connection) as thirty:
        services.stage_archive(stage=stages[2], move_deals_to=stages[3], actor=admin)
    assert len(one) == len(thirty) == 18
    assert Deal.objects.filter(stage=stages[3]).count() == 30


# --- Lost reasons -------------------------------------------------------------------------


def test_lost_reasons_create_rename_archive(admin, lost_reason, make_deal, rep):
    other = services.lost_reason_create(name="No budget", actor=admin)
    deal = make_deal()
    services.deal_lose(deal=deal, expected_version=1, actor=rep, reason=lost_reason)
    services.lost_reason_update(reason=lost_reason, name="Price", actor=admin)
    services.lost_reason_archive(reason=lost_reason, actor=admin)
    assert Deal.objects.get(pk=deal.pk).lost_reason.name == "Price"
    assert list(LostReason.objects.filter(is_active=True)) == [other]
    with pytest.raises(RuleViolation, match="at least one"):
        services.lost_reason_archive(reason=other, actor=admin)
    with pytest.raises(RuleViolation, match="already exists"):
        services.lost_reason_create(name="price", actor=admin)
