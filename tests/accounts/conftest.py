"""Fixtures for the accounts tests: a small world every URL of the matrix can act on."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from accounts.models import ApiToken
from accounts.services import api_token_create
from pipeline import services
from pipeline.models import (
    Activity,
    CalendarFeed,
    Deal,
    Lead,
    LostReason,
    Organization,
    Person,
    Stage,
)


@dataclass
class World:
    deal: Deal
    activity: Activity
    stages: list[Stage]
    lost_reason: LostReason
    token: ApiToken
    organization: Organization
    person: Person
    lead: Lead
    feed: CalendarFeed


@pytest.fixture(autouse=True)
def _empty_cache():
    """Login throttling counts in the cache; every test starts with clean counters."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(make_deal, stages, rep, teammate, outsider, manager, other_manager, admin, lost_reason):
    deal = make_deal(title="Acme renewal", owner=rep)
    activity = services.activity_create(
        actor=rep,
        deal=deal,
        type="call",
        subject="Call the buyer",
        due_date=datetime.date.today() + datetime.timedelta(days=2),
    )
    deal.refresh_from_db()
    token, _key = api_token_create(user=rep, name="Zapier")
    organization = services.organization_create(actor=rep, name="Acme Oy")
    person = services.person_create(
        actor=rep, name="Anna Berg", email="anna@acme.example", organization=organization
    )
    lead = services.lead_create(actor=rep, title="Inbound: Acme", person=person)
    feed = services.calendar_feed_rotate(actor=rep)
    return World(
        deal=deal,
        activity=activity,
        stages=stages,
        lost_reason=lost_reason,
        token=token,
        organization=organization,
        person=person,
        lead=lead,
        feed=feed,
    )
