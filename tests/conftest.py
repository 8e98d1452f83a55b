"""Personas and a small pipeline shared by every test.

Personas: `rep` (Rita, team A), `teammate` (Tom, team A), `outsider` (Olga, team B),
`manager` (Mona, manages team A), `other_manager` (Otto, manages team B), `admin` (Ada).
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from accounts.models import User
from pipeline import services
from pipeline.models import Deal, Stage
from tests.factories import (
    LostReasonFactory,
    PipelineFactory,
    StageFactory,
    TeamFactory,
    UserFactory,
)

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check
# would otherwise refuse ORM calls made by the browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clean_cache():
    """Every test starts with an empty cache: cached lookups (webhook subscriptions, login
    throttling counts) must not outlive the rows a previous test created."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Unit tests run tasks in-process; tests marked `celery_worker` use a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def manager(db) -> User:
    return UserFactory(username="mona", first_name="Mona", last_name="Manager", role="manager")


@pytest.fixture
def other_manager(db) -> User:
    return UserFactory(username="otto", first_name="Otto", last_name="Other", role="manager")


@pytest.fixture
def team_a(manager):
    return TeamFactory(name="Team A", manager=manager)


@pytest.fixture
def team_b(other_manager):
    return TeamFactory(name="Team B", manager=other_manager)


@pytest.fixture
def rep(team_a) -> User:
    return UserFactory(username="rita", first_name="Rita", last_name="Rep", team=team_a)


@pytest.fixture
def teammate(team_a) -> User:
    return UserFactory(username="tom", first_name="Tom", last_name="Teammate", team=team_a)


@pytest.fixture
def outsider(team_b) -> User:
    return UserFactory(username="olga", first_name="Olga", last_name="Outsider", team=team_b)


@pytest.fixture
def admin(db) -> User:
    return UserFactory(
        username="ada",
        first_name="Ada",
        last_name="Admin",
        role="admin",
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def usd(admin) -> str:
    """USD enabled beside the base currency (EUR), without a rate: deals may only use the
    company's enabled currencies (issue 10)."""
    from pipeline.services.currencies import currency_enable

    currency_enable(code="USD", actor=admin)
    return "USD"


@pytest.fixture
def pipeline(db):
    p = PipelineFactory(name="Sales")
    for i, (name, prob) in enumerate(
        [("Lead in", 10), ("Qualified", 30), ("Proposal", 60), ("Negotiation", 80)]
    ):
        StageFactory(pipeline=p, name=name, position=i, win_probability=prob)
    return p


@pytest.fixture
def stages(pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("position"))


@pytest.fixture
def other_pipeline(db):
    p = PipelineFactory(name="Partners")
    StageFactory(pipeline=p, name="Intro", position=0, win_probability=10)
    StageFactory(pipeline=p, name="Pilot", position=1, win_probability=50)
    return p


@pytest.fixture
def lost_reason(db):
    return LostReasonFactory(name="Price too high")


@pytest.fixture
def make_deal(stages, rep):
    """Create a deal through the service, as a user would."""

    def make(
        *, title: str = "Deal", stage: Stage | None = None, owner: User | None = None, **kw
    ) -> Deal:
        owner = owner or rep
        return services.deal_create(
            actor=kw.pop("actor", owner),
            title=title,
            pipeline_stage=stage or stages[0],
            owner=owner,
            value=kw.pop("value", Decimal("1000")),
            **kw,
        )

    return make


def _require(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0")


@pytest.fixture
def celery_worker_queue(transactional_db):
    """A real Celery worker process on Redis, reading the test database.

    Yields the name of a queue only this worker consumes. Skips (fails in CI) without
    REDIS_URL, and on an in-memory SQLite test database, which another process cannot open.
    """
    import subprocess
    import sys
    import uuid

    from django.db import connection

    from config.celery import app

    redis_url = os.environ.get("REDIS_URL")
    reason = ""
    db = connection.settings_dict
    if not redis_url:
        reason = "REDIS_URL is not set: the real-worker tests need Redis (CI sets it)"
    elif connection.vendor == "postgresql":
        database_url = (
            f"postgres://{db['USER'] or 'postgres'}:{db['PASSWORD'] or ''}@"
            f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    elif connection.vendor == "sqlite" and "memory" not in str(db["NAME"]) and db["NAME"]:
        database_url = f"sqlite:///{db['NAME']}"
    else:
        reason = "the SQLite test database is in memory; set SQLITE_TEST_NAME to a file path"
    if reason:
        if _require("STAGECOACH_REQUIRE_WORKER"):
            pytest.fail(reason)
        pytest.skip(reason)

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "1",
        "DB_CONN_MAX_AGE": "0",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
            "-l",
            "warning",
        ],
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
