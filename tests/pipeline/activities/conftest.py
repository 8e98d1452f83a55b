"""Fixtures for the activity tests: a deal with a contact, and an activity factory that goes
through the service."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.services.contacts import organization_create, person_create


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def acme(rep):
    return organization_create(actor=rep, name="Acme")


@pytest.fixture
def anna(rep, acme):
    return person_create(actor=rep, name="Anna Berg", email="anna@acme.test", organization=acme)


@pytest.fixture
def deal(make_deal, acme, anna):
    return make_deal(title="Acme rollout", organization=acme, person=anna)


@pytest.fixture
def schedule(rep, today):
    """services.activity_create with a day offset from today; open unless `done` is given."""

    def make(*, days: int = 0, actor=None, done: bool = False, **kw):
        actor = actor or kw.get("owner") or rep
        kw.setdefault("type", "call")
        kw.setdefault("subject", "")
        return services.activity_create(
            actor=actor, due_date=today + datetime.timedelta(days=days), done=done, **kw
        )

    return make
