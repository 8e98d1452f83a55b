"""Organization and people imports."""

from __future__ import annotations

import pytest

from pipeline.models import Organization, Person
from pipeline.services.imports import (
    ImportOptions,
    ImportRefused,
    organization_import_apply,
    person_import_apply,
    person_import_preview,
)
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_organizations_import_once(write_csv, admin):
    OrganizationFactory(name="Acme")
    path = write_csv("Name;Website;Industry\nAcme;acme.test;Steel\nBeta;beta.test;Food\n")
    report = organization_import_apply(source=path, actor=admin, options=ImportOptions())
    assert (report.created["organizations"], report.duplicates) == (1, 1)
    assert Organization.objects.get(name="Beta").website == "https://beta.test"
    again = organization_import_apply(source=path, actor=admin, options=ImportOptions())
    assert (again.created["organizations"], again.duplicates) == (0, 2)


def test_people_problems_and_unknown_organizations(write_csv, admin):
    path = write_csv(
        "name,email,organization,is_decision_maker\n"
        "Ann,ann@acme.test,Acme,yes\n"
        "Bob,not-an-email,Acme,\n"
        ",,,\n"
        ",,Acme,\n"
    )
    report = person_import_preview(source=path, actor=admin, options=ImportOptions())
    assert [(p["row"], p["column"]) for p in report.problems] == [(3, "email"), (5, "name")]
    assert report.unknown == {"organizations": ["Acme"]}
    with pytest.raises(ImportRefused):
        person_import_apply(source=path, actor=admin, options=ImportOptions(create_missing=True))
    assert not Person.objects.exists() and not Organization.objects.exists()


def test_people_import_creates_organizations_and_skips_known_emails(write_csv, admin):
    path = write_csv(
        "name,email,organization,is_decision_maker\n"
        "Ann,ANN@acme.test,Acme,yes\n"
        "Ann again,ann@acme.test,Acme,\n"
        "Carl,,Acme,no\n"
    )
    report = person_import_apply(
        source=path, actor=admin, options=ImportOptions(create_missing=True)
    )
    assert (report.created["people"], report.duplicates) == (2, 1)
    ann = Person.objects.get(email="ann@acme.test")
    assert (ann.name, ann.is_decision_maker, ann.organization.name) == ("Ann", True, "Acme")
    again = person_import_apply(source=path, actor=admin, options=ImportOptions())
    assert again.created["people"] == 0
    assert Person.objects.count() == 2
