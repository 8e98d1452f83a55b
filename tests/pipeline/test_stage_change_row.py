"""One builder of a stage-history row (issue 17): the services (`record_change`), the
stage-archive move and the importer all build their rows with `stage_change_row`, so the
same move gives the same row whichever door it came through."""

from __future__ import annotations

import pytest

from pipeline import services
from pipeline.models import Deal, StageChange
from pipeline.services import _common
from pipeline.services import stages as config
from pipeline.services.imports import ImportOptions, deal_import_apply
from pipeline.services.imports.deals import writing as deal_imports

pytestmark = pytest.mark.django_db


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str):
        path = tmp_path / "deals.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# Everything a row says about the move; the id, the deal, the time and the door differ.
SHAPE = (
    "pipeline_id",
    "from_stage_id",
    "to_stage_id",
    "from_status",
    "to_status",
    "user_id",
    "lost_reason_id",
    "note",
)


def _shape(change: StageChange) -> tuple:
    """The row's fields, and whether its stay began at the deal's previous row."""
    previous = (
        StageChange.objects.filter(deal_id=change.deal_id, timestamp__lt=change.timestamp)
        .order_by("-timestamp", "-id")
        .values_list("timestamp", flat=True)
        .first()
    )
    return (*(getattr(change, name) for name in SHAPE), change.stay_started_at == previous)


def _rows(deal: Deal) -> list[StageChange]:
    return list(StageChange.objects.filter(deal=deal).order_by("timestamp", "id"))


def test_a_move_and_the_stage_archive_move_write_the_same_row(admin, rep, make_deal, stages):
    by_service = make_deal(title="Moved", stage=stages[0], owner=rep, actor=admin)
    by_archive = make_deal(title="Swept", stage=stages[0], owner=rep, actor=admin)
    services.deal_move(
        deal=by_service, to_stage=stages[1], expected_version=1, actor=admin, source="board"
    )
    services.stage_archive(stage=stages[0], move_deals_to=stages[1], actor=admin)

    moved, swept = _rows(by_service)[-1], _rows(by_archive)[-1]
    assert (moved.source, swept.source) == ("board", "system")
    assert _shape(moved) == _shape(swept)
    assert _shape(moved) == (
        stages[0].pipeline_id,
        stages[0].pk,
        stages[1].pk,
        "open",
        "open",
        admin.pk,
        None,
        "",
        True,
    )


def test_an_imported_won_deal_has_the_rows_of_a_deal_created_and_won(
    write_csv, admin, make_deal, stages
):
    path = write_csv(
        "title,value,currency,stage,status,created_at,closed_at\n"
        f"Imported,300,EUR,{stages[3].name},won,2024-01-04T09:00:00+00:00,"
        "2024-03-01T12:00:00+00:00\n"
    )
    deal_import_apply(source=path, actor=admin, options=ImportOptions())
    imported = Deal.objects.get(title="Imported")
    by_service = make_deal(title="By hand", stage=stages[3], owner=admin, actor=admin)
    services.deal_win(deal=by_service, expected_version=1, actor=admin)

    imported_rows, service_rows = _rows(imported), _rows(by_service)
    assert [r.source for r in imported_rows] == ["import", "import"]
    assert [_shape(r) for r in imported_rows] == [_shape(r) for r in service_rows]
    entry, close = imported_rows
    assert (entry.stay_started_at, close.stay_started_at) == (None, imported.created_at)
    assert close.timestamp == imported.closed_at


def test_all_three_doors_build_their_rows_with_the_one_function(
    monkeypatch, write_csv, admin, make_deal, stages
):
    built: list[str] = []
    real = _common.stage_change_row

    def spy(**kwargs: object) -> StageChange:
        built.append(str(kwargs["source"]))
        return real(**kwargs)  # type: ignore[arg-type]

    for module in (_common, config, deal_imports):
        monkeypatch.setattr(module, "stage_change_row", spy)
    deal = make_deal(stage=stages[0], actor=admin)
    services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=admin)
    services.stage_archive(stage=stages[1], move_deals_to=stages[2], actor=admin)
    deal_import_apply(
        source=write_csv(f"title,stage\nImported,{stages[3].name}\n"),
        actor=admin,
        options=ImportOptions(),
    )
    assert sorted(set(built)) == ["board", "form", "import", "system"]
    assert len(built) == StageChange.objects.count()
