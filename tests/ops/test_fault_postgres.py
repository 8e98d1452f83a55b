"""PostgreSQL restarted while the app runs under gunicorn: during the outage every request
answers 503 with a message (never a 500 traceback page) and changes nothing; once the server
is back, the app recovers by itself (persistent connections with health checks) and the
session and data are intact.

Runs a private PostgreSQL cluster on its own port (never the machine's shared server)."""

from __future__ import annotations

import os

import psycopg
import pytest

from tests.ops.servers import AppServer, PrivatePostgres, app_env, csrf_from, form_login, manage


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("STAGECOACH_REQUIRE_WORKER", "") not in ("", "0"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def private_postgres():
    try:
        cluster = PrivatePostgres()
        cluster.start()
    except (FileNotFoundError, RuntimeError) as exc:
        _skip_or_fail(f"cannot run a private PostgreSQL cluster here: {exc}")
    try:
        yield cluster
    finally:
        cluster.destroy()


def _open_deal(url: str) -> tuple[int, int, int]:
    """A deal of alex's in the first stage: its id, version and the next stage's id."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """
            SELECT d.id, d.version, (
                SELECT s2.id FROM pipeline_stage s2
                WHERE s2.pipeline_id = s.pipeline_id AND s2.position > s.position
                ORDER BY s2.position LIMIT 1)
            FROM pipeline_deal d
            JOIN pipeline_stage s ON s.id = d.stage_id
            JOIN accounts_user u ON u.id = d.owner_id
            WHERE u.username = 'alex' AND d.status = 'open' AND s.position = 0
            ORDER BY d.id LIMIT 1
            """
        ).fetchone()
    return row


def _history(url: str, deal_id: int) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT d.stage_id, d.version, (SELECT count(*) FROM pipeline_stagechange c "
            "WHERE c.deal_id = d.id) FROM pipeline_deal d WHERE d.id = %s",
            [deal_id],
        ).fetchone()


def test_postgres_restart_fails_cleanly_and_recovers(private_postgres, tmp_path, static_root):
    url = private_postgres.createdb("stagecoach_wt9_fault")
    env = app_env(database_url=url, static_root=static_root, DB_CONN_MAX_AGE="600")
    manage(env, "migrate", "-v0")
    manage(env, "seed_demo", "--deals", "60", "--open-only")
    deal_id, version, next_stage = _open_deal(url)
    before = _history(url, deal_id)

    server = AppServer(env, workers=2)
    try:
        web = form_login(server.base, "alex", "stagecoach")
        board = web.get("/")
        assert board.status_code == 200
        token = csrf_from(web, board)
        # Every gunicorn worker holds a persistent connection before the restart.
        for _ in range(6):
            assert web.get("/").status_code == 200

        private_postgres.stop()

        page = web.get("/")
        assert page.status_code == 503
        assert "database is not answering" in page.text
        assert page.headers["Retry-After"] == "5"
        assert "Traceback" not in page.text
        move = web.post(
            f"/deals/{deal_id}/move/",
            data={"stage": next_stage, "version": version},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        assert move.status_code == 503
        assert move.headers["HX-Reswap"] == "none"
        assert "database is not answering" in move.text
        assert web.get("/healthz").status_code == 503
        for _ in range(4):
            assert web.get("/activities/").status_code == 503

        private_postgres.start()

        # Recovered by itself: every worker reconnects on its next request, still logged in.
        for _ in range(6):
            again = web.get("/")
            assert again.status_code == 200, again.text[:300]
            assert "alex" in again.text.lower() or "log out" in again.text.lower()
        # Nothing was half-applied by the refused move; the same move now succeeds once.
        assert _history(url, deal_id) == before
        moved = web.post(
            f"/deals/{deal_id}/move/",
            data={"stage": next_stage, "version": version},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        assert moved.status_code == 200, moved.text[:500]
        stage, new_version, changes = _history(url, deal_id)
        assert (stage, new_version, changes) == (next_stage, version + 1, before[2] + 1)
    finally:
        server.stop()
