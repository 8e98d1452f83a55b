from decimal import Decimal

import pytest

from pipeline import services
from pipeline.models import Activity, Deal, StageChange, StageTotal
from shared.errors import NotAllowed, RuleViolation, VersionConflict

pytestmark = pytest.mark.django_db


def _total(stage):
    row = StageTotal.objects.filter(stage=stage, currency="EUR").first()
    return (row.open_count, row.open_value) if row else (0, Decimal("0"))


def test_create_records_entry_and_totals(make_deal, stages, rep):
    deal = make_deal(title="Acme licences", value=Decimal("1250.50"))
    assert deal.version == 1
    change = StageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage) == (None, stages[0])
    assert (change.from_status, change.to_status) == ("", "open")
    assert change.user == rep and change.source == "form"
    assert _total(stages[0]) == (1, Decimal("1250.50"))


def test_move_writes_history_bumps_version_and_shifts_totals(make_deal, stages, rep):
    deal = make_deal(value=Decimal("500"))
    moved = services.deal_move(deal=deal, to_stage=stages[2], expected_version=1, actor=rep)
    assert moved.stage == stages[2]
    assert moved.version == 2
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.stage_id, fresh.version, fresh.updated_by) == (stages[2].pk, 2, rep)
    assert fresh.stage_entered_at == fresh.updated_at
    last = StageChange.objects.filter(deal=deal).latest("timestamp", "id")
    assert (last.from_stage, last.to_stage, last.source) == (stages[0], stages[2], "board")
    assert _total(stages[0]) == (0, Decimal("0"))
    assert _total(stages[2]) == (1, Decimal("500"))


def test_same_stage_is_a_noop(make_deal, stages, rep):
    deal = make_deal()
    same = services.deal_move(deal=deal, to_stage=stages[0], expected_version=1, actor=rep)
    assert same.version == 1
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_two_moves_with_the_same_version_exactly_one_wins(make_deal, stages, rep, teammate):
    deal = make_deal()
    services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    with pytest.raises(VersionConflict) as err:
        services.deal_move(deal=deal, to_stage=stages[3], expected_version=1, actor=rep)
    # The message names who changed it, what they did, and when.
    assert "Rita Rep moved this deal to Qualified" in err.value.message
    assert "Rita Rep moved this deal to Qualified just now." in err.value.message
    assert err.value.deal.stage_id == stages[1].pk
    assert err.value.status_code == 409
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[1].pk
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_conflict_after_an_edit_names_the_editor(make_deal, stages, rep, manager):
    deal = make_deal()
    services.deal_update(deal=deal, expected_version=1, actor=manager, changes={"title": "New"})
    with pytest.raises(VersionConflict) as err:
        services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    assert "Mona Manager changed this deal" in err.value.message


def test_stage_of_another_pipeline_is_refused(make_deal, other_pipeline, rep):
    deal = make_deal()
    foreign = other_pipeline.stages.first()
    with pytest.raises(RuleViolation) as err:
        services.deal_move(deal=deal, to_stage=foreign, expected_version=1, actor=rep)
    assert "belongs to the Partners pipeline" in err.value.message
    assert Deal.objects.get(pk=deal.pk).version == 1


def test_archived_stage_is_refused(make_deal, stages, rep):
    deal = make_deal()
    stages[1].is_active = False
    stages[1].save()
    with pytest.raises(RuleViolation, match="archived"):
        services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)


def test_closed_deal_cannot_move(make_deal, stages, rep):
    deal = make_deal()
    services.deal_win(deal=deal, expected_version=1, actor=rep)
    with pytest.raises(RuleViolation, match="reopen"):
        services.deal_move(deal=deal, to_stage=stages[1], expected_version=2, actor=rep)


def test_rep_cannot_move_a_colleagues_deal(make_deal, stages, teammate, rep):
    deal = make_deal(owner=teammate)
    with pytest.raises(NotAllowed) as err:
        services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    assert err.value.status_code == 403


