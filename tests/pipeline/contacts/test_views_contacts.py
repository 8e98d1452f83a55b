from decimal import Decimal

import pytest
from django.urls import reverse

from pipeline.models import Organization, Person
from pipeline.services.contacts import organization_create, person_create

pytestmark = pytest.mark.django_db


def test_people_list_searches(client, rep):
    client.force_login(rep)
    acme = organization_create(actor=rep, name="Acme")
    person_create(actor=rep, name="Anna Berg", email="anna@acme.test", organization=acme)
    person_create(actor=rep, name="Bob Other", email="bob@other.test")
    response = client.get(reverse("pipeline:people"), {"q": "acme"})
    assert response.status_code == 200
    assert "Anna Berg" in response.text
    assert "Bob Other" not in response.text


def test_people_list_pages_in_a_constant_number_of_queries(
    client, rep, django_assert_max_num_queries
):
    client.force_login(rep)
    url = reverse("pipeline:people")
    for i in range(3):
        person_create(actor=rep, name=f"Person {i:02d}", email=f"p{i}@x.test")
    client.get(url)  # creates the company settings row once
    # session, user, company settings (visibility), paginator count, the page of people
    # with organization, owner and open-deal count in one statement.
    with django_assert_max_num_queries(5):
        client.get(url)
    for i in range(3, 61):
        person_create(actor=rep, name=f"Person {i:02d}", email=f"p{i}@x.test")
    with django_assert_max_num_queries(5):
        response = client.get(url, {"page": 2})
    # 61 people, 50 a page: page 2 holds Person 50 to Person 60.
    assert "Person 50" in response.text and "Person 49" not in response.text
    assert "Page 2 of 2" in response.text


def test_open_deal_counts_only_count_what_the_user_may_see(client, rep, outsider, make_deal):
    acme = organization_create(actor=rep, name="Acme")
    make_deal(title="Mine", organization=acme)
    make_deal(title="Theirs", organization=acme, owner=outsider)
    client.force_login(rep)
    response = client.get(reverse("pipeline:organizations"))
    row = response.text.split("Acme</a>")[1].split("</tr>")[0]
    # people 0, open deals 1 (the outsider's deal is not visible to the rep)
    assert '<td class="num">0</td>' in row and '<td class="num">1</td>' in row
    page = client.get(reverse("pipeline:organization_detail", args=[acme.pk]))
    assert "Mine" in page.text and "Theirs" not in page.text


def test_create_with_a_known_email_offers_the_existing_person(client, rep):
    anna = person_create(actor=rep, name="Anna Berg", email="anna@acme.test")
    client.force_login(rep)
    url = reverse("pipeline:person_new")
    response = client.post(url, {"name": "Anna B.", "email": "anna@acme.test"})
    assert response.status_code == 409
    assert reverse("pipeline:person_detail", args=[anna.pk]) in response.text
    assert 'name="allow_duplicate" value="1"' in response.text
    assert Person.objects.count() == 1
    # The user chooses to keep both.
    response = client.post(
        url, {"name": "Anna B.", "email": "anna@acme.test", "allow_duplicate": "1"}
    )
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_bad_input_on_the_form_is_a_422_with_field_messages(client, rep):
    client.force_login(rep)
    response = client.post(reverse("pipeline:person_new"), {"name": "", "email": "nope"})
    assert response.status_code == 422
    assert "This field is required" in response.text
    assert "Enter a valid email address" in response.text


def test_edit_and_detail_pages(client, rep, make_deal):
    anna = person_create(actor=rep, name="Anna", email="anna@acme.test")
    make_deal(title="Anna's deal", person=anna, value=Decimal("10"))
    client.force_login(rep)
    response = client.post(
        reverse("pipeline:person_edit", args=[anna.pk]),
        {
            "name": "Anna Berg",
            "email": "anna@acme.test",
            "job_title": "CFO",
            "is_decision_maker": "on",
            "organization_name": "Acme",
            "other_phones": "1\n2",
        },
    )
    assert response.status_code == 302
    anna.refresh_from_db()
    assert (anna.name, anna.job_title, anna.is_decision_maker) == ("Anna Berg", "CFO", True)
    assert anna.organization.name == "Acme" and anna.other_phones == ["1", "2"]
    page = client.get(reverse("pipeline:person_detail", args=[anna.pk]))
    assert "Anna&#x27;s deal" in page.text and "Decision maker" in page.text
    note = client.post(
        reverse("pipeline:contact_note", args=["person", anna.pk]), {"body": "Likes golf"}
    )
    assert note.status_code == 302
    assert "Likes golf" in client.get(reverse("pipeline:person_detail", args=[anna.pk])).text


