"""Issue 16 item 21, for contacts: a name (or any text) longer than its column is refused with
a message naming both lengths — by the services, the form, the API and the importer — never
cut silently to fit."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pipeline.models import Activity, Lead, Organization, Person
from pipeline.services.activities import activity_create
from pipeline.services.contacts import organization_create, person_create, person_update
from pipeline.services.leads import lead_create
from shared.errors import RuleViolation

pytestmark = pytest.mark.django_db

LONG = "N" * 201


def test_services_refuse_a_long_person_or_organization_name(rep):
    with pytest.raises(RuleViolation, match=r"at most 200 characters; this one has 201"):
        person_create(actor=rep, name=LONG)
    with pytest.raises(RuleViolation, match=r"at most 200 characters; this one has 5,000"):
        organization_create(actor=rep, name="O" * 5000)
    assert not Person.objects.exists()
    assert not Organization.objects.exists()
    # Exactly at the limit is fine, and stored whole.
    assert len(person_create(actor=rep, name="N" * 200).name) == 200


def test_services_refuse_other_long_contact_fields(rep):
    ann = person_create(actor=rep, name="Ann")
    with pytest.raises(RuleViolation, match="Job title"):
        person_update(person=ann, actor=rep, changes={"job_title": "J" * 101})
    with pytest.raises(RuleViolation, match="Phone"):
        person_update(person=ann, actor=rep, changes={"phone": "1" * 51})
    with pytest.raises(RuleViolation, match="Industry"):
        organization_create(actor=rep, name="Acme", industry="I" * 101)
    with pytest.raises(RuleViolation, match="Website"):
        organization_create(actor=rep, name="Acme", website="acme.test/" + "p" * 190)
    ann.refresh_from_db()
    assert (ann.job_title, ann.phone) == ("", "")


def test_lead_source_and_activity_subject_are_refused_not_cut(rep):
    org = organization_create(actor=rep, name="Acme")
    with pytest.raises(RuleViolation, match="Source"):
        lead_create(actor=rep, title="Lead", organization=org, source="S" * 101)
    with pytest.raises(RuleViolation, match="Subject"):
        activity_create(
            actor=rep,
            type="call",
            subject="S" * 201,
            due_date=datetime.date(2030, 1, 1),
            organization=org,
        )
    assert not Lead.objects.exists()
    assert not Activity.objects.exists()


def test_the_api_answers_400_naming_the_limit(rep):
    api = APIClient()
    api.force_authenticate(rep)
    r = api.post("/api/people/", {"name": "P" * 300}, format="json")
    # The serializer's own length check answers first; it names the limit and the field.
    assert r.status_code == 400, r.content
    assert r.json()["errors"]["name"] and "200" in r.content.decode()
    r = api.post("/api/organizations/", {"name": "O" * 300}, format="json")
    assert r.status_code == 400, r.content
    assert not Person.objects.exists() and not Organization.objects.exists()


def test_the_form_says_how_long_the_name_is(client, rep):
    client.force_login(rep)
    response = client.post(reverse("pipeline:organization_new"), {"name": "O" * 300})
    assert 400 <= response.status_code < 500
    assert "300" in response.text
    assert not Organization.objects.exists()


def test_the_api_refuses_a_long_subject_or_source_with_400(rep):
    org = organization_create(actor=rep, name="Acme")
    api = APIClient()
    api.force_authenticate(rep)
    r = api.post(
        "/api/activities/",
        {"type": "call", "subject": "S" * 201, "due_date": "2030-01-01", "organization": org.pk},
        format="json",
    )
    assert r.status_code == 400, r.content
    r = api.post(
        "/api/leads/",
        {"title": "Lead", "source": "S" * 101, "organization": org.pk},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert not Activity.objects.exists() and not Lead.objects.exists()
