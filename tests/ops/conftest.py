"""Fixtures for the fault tests: private servers (see servers.py) and the test database's URL
for processes started by a test."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from tests.ops.servers import PrivateRedis, collect_static


def _skip_or_fail(reason: str) -> None:
    # CI exports STAGECOACH_REQUIRE_WORKER: there a fault test that cannot run is a failure.
    if os.environ.get("STAGECOACH_REQUIRE_WORKER", "") not in ("", "0"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def shared_database_url(transactional_db) -> str:
    """The test database, reachable by a server or worker process the test starts."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@"
            f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    if connection.vendor == "sqlite" and db["NAME"] and "memory" not in str(db["NAME"]):
        return f"sqlite:///{db['NAME']}"
    _skip_or_fail(
        "the SQLite test database is in memory and other processes cannot open it; "
        "run on PostgreSQL (CI) or set SQLITE_TEST_NAME to a file path"
    )
    return ""


@pytest.fixture
def private_redis():
    try:
        redis = PrivateRedis()
    except FileNotFoundError as exc:
        _skip_or_fail(f"{exc}: the Redis fault tests start their own redis-server")
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def session_key(client):
    """Log a user in (through Django's session store) and return the session key for an HTTP
    client talking to a real server process."""

    def login(user) -> str:  # noqa: ANN001
        client.force_login(user)
        return client.cookies["sessionid"].value

    return login


# The local HTTP receiver of the webhook tests, for webhooks sent by a real worker.
from tests.webhooks.conftest import receiver  # noqa: E402, F401
