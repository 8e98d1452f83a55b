"""Fixtures for the accounts tests: a small world every URL of the matrix can act on."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ApiToken
from accounts.services import api_token_create
from pipeline import services
from pipeline.models import (
    Activity,
    CalendarFeed,
    Deal,
    ImportJob,
    Lead,
    LostReason,
    Organization,
    Person,
    Stage,
)
from pipeline.services.imports import ImportOptions
from pipeline.services.imports.jobs import (
    import_job_configure,
    import_job_create,
    import_job_run_check,
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
    import_job: ImportJob


@pytest.fixture(autouse=True)
def _empty_cache():
    """Login throttling counts in the cache; every test starts with clean counters."""
    cache.clear()
    yield
    cache.clear()


def _checked_import(*, actor) -> ImportJob:  # noqa: ANN001
    """A deals file uploaded, mapped and checked (the check task's body run here, as the
    worker would): ready to match names or to apply."""
    upload = SimpleUploadedFile(
        "deals.csv", b"title,value,stage\nBeta renewal,200,Qualified\n", "text/csv"
    )
    job = import_job_create(actor=actor, kind="deals", upload=upload)
    import_job_configure(
        job=job,
        actor=actor,
        mapping={"title": "title", "value": "value", "stage": "stage"},
        options=ImportOptions(pipeline="Sales"),
    )
    import_job_run_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.report
    return job


@pytest.fixture
def world(
    make_deal,
    stages,
    rep,
    teammate,
    outsider,
    manager,
    other_manager,
    admin,
    lost_reason,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
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
    import_job = _checked_import(actor=rep)
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
        import_job=import_job,
    )
