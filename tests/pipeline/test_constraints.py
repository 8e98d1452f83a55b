"""Invariants the database itself enforces, on SQLite and PostgreSQL alike."""

import pytest
from django.db import IntegrityError, transaction

from pipeline.models import Activity, Deal, Stage
from tests.factories import StageFactory

pytestmark = pytest.mark.django_db


def _raw_deal(stage, owner, **kw):
    return Deal(title="x", pipeline=stage.pipeline, stage=stage, owner=owner, **kw)


@pytest.mark.parametrize(
    "fields",
    [
        {"value": -1},
        {"status": "maybe"},
        {"status": "won"},  # closed without closed_at
        {"status": "lost", "closed_at": "2025-01-01T00:00:00Z"},  # lost without reason
    ],
)
def test_deal_constraints(stages, rep, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_deal(stages[0], rep, **fields).save()


def test_probability_must_be_within_0_and_100(pipeline):
    with pytest.raises(IntegrityError), transaction.atomic():
        StageFactory(pipeline=pipeline, position=99, win_probability=101)


def test_stage_positions_are_unique_per_pipeline(pipeline, other_pipeline):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stage.objects.create(pipeline=pipeline, name="Dup", position=0)
    Stage.objects.create(pipeline=other_pipeline, name="Fine", position=5)


def test_activity_must_point_at_something(rep):
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(type="call", subject="x", due_date="2025-01-01", owner=rep)