def test_manager_moves_team_deals_but_not_other_teams(make_deal, stages, rep, outsider, manager):
    mine = make_deal(owner=rep)
    services.deal_move(deal=mine, to_stage=stages[1], expected_version=1, actor=manager)
    theirs = make_deal(owner=outsider)
    with pytest.raises(NotAllowed):
        services.deal_move(deal=theirs, to_stage=stages[1], expected_version=1, actor=manager)


def test_entry_requirements_list_exactly_what_is_missing(make_deal, stages, rep):
    stages[2].requirements = ["done_meeting", "decision_maker"]
    stages[2].save()
    deal = make_deal()
    with pytest.raises(RuleViolation) as err:
        services.deal_move(deal=deal, to_stage=stages[2], expected_version=1, actor=rep)
    assert err.value.missing == ["A meeting is done", "The contact is a decision maker"]
    assert err.value.message == (
        "Proposal needs first: a meeting is done; the contact is a decision maker."
    )
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[0].pk


def test_entry_requirements_met_allow_the_move(make_deal, stages, rep):
    from tests.factories import PersonFactory

    stages[2].requirements = ["done_meeting", "decision_maker"]
    stages[2].save()
    person = PersonFactory(is_decision_maker=True)
    deal = make_deal(person=person)
    services.activity_create(
        actor=rep,
        type="meeting",
        subject="Needs analysis",
        due_date=deal.created_at.date(),
        deal=deal,
        done=True,
    )
    moved = services.deal_move(deal=deal, to_stage=stages[2], expected_version=1, actor=rep)
    assert moved.stage == stages[2]


def test_skipping_stages_needs_their_requirements_too(make_deal, stages, rep):
    stages[1].requirements = ["value"]
    stages[1].save()
    deal = make_deal(value=0)
    with pytest.raises(RuleViolation, match="deal value is set"):
        services.deal_move(deal=deal, to_stage=stages[3], expected_version=1, actor=rep)


def test_backward_move_ignores_earlier_requirements(make_deal, stages, rep):
    stages[1].requirements = ["organization"]
    stages[1].save()
    deal = make_deal(stage=stages[2], value=10, source="import")
    moved = services.deal_move(deal=deal, to_stage=stages[0], expected_version=1, actor=rep)
    assert moved.stage == stages[0]


def test_next_activity_is_kept_on_the_deal(make_deal, rep):
    import datetime

    deal = make_deal()
    later = services.activity_create(
        actor=rep, type="call", subject="Later", due_date=datetime.date(2099, 1, 5), deal=deal
    )
    sooner = services.activity_create(
        actor=rep, type="demo", subject="Sooner", due_date=datetime.date(2099, 1, 2), deal=deal
    )
    deal.refresh_from_db()
    assert (deal.next_activity, deal.next_activity_date) == (sooner, datetime.date(2099, 1, 2))
    services.activity_complete(activity=sooner, actor=rep)
    deal.refresh_from_db()
    assert deal.next_activity == later
    services.activity_complete(activity=later, actor=rep)
    deal.refresh_from_db()
    assert deal.next_activity is None and deal.next_activity_date is None
    # Logging an activity does not change the deal's version: no false conflicts for a rep
    # who drags a card while a colleague logs a call.
    assert deal.version == 1
    assert Activity.objects.filter(deal=deal, done_at__isnull=False).count() == 2


def test_a_refused_skip_names_the_stage_that_asks(make_deal, stages, rep):
    """Issue 16 item 5: skipping into Proposal past Qualified, whose requirement is unmet,
    names Qualified, not Proposal; each stage is named with what it asks."""
    stages[1].requirements = ["done_call"]
    stages[1].save()
    stages[2].requirements = ["expected_close_date", "done_call"]
    stages[2].save()
    deal = make_deal()
    with pytest.raises(RuleViolation) as err:
        services.deal_move(deal=deal, to_stage=stages[2], expected_version=1, actor=rep)
    assert err.value.message == (
        "Qualified needs first: a call is done. Proposal needs first: expected close date is set."
    )
    assert err.value.missing == ["A call is done", "Expected close date is set"]
