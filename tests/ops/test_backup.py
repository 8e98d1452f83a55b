"""`manage.py backup` / `manage.py restore`: a dump restored into an EMPTY database holds every
deal, history row and activity (pg_dump/pg_restore on PostgreSQL, the online backup API on
SQLite)."""

from __future__ import annotations

import datetime
import sqlite3
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, Deal, StageChange
from pipeline.services.backup import target_from_url

TABLES = {
    "pipeline_deal": "id, stage_id, status, version, value, currency",
    "pipeline_stagechange": "id, deal_id, to_stage_id, to_status",
    "pipeline_activity": "id, deal_id, subject, done_at IS NOT NULL",
}


def _rows(query_one, table: str) -> set[tuple]:
    return {
        tuple(str(v) for v in row)
        for row in query_one(f"SELECT {TABLES[table]} FROM {table}")  # noqa: S608 - constant
    }


def _app_rows(table: str) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {TABLES[table]} FROM {table}")  # noqa: S608 - constant
        return {tuple(str(v) for v in row) for row in cursor.fetchall()}


@pytest.fixture
def empty_database(transactional_db, tmp_path):
    """A URL to a database with no tables, on the same kind of server as the tests."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"[:63]
    base = (
        f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    )
    admin = [
        "psql",
        f"{base}/postgres",
        "-qc",
    ]
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True)
    yield f"{base}/{name}"
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)


def _query(url: str):
    target = target_from_url(url)
    if target.vendor == "sqlite":
        conn = sqlite3.connect(target.name)

        def run(sql: str) -> list[tuple]:
            return conn.execute(sql).fetchall()

        return run, conn.close
    import psycopg

    conn = psycopg.connect(
        host=target.host,
        port=target.port,
        user=target.user,
        password=target.password,
        dbname=target.name,
    )

    def run(sql: str) -> list[tuple]:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    return run, conn.close


def test_backup_restores_into_an_empty_database(
    empty_database, tmp_path, make_deal, stages, rep, lost_reason
):
    today = timezone.localdate()
    deals = [make_deal(title=f"Deal {i}") for i in range(5)]
    moved = services.deal_move(deal=deals[0], to_stage=stages[1], expected_version=1, actor=rep)
    services.deal_move(deal=moved, to_stage=stages[2], expected_version=2, actor=rep)
    services.deal_win(deal=deals[1], expected_version=1, actor=rep)
    services.deal_lose(deal=deals[2], expected_version=1, actor=rep, reason=lost_reason)
    services.activity_create(
        actor=rep, type="call", subject="Call back", due_date=today, deal=deals[3]
    )
    services.activity_create(
        actor=rep,
        type="meeting",
        subject="Kick-off",
        due_date=today - datetime.timedelta(days=2),
        deal=deals[4],
    )
    # 5 deals; history: 5 entries + 2 moves + 1 win + 1 loss = 9 rows; 2 activities.
    assert Deal.objects.count() == 5
    assert StageChange.objects.count() == 9
    assert Activity.objects.count() == 2

    dump = tmp_path / "stagecoach.backup"
    call_command("backup", output=str(dump))
    assert dump.stat().st_size > 0
    assert not dump.with_name(dump.name + ".partial").exists()

    call_command("restore", str(dump), database_url=empty_database)

    run, close = _query(empty_database)
    try:
        for table in TABLES:
            assert _rows(run, table) == _app_rows(table), table
        assert run("SELECT count(*) FROM pipeline_stagechange")[0][0] == 9
        # The restored copy is a working database: migrations recorded, users there.
        assert run("SELECT count(*) FROM django_migrations")[0][0] > 0
        assert run("SELECT count(*) FROM accounts_user WHERE username = 'rita'")[0][0] == 1
    finally:
        close()

    # A second restore into the now non-empty database is refused, not merged.
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dump), database_url=empty_database)


def test_restore_names_a_missing_file(tmp_path, empty_database):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "nope.dump"), database_url=empty_database)
