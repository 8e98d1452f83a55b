"""Two writers at the same moment, on real connections: exactly one move wins."""

import threading

import pytest
from django.db import connection, connections

from pipeline import services
from pipeline.models import Deal, StageChange, StageTotal
from shared.errors import VersionConflict


@pytest.mark.django_db(transaction=True)
def test_simultaneous_moves_with_the_same_version(rep, make_deal, stages):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a shared database: runs on PostgreSQL (CI) or a SQLite file")
    deal = make_deal()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(stage):
        try:
            barrier.wait(timeout=10)
            services.deal_move(deal=deal, to_stage=stage, expected_version=1, actor=rep)
            outcomes.append("moved")
        except VersionConflict:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(s,)) for s in (stages[1], stages[2])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "moved"]
    fresh = Deal.objects.get(pk=deal.pk)
    assert fresh.version == 2
    last = StageChange.objects.filter(deal=deal).latest("id")
    assert last.to_stage_id == fresh.stage_id
    assert StageChange.objects.filter(deal=deal).count() == 2
    counts = dict(StageTotal.objects.values_list("stage_id", "open_count"))
    assert counts.get(fresh.stage_id) == 1 and sum(counts.values()) == 1