def test_unknown_person_is_a_404(client, rep):
    client.force_login(rep)
    assert client.get(reverse("pipeline:person_detail", args=[999])).status_code == 404


def test_board_quick_add_goes_through_the_organization_service(client, rep, pipeline, stages):
    client.force_login(rep)
    url = reverse("pipeline:deal_quick_add", args=[pipeline.pk])
    client.post(url, {"title": "One", "stage": stages[0].pk, "organization": "Nova Oy"})
    client.post(url, {"title": "Two", "stage": stages[0].pk, "organization": "nova oy"})
    orgs = list(Organization.objects.all())
    assert len(orgs) == 1 and orgs[0].owner == rep
    assert orgs[0].deals.count() == 2


def test_htmx_search_answers_with_the_list_only(client, rep):
    person_create(actor=rep, name="Anna Berg", email="anna@acme.test")
    client.force_login(rep)
    response = client.get(
        reverse("pipeline:people"),
        {"q": "anna"},
        headers={"HX-Request": "true", "HX-Target": "contact-list"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="contact-list">')
    assert "Anna Berg" in response.text and "<html" not in response.text
    assert "HX-Request" in response["Vary"]


def test_new_person_form_prefills_the_organization(client, rep):
    acme = organization_create(actor=rep, name="Acme")
    client.force_login(rep)
    page = client.get(reverse("pipeline:person_new"), {"organization": acme.pk})
    assert 'value="Acme"' in page.text
    assert client.get(reverse("pipeline:person_new"), {"organization": "x"}).status_code == 200


def test_person_page_costs_the_same_with_more_history(
    client, rep, make_deal, django_assert_max_num_queries
):
    from pipeline.services import activity_create
    from pipeline.services.contacts import note_create

    anna = person_create(actor=rep, name="Anna", email="anna@acme.test")
    client.force_login(rep)
    url = reverse("pipeline:person_detail", args=[anna.pk])

    def add_history(n):
        for i in range(n):
            deal = make_deal(title=f"Deal {i}", person=anna)
            activity_create(
                actor=rep,
                type="call",
                subject=f"Call {i}",
                due_date=deal.created_at.date(),
                deal=deal,
            )
            note_create(actor=rep, body=f"Note {i}", person=anna)

    add_history(1)
    client.get(url)
    # session, user, person, company settings (deal visibility), deals, activities, notes.
    with django_assert_max_num_queries(7):
        client.get(url)
    add_history(10)
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert "Deal 9" in response.text and "Note 9" in response.text


def test_notes_need_a_known_kind_and_a_body(client, rep):
    anna = person_create(actor=rep, name="Anna", email="anna@acme.test")
    client.force_login(rep)
    assert client.post(f"/contacts/deal/{anna.pk}/notes/", {"body": "x"}).status_code == 404
    empty = client.post(reverse("pipeline:contact_note", args=["person", anna.pk]), {"body": ""})
    assert empty.status_code == 422 and "Write something in the note" in empty.text
    assert not anna.notes_set.exists()


def test_a_manager_plans_an_activity_for_a_rep_from_a_person_page(client, manager, rep, outsider):
    from pipeline.models import Activity

    anna = person_create(actor=rep, name="Anna", email="anna@acme.test")
    client.force_login(manager)
    page = client.get(reverse("pipeline:person_detail", args=[anna.pk])).text
    assert 'name="owner"' in page and "Rita Rep" in page and "Olga" not in page
    data = {"type": "call", "due_date": "2030-01-15", "person": anna.pk, "owner": rep.pk}
    assert client.post(reverse("pipeline:activity_schedule"), data).status_code == 302
    assert Activity.objects.get().owner == rep
    refused = client.post(reverse("pipeline:activity_schedule"), data | {"owner": outsider.pk})
    assert refused.status_code == 422 and "Select a valid choice" in refused.text
    client.force_login(rep)
    assert 'name="owner"' not in client.get(reverse("pipeline:person_detail", args=[anna.pk])).text


def test_someone_elses_contact_is_refused_on_the_edit_form_as_over_the_api(client, rep, outsider):
    anna = person_create(actor=rep, name="Anna", email="anna@acme.test")
    client.force_login(outsider)
    response = client.post(
        reverse("pipeline:person_edit", args=[anna.pk]), {"name": "Anna B", "email": ""}
    )
    assert response.status_code == 403
    assert "belongs to Rita Rep" in response.text
    anna.refresh_from_db()
    assert (anna.name, anna.email) == ("Anna", "anna@acme.test")
