"""bench/load.py end to end at a small scale (PostgreSQL only): real gunicorn, reps in two tabs
fighting over the same hot deals, then the consistency audit. The full-size run is `make load`
(figures in docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.db import connection

from tests.ops.servers import ROOT


@pytest.mark.django_db
def test_load_script_finds_no_server_error_and_a_consistent_database():
    if connection.vendor != "postgresql":
        pytest.skip("bench/load.py drives gunicorn on PostgreSQL (CI runs it)")
    db = connection.settings_dict
    maintenance = (
        f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@"
        f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py")]
        + ["--deals", "600", "--reps", "4", "--users", "4", "--duration", "8"]
        + ["--workers", "2", "--think", "0.05", "--postgres", maintenance]
        + ["--db-name", f"{db['NAME']}_load"[:63]],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    subprocess.run(
        ["psql", maintenance, "-qc", f'DROP DATABASE IF EXISTS "{db["NAME"]}_load" WITH (FORCE)'],
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    out = done.stdout
    assert "server errors (5xx or no answer): 0" in out
    # Every audit line passed, and moves were accepted (the audit counted real work).
    assert "| NO |" not in out
    assert "| move |" in out
