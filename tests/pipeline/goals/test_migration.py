"""The migration that makes one goal model: rows of pipeline.ActivityGoal and metrics.Goal,
written by hand in the old schema, arrive in pipeline.Goal, and going back restores them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD = [
    ("pipeline", "0010_issue7_stay_started_last_done"),
    ("metrics", "0001_issue7_snapshots_goals"),
]
NEW = [("pipeline", "0012_remove_activitygoal"), ("metrics", "0002_remove_goal_moved_to_pipeline")]


def _migrate(targets):  # noqa: ANN001, ANN202
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The state of every other app at its latest migration (their tables stay as they are).
    others = [
        n
        for n in executor.loader.graph.leaf_nodes()
        if n[0] not in {"pipeline", "metrics", "shared"}
    ]
    return MigrationExecutor(connection).loader.project_state([*targets, *others]).apps


@pytest.mark.django_db(transaction=True)
def test_old_goals_move_into_one_model_and_back(settings):
    settings.TIME_ZONE = "UTC"
    apps = _migrate(OLD)
    try:
        User = apps.get_model("accounts", "User")
        Team = apps.get_model("accounts", "Team")
        Pipeline = apps.get_model("pipeline", "Pipeline")
        Stage = apps.get_model("pipeline", "Stage")
        ActivityGoal = apps.get_model("pipeline", "ActivityGoal")
        OldGoal = apps.get_model("metrics", "Goal")
        mona = User.objects.create(username="mona", role="manager")
        team = Team.objects.create(name="Field", manager=mona)
        rita = User.objects.create(username="rita", role="rep", team=team)
        sales = Pipeline.objects.create(name="Sales")
        proposal = Stage.objects.create(pipeline=sales, name="Proposal", position=2)
        # Set on Thursday 2026-03-12: counts from Monday 03-09.
        thursday = datetime.datetime(2026, 3, 12, 15, 30, tzinfo=datetime.UTC)
        for metric, target in [("call", 20), ("new_deal", 5), ("new_conv", 10), ("demo", 0)]:
            ActivityGoal.objects.create(
                owner=rita, metric=metric, weekly_target=target, set_by=mona, updated_at=thursday
            )
        start = datetime.date(2026, 1, 1)
        OldGoal.objects.create(
            kind="revenue", interval="month", target=Decimal("50000"), currency="EUR",
            starts_on=start,
        )  # fmt: skip
        OldGoal.objects.create(
            kind="deals_progressed", interval="quarter", team=team, pipeline=sales,
            stage=proposal, target=Decimal("12"), starts_on=start,
            ends_on=datetime.date(2026, 12, 31),
        )  # fmt: skip
        OldGoal.objects.create(
            kind="activities_added", interval="week", owner=rita, activity_type="Meeting",
            target=Decimal("4"), starts_on=start,
        )  # fmt: skip
        # Never counted anything: a free-text type, and an end before the start.
        OldGoal.objects.create(
            kind="activities_done", interval="week", activity_type="lunch", target=1,
            starts_on=start,
        )  # fmt: skip
        OldGoal.objects.create(
            kind="deals_won", interval="month", target=1, starts_on=start,
            ends_on=datetime.date(2025, 6, 1),
        )  # fmt: skip

        apps = _migrate(NEW)
        Goal = apps.get_model("pipeline", "Goal")
        rows = {
            (
                g.kind, g.interval, g.activity_type, g.owner_id, g.team_id, g.stage_id,
                g.target, g.starts_on, g.ends_on, g.set_by_id,
            )
            for g in Goal.objects.all()
        }  # fmt: skip
        monday = datetime.date(2026, 3, 9)
        assert rows == {
            # From metrics.Goal (the type normalised to lower case):
            ("revenue", "month", "", None, None, None, Decimal("50000.00"), start, None, None),
            (
                "deals_progressed",
                "quarter",
                "",
                None,
                team.pk,
                proposal.pk,
                Decimal("12.00"),
                start,
                datetime.date(2026, 12, 31),
                None,
            ),  # fmt: skip
            (
                "activities_added",
                "week",
                "meeting",
                rita.pk,
                None,
                None,
                Decimal("4.00"),
                start,
                None,
                None,
            ),  # fmt: skip
            # From ActivityGoal (the 0 demo target was "no target"):
            (
                "activities_done",
                "week",
                "call",
                rita.pk,
                None,
                None,
                Decimal("20.00"),
                monday,
                None,
                mona.pk,
            ),  # fmt: skip
            (
                "deals_started",
                "week",
                "",
                rita.pk,
                None,
                None,
                Decimal("5.00"),
                monday,
                None,
                mona.pk,
            ),  # fmt: skip
            (
                "conversations",
                "week",
                "",
                rita.pk,
                None,
                None,
                Decimal("10.00"),
                monday,
                None,
                mona.pk,
            ),  # fmt: skip
        }
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        assert "pipeline_activitygoal" not in tables and "metrics_goal" not in tables

        apps = _migrate(OLD)
        ActivityGoal = apps.get_model("pipeline", "ActivityGoal")
        OldGoal = apps.get_model("metrics", "Goal")
        assert {
            (a.owner_id, a.metric, a.weekly_target, a.set_by_id) for a in ActivityGoal.objects.all()
        } == {  # noqa: E501
            (rita.pk, "call", 20, mona.pk),
            (rita.pk, "new_deal", 5, mona.pk),
            (rita.pk, "new_conv", 10, mona.pk),
            # A rep's open-ended weekly goal of a table kind goes back to the weekly table.
        }
        assert sorted(
            (g.kind, g.interval, g.activity_type, g.team_id, g.target)
            for g in OldGoal.objects.all()
        ) == [
            ("activities_added", "week", "meeting", None, Decimal("4.00")),
            ("deals_progressed", "quarter", "", team.pk, Decimal("12.00")),
            ("revenue", "month", "", None, Decimal("50000.00")),
        ]
    finally:
        # Back to the newest migration of every app, not just NEW: later migrations (the
        # board versions, …) must exist again for the tests that run after this one.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
