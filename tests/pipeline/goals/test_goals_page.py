"""The goals page and the board's stage-goal marks over HTTP (no browser): who may do what,
messages that say what to fix, 4xx never 500, and the marks' figures and query budget."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import Goal
from pipeline.services.goals import GoalInvalid, goal_create, goal_delete, goal_update
from shared.errors import NotAllowed

pytestmark = pytest.mark.django_db


def _form(**kw):  # noqa: ANN003, ANN202
    data = {
        "kind": "deals_won",
        "assignee": "",
        "interval": "month",
        "target": "5",
        "currency": "EUR",
        "pipeline": "",
        "stage": "",
        "activity_type": "",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
    }
    data.update({k: ("" if v is None else v) for k, v in kw.items()})
    return data


# --- Services ----------------------------------------------------------------------------------


def test_who_may_set_which_goal(rep, teammate, outsider, manager, admin, team_a, team_b):
    with pytest.raises(NotAllowed):
        goal_create(actor=rep, kind="deals_won", target=3, owner=rep)
    with pytest.raises(NotAllowed):  # the company's goals are the admin's
        goal_create(actor=manager, kind="deals_won", target=3)
    with pytest.raises(NotAllowed):  # another team's rep
        goal_create(actor=manager, kind="deals_won", target=3, owner=outsider)
    with pytest.raises(NotAllowed):  # another team
        goal_create(actor=manager, kind="deals_won", target=3, team=team_b)
    with pytest.raises(NotAllowed):  # one's own
        goal_create(actor=manager, kind="deals_won", target=3, owner=manager)
    mine = goal_create(actor=manager, kind="deals_won", target=3, owner=rep)
    team = goal_create(actor=manager, kind="deals_won", target=9, team=team_a)
    company = goal_create(actor=admin, kind="revenue", target="12500.50")
    assert (mine.set_by, team.team, company.owner, company.team) == (manager, team_a, None, None)
    with pytest.raises(NotAllowed):  # a manager cannot hand a goal to another team
        goal_update(goal=mine, actor=manager, changes={"owner": outsider})
    with pytest.raises(NotAllowed):
        goal_delete(goal=company, actor=manager)
    goal_delete(goal=mine, actor=manager)
    assert set(Goal.objects.values_list("pk", flat=True)) == {team.pk, company.pk}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "deals_progressed"}, "stage", "Choose the stage deals must enter"),
        ({"kind": "deals_won", "target": "0"}, "target", "above 0"),
        ({"kind": "deals_won", "target": "2.5"}, "target", "whole number"),
        ({"kind": "activities_done", "activity_type": "fax"}, "activity_type", "Unknown"),
        ({"kind": "revenue", "activity_type": "call"}, "activity_type", "leave the type empty"),
        ({"kind": "revenue", "currency": "XYZ"}, "currency", "XYZ is not an enabled currency"),
        ({"kind": "bogus"}, "kind", "Choose what the goal counts"),
        ({"interval": "daily"}, "interval", "weekly, monthly or quarterly"),
    ],
)
def test_bad_goals_are_refused_naming_the_field(rep, manager, fields, field, message):
    fields = {"kind": "deals_won", "target": "3", **fields}
    with pytest.raises(GoalInvalid) as exc:
        goal_create(actor=manager, owner=rep, **fields)
    assert exc.value.field == field and message in exc.value.message
    assert exc.value.status_code == 422


def test_a_stage_goal_needs_a_stage_of_its_pipeline(rep, manager, stages, pipeline, other_pipeline):
    pilot = other_pipeline.stages.get(name="Pilot")
    with pytest.raises(GoalInvalid) as exc:
        goal_create(
            actor=manager, owner=rep, kind="deals_progressed", target=3,
            pipeline=pipeline, stage=pilot,
        )  # fmt: skip
    assert exc.value.field == "stage"
    assert exc.value.message == (
        "Pilot is a stage of Partners, not of Sales: choose a stage of Sales or change the "
        "pipeline."
    )
    # Without a pipeline, the stage's own is taken.
    g = goal_create(actor=manager, owner=rep, kind="deals_progressed", target=3, stage=pilot)
    assert g.pipeline == other_pipeline
    with pytest.raises(GoalInvalid) as exc:
        goal_create(actor=manager, owner=rep, kind="deals_won", target=3, stage=stages[1])
    assert exc.value.field == "stage" and "leave the stage empty" in exc.value.message
    with pytest.raises(GoalInvalid) as exc:
        goal_create(actor=manager, owner=rep, kind="activities_done", target=3, pipeline=pipeline)
    assert exc.value.field == "pipeline"
    with pytest.raises(GoalInvalid) as exc:
        goal_create(
            actor=manager, owner=rep, kind="deals_won", target=3,
            starts_on=datetime.date(2026, 5, 1), ends_on=datetime.date(2026, 4, 30),
        )  # fmt: skip
    assert exc.value.field == "ends_on" and "May 1, 2026" in exc.value.message


# --- The goals page ----------------------------------------------------------------------------


@pytest.fixture
def goals(admin, manager, rep, teammate, outsider, team_a, team_b, stages):
    return {
        "rita": goal_create(actor=manager, kind="deals_won", target=4, owner=rep),
        "tom": goal_create(actor=manager, kind="deals_started", target=6, owner=teammate),
        "team_a": goal_create(
            actor=manager,
            kind="deals_progressed",
            interval="week",
            target=5,
            team=team_a,
            stage=stages[2],
        ),  # fmt: skip
        "olga": goal_create(actor=admin, kind="deals_won", target=2, owner=outsider),
        "team_b": goal_create(actor=admin, kind="deals_won", target=7, team=team_b),
        "company": goal_create(actor=admin, kind="revenue", target="50000"),
    }


def test_a_rep_sees_own_team_and_company_goals_read_only(client, rep, goals, make_deal, stages):
    deal = make_deal(value=Decimal("1200"))
    services.deal_win(deal=deal, expected_version=deal.version, actor=rep)
    client.force_login(rep)
    page = client.get(reverse("pipeline:goals"))
    assert page.status_code == 200
    shown = {row.goal.pk for row in page.context["rows"]}
    assert shown == {goals["rita"].pk, goals["team_a"].pk, goals["company"].pk}
    html = page.content.decode()
    # Rita's deal won this month: 1 of 4; the company's revenue €1,200 of €50,000.
    row = re.search(rf'id="goal-{goals["rita"].pk}".*?</tr>', html, re.S).group(0)
    assert "1 / 4 this month" in row
    row = re.search(rf'id="goal-{goals["company"].pk}".*?</tr>', html, re.S).group(0)
    assert "€1,200 / €50,000 this month" in row
    assert "Edit" not in html and reverse("pipeline:goal_new") not in html
    assert client.get(reverse("pipeline:goal_new")).status_code == 403
    edit = reverse("pipeline:goal_edit", args=[goals["rita"].pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, _form(assignee=f"user:{rep.pk}", target="40")).status_code == 403
    delete = reverse("pipeline:goal_delete", args=[goals["rita"].pk])
    assert client.post(delete).status_code == 403
    # A colleague's goal does not exist for her.
    assert client.get(reverse("pipeline:goal_edit", args=[goals["tom"].pk])).status_code == 404
    assert Goal.objects.filter(pk=goals["rita"].pk, target=4).exists()


def test_a_manager_creates_edits_and_deletes_their_reps_goals(client, manager, rep, goals, stages):
    client.force_login(manager)
    page = client.get(reverse("pipeline:goals"))
    shown = {row.goal.pk for row in page.context["rows"]}
    assert shown == {goals[k].pk for k in ("rita", "tom", "team_a", "company")}
    editable = {row.goal.pk for row in page.context["rows"] if row.can_edit}
    assert editable == {goals[k].pk for k in ("rita", "tom", "team_a")}
    new = reverse("pipeline:goal_new")
    form = client.get(new)
    assert form.status_code == 200
    # Only her people and her team to choose from.
    choices = dict(form.context["form"].fields["assignee"].choices)
    assert set(choices) == {
        f"team:{rep.team_id}",
        f"user:{rep.pk}",
        f"user:{goals['tom'].owner_id}",
    }

    bad = client.post(new, _form(kind="deals_progressed", assignee=f"user:{rep.pk}"))
    assert bad.status_code == 422
    assert "Choose the stage deals must enter" in bad.content.decode()
    other = client.post(new, _form(assignee="company"))
    assert other.status_code == 422 and "Select a valid choice" in other.content.decode()
    junk = client.post(new, _form(assignee=f"user:{rep.pk}", target="lots", starts_on="soon"))
    assert junk.status_code == 422
    assert Goal.objects.count() == 6

    ok = client.post(
        new,
        _form(
            kind="deals_progressed", assignee=f"user:{rep.pk}", interval="week", target="3",
            pipeline=stages[0].pipeline_id, stage=stages[1].pk,
        ),
    )  # fmt: skip
    assert ok.status_code == 302 and ok["Location"] == reverse("pipeline:goals")
    created = Goal.objects.latest("id")
    assert (created.kind, created.stage, created.target, created.owner) == (
        "deals_progressed", stages[1], Decimal("3.00"), rep,
    )  # fmt: skip

    edit = reverse("pipeline:goal_edit", args=[created.pk])
    assert client.get(edit).context["form"].initial["target"] == 3
    changed = client.post(
        edit,
        _form(
            kind="deals_progressed", assignee=f"user:{rep.pk}", interval="month", target="8",
            stage=stages[2].pk,
        ),
    )  # fmt: skip
    assert changed.status_code == 302
    created.refresh_from_db()
    assert (created.interval, created.target, created.stage) == ("month", 8, stages[2])
    # The company's goal is visible to her but not hers to change.
    company = reverse("pipeline:goal_edit", args=[goals["company"].pk])
    assert client.get(company).status_code == 403
    assert client.post(reverse("pipeline:goal_delete", args=[created.pk])).status_code == 302
    assert not Goal.objects.filter(pk=created.pk).exists()
    assert client.get(reverse("pipeline:goal_edit", args=[999999])).status_code == 404


def test_the_goals_page_costs_the_same_queries_for_2_or_30_goals(
    client, manager, rep, teammate, team_a, stages, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("pipeline:goals")).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(manager)
    goal_create(actor=manager, kind="deals_won", target=3, owner=rep)
    goal_create(actor=manager, kind="activities_done", target=3, team=team_a)
    small = count()
    for i in range(14):
        goal_create(actor=manager, kind="deals_started", target=i + 1, owner=teammate)
        goal_create(
            actor=manager, kind="deals_progressed", target=i + 1, team=team_a, stage=stages[2]
        )
    # Queries: session, user, the manager's reps (visibility), goals, deals, stage changes,
    # activities, the reps again (edit rights), messages (+ savepoints of the test).
    with django_assert_max_num_queries(12):
        client.get(reverse("pipeline:goals"))
    assert count() == small + 1  # the stage changes' aggregate joins once there is a stage goal


def test_the_goals_page_is_linked_from_the_dashboard_and_planning(client, manager, pipeline):
    client.force_login(manager)
    url = reverse("pipeline:goals")
    assert url in client.get(reverse("metrics:dashboard")).content.decode()
    assert url in client.get(reverse("pipeline:my_activities")).content.decode()
    assert url in client.get(reverse("pipeline:activity_goals")).content.decode()


# --- The board's marks -------------------------------------------------------------------------


def _header(html: str, stage) -> str:  # noqa: ANN001
    return re.search(rf'id="column-header-{stage.pk}".*?</header>', html, re.S).group(0)


def test_board_marks_show_the_viewers_stage_goals(
    client, rep, teammate, outsider, manager, admin, team_a, team_b, stages, make_deal
):
    qualified, proposal = stages[1], stages[2]
    goal_create(actor=admin, kind="deals_progressed", target=10, stage=proposal)
    goal_create(
        actor=manager, kind="deals_progressed", interval="week", target=5, team=team_a,
        stage=proposal,
    )  # fmt: skip
    goal_create(actor=manager, kind="deals_progressed", target=3, owner=rep, stage=qualified)
    # Not rita's business: tom's own goal and team B's.
    goal_create(actor=manager, kind="deals_progressed", target=1, owner=teammate, stage=proposal)
    goal_create(actor=admin, kind="deals_progressed", target=2, team=team_b, stage=proposal)
    one, two = make_deal(title="One"), make_deal(title="Two")
    services.deal_move(deal=one, to_stage=proposal, expected_version=one.version, actor=rep)
    services.deal_move(deal=two, to_stage=qualified, expected_version=two.version, actor=rep)
    theirs = make_deal(title="Olga's", owner=outsider, actor=admin)
    services.deal_move(deal=theirs, to_stage=proposal, expected_version=1, actor=admin)

    client.force_login(rep)
    html = client.get(reverse("pipeline:board", args=[proposal.pipeline_id])).content.decode()
    # Proposal: rita's deal One (olga's is not team A's) → team 1 of 5 this week; the
    # company counts everyone's: One and Olga's → 2 of 10 this month.
    header = _header(html, proposal)
    assert header.count('role="meter"') == 2
    assert "1/5 this week" in header and "2/10 this month" in header
    assert 'aria-label="Company goal: 2 of 10 deals progressed into Proposal this month"' in header
    assert "Goal of team Team A: 1 of 5 deals progressed into Proposal this week" in header
    assert 'role="meter"' in header and 'aria-valuenow="2" aria-valuemax' not in header
    # Qualified: her own goal, Two → 1 of 3.
    header = _header(html, qualified)
    assert 'aria-label="Your goal: 1 of 3 deals progressed into Qualified this month"' in header
    assert "stage-goal" not in _header(html, stages[0])

    # A move answers with both headers, marks updated: Two enters Proposal too.
    two.refresh_from_db()
    response = client.post(
        reverse("pipeline:deal_move", args=[two.pk]),
        {"stage": proposal.pk, "version": two.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "2/5 this week" in _header(response.content.decode(), proposal)


@pytest.mark.parametrize("viewer", ["admin", "manager"])
def test_board_query_count_is_constant_with_goal_marks(
    client, admin, manager, rep, pipeline, other_pipeline, django_assert_max_num_queries, viewer
):
    from tests.pipeline.test_board_views import _build, _queries

    small_stages = _build(1, 1, other_pipeline, rep)
    big_stages = _build(8, 30, pipeline, rep)
    for stage in [*small_stages, *big_stages]:
        goal_create(actor=admin, kind="deals_progressed", target=10, stage=stage)
        goal_create(
            actor=admin, kind="deals_progressed", interval="quarter", target=50, stage=stage
        )
    client.force_login(admin if viewer == "admin" else manager)
    small = _queries(client, other_pipeline)
    # Queries: session, user, pipelines (the shown one among them), the board versions, stages,
    # totals, rates, stage goals, their one aggregate, cards, owners, lost reasons (+ the team
    # lookup for a manager's visibility, once for the whole board).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("pipeline:board", args=[pipeline.pk]))
    html = response.content.decode()
    assert html.count('role="meter"') == 16
    # Every deal of the 8 big columns was created there today: 30 of 10 (reached), 30 of 50.
    assert html.count("30/10 this month") == 8 and html.count("30/50 this quarter") == 8
    # Until the board changes, its counts come from the cache: one query less.
    assert _queries(client, pipeline) == small - 1
    cache.clear()
    assert _queries(client, pipeline) == small
    # A change of the board (a new deal entering the first stage) is counted at once.
    services.deal_create(actor=rep, title="New", pipeline_stage=big_stages[0], value=1)
    html = client.get(reverse("pipeline:board", args=[pipeline.pk])).content.decode()
    assert "31/10 this month" in _header(html, big_stages[0])


def test_a_company_mark_counts_a_move_the_viewer_cannot_see(
    client, rep, outsider, admin, stages, make_deal
):
    """Board polls compare per-owner versions (a rep's board does not redraw for deals they
    cannot see), but the cached counts of a company goal must still follow every owner."""
    goal_create(actor=admin, kind="deals_progressed", target=10, stage=stages[1])
    theirs = make_deal(title="Olga's", owner=outsider)
    client.force_login(rep)
    url = reverse("pipeline:board", args=[stages[0].pipeline_id])
    assert "0/10 this month" in _header(client.get(url).content.decode(), stages[1])

    services.deal_move(deal=theirs, to_stage=stages[1], expected_version=1, actor=outsider)
    assert "1/10 this month" in _header(client.get(url).content.decode(), stages[1])
