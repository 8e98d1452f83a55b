import pytest

from pipeline.models import Organization, Person
from pipeline.services.contacts import (
    organization_create,
    organization_update,
    person_create,
    person_update,
)
from shared.errors import DuplicateFound, NotAllowed, RuleViolation

pytestmark = pytest.mark.django_db


def test_person_with_a_known_email_is_offered_not_created(rep):
    anna = person_create(actor=rep, name="Anna Berg", email="anna@acme.test")
    with pytest.raises(DuplicateFound) as caught:
        person_create(actor=rep, name="A. Berg", email="  ANNA@acme.test ")
    assert caught.value.existing == [anna]
    assert caught.value.status_code == 409
    assert Person.objects.count() == 1


def test_a_second_email_counts_for_the_duplicate_guard(rep):
    anna = person_create(
        actor=rep, name="Anna Berg", email="anna@acme.test", other_emails="a.berg@home.test"
    )
    with pytest.raises(DuplicateFound) as caught:
        person_create(actor=rep, name="Someone", email="a.berg@home.test")
    assert caught.value.existing == [anna]


def test_the_user_may_insist_on_a_second_record(rep):
    person_create(actor=rep, name="Info desk", email="info@acme.test")
    person_create(actor=rep, name="Reception", email="info@acme.test", allow_duplicate=True)
    assert Person.objects.filter(email="info@acme.test").count() == 2


def test_changing_an_email_to_a_known_one_is_offered(rep):
    anna = person_create(actor=rep, name="Anna", email="anna@acme.test")
    bob = person_create(actor=rep, name="Bob", email="bob@acme.test")
    with pytest.raises(DuplicateFound):
        person_update(person=bob, actor=rep, changes={"email": "anna@acme.test"})
    # Saving a person with their own unchanged email is not a duplicate.
    person_update(person=anna, actor=rep, changes={"email": "anna@acme.test", "phone": "123"})
    assert Person.objects.get(pk=anna.pk).phone == "123"
    assert Person.objects.get(pk=bob.pk).email == "bob@acme.test"


def test_organization_names_match_ignoring_case_and_spacing(rep):
    acme = organization_create(actor=rep, name="Acme  Oy")
    with pytest.raises(DuplicateFound) as caught:
        organization_create(actor=rep, name=" acme oy")
    assert caught.value.existing == [acme]
    other = organization_create(actor=rep, name="Acme Ab")
    with pytest.raises(DuplicateFound):
        organization_update(organization=other, actor=rep, changes={"name": "ACME OY"})


def test_bad_values_are_refused_with_a_message(rep):
    with pytest.raises(RuleViolation, match="not an email"):
        person_create(actor=rep, name="X", email="not-an-email")
    with pytest.raises(RuleViolation, match="needs a name"):
        organization_create(actor=rep, name="   ")
    org = organization_create(actor=rep, name="Web Oy", website="web.example.com")
    assert org.website == "https://web.example.com"


def test_person_links_an_existing_organization_by_name_or_creates_it(rep):
    acme = organization_create(actor=rep, name="Acme")
    anna = person_create(actor=rep, name="Anna", organization_name="ACME")
    bob = person_create(actor=rep, name="Bob", organization_name="Brand New Ltd")
    assert anna.organization == acme
    assert bob.organization.name == "Brand New Ltd"
    assert Organization.objects.count() == 2


def test_a_rep_cannot_give_a_contact_to_another_team(rep, outsider, manager, teammate):
    with pytest.raises(NotAllowed):
        person_create(actor=rep, name="Anna", owner=outsider)
    # A manager may assign to their team.
    assert person_create(actor=manager, name="Bob", owner=teammate).owner == teammate
