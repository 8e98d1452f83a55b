"""Issue 16 item 3: deals have notes (service, deal page, API), so the stage requirement
"A note is attached" can be met; issue 15 item 20: who may add notes, and what a rep who sees
colleagues' deals sees of their activities."""

import datetime

import pytest
from django.urls import reverse

from accounts.services import company_settings_update
from pipeline import services
from pipeline.models import Deal, Note
from shared.errors import NotAllowed, RuleViolation
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def note_stage(stages):
    stages[1].requirements = ["note"]
    stages[1].save()
    return stages[1]


def test_a_note_on_the_deal_meets_the_requirement(make_deal, note_stage, rep):
    deal = make_deal()
    with pytest.raises(RuleViolation, match="a note is attached"):
        services.deal_move(deal=deal, to_stage=note_stage, expected_version=1, actor=rep)
    services.note_create(actor=rep, body="Budget confirmed by phone", deal=deal)
    moved = services.deal_move(deal=deal, to_stage=note_stage, expected_version=1, actor=rep)
    assert moved.stage_id == note_stage.pk


def test_a_note_on_the_contact_person_does_not_count(make_deal, note_stage, rep):
    person = PersonFactory()
    deal = make_deal(person=person)
    services.note_create(actor=rep, body="Likes golf", person=person)
    with pytest.raises(RuleViolation, match="a note is attached"):
        services.deal_move(deal=deal, to_stage=note_stage, expected_version=1, actor=rep)


def test_only_who_may_change_the_deal_adds_notes_to_it(make_deal, rep, teammate, manager, admin):
    company_settings_update(actor=admin, reps_see_all_deals=True)
    deal = make_deal()
    with pytest.raises(NotAllowed):
        services.note_create(actor=teammate, body="Drive-by", deal=deal)
    services.note_create(actor=manager, body="Coaching note", deal=deal)
    assert [n.author for n in Note.objects.filter(deal=deal)] == [manager]


def test_anyone_adds_notes_to_contacts_they_may_not_edit(teammate, rep):
    """Issue 15 item 20, decided: contacts are the shared address book; a note adds an
    authored line and changes none of the contact's fields."""
    person = services.person_create(actor=rep, name="Pat Buyer")
    with pytest.raises(NotAllowed):
        services.person_update(person=person, actor=teammate, changes={"name": "X"})
    note = services.note_create(actor=teammate, body="Met at the fair", person=person)
    assert (note.author, note.person) == (teammate, person)


def test_a_note_belongs_to_exactly_one_thing_and_is_never_cut(make_deal, rep):
    deal = make_deal()
    person = PersonFactory()
    with pytest.raises(RuleViolation):
        services.note_create(actor=rep, body="x", deal=deal, person=person)
    with pytest.raises(RuleViolation):
        services.note_create(actor=rep, body="x")
    with pytest.raises(RuleViolation) as err:
        services.note_create(actor=rep, body="a" * 10_001, deal=deal)
    assert "at most 10,000 characters; this one has 10,001" in err.value.message
    assert not Note.objects.exists()


def test_note_box_on_the_deal_page_without_javascript(client, rep, make_deal):
    deal = make_deal()
    client.force_login(rep)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()
    assert f'action="{reverse("pipeline:deal_note", args=[deal.pk])}"' in page
    response = client.post(reverse("pipeline:deal_note", args=[deal.pk]), {"body": "Hello"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Hello" in page and "Note added." in page


def test_a_refused_note_keeps_the_text(client, rep, make_deal):
    deal = make_deal()
    client.force_login(rep)
    text = "Long story. " * 900  # 10,800 characters
    response = client.post(reverse("pipeline:deal_note", args=[deal.pk]), {"body": text})
    assert response.status_code == 422
    page = response.content.decode()
    assert text.strip() in page and "10,000" in page
    assert not Note.objects.exists()


def test_note_box_with_htmx_answers_the_timeline(client, rep, make_deal):
    deal = make_deal()
    client.force_login(rep)
    response = client.post(reverse("pipeline:deal_note", args=[deal.pk]), {"body": "Hi"}, **HX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="deal-timeline">') and "Hi" in page
    assert "<html" not in page
    response = client.post(reverse("pipeline:deal_note", args=[deal.pk]), {"body": " "}, **HX)
    assert response.status_code == 422 and 'class="toast' in response.content.decode()


def test_colleague_sees_notes_but_has_no_note_box(client, rep, teammate, make_deal, admin):
    company_settings_update(actor=admin, reps_see_all_deals=True)
    deal = make_deal()
    services.note_create(actor=rep, body="Only for my eyes? No: for the team", deal=deal)
    client.force_login(teammate)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()
    assert "for the team" in page and 'name="body"' not in page
    response = client.post(reverse("pipeline:deal_note", args=[deal.pk]), {"body": "x"})
    assert response.status_code == 403


def test_api_lists_and_adds_deal_notes(make_deal, rep, teammate, outsider):
    from rest_framework.test import APIClient

    deal = make_deal()
    person = PersonFactory()
    Deal.objects.filter(pk=deal.pk).update(person=person)
    services.note_create(actor=rep, body="On the person", person=person)
    api = APIClient()
    api.force_login(rep)
    created = api.post(f"/api/deals/{deal.pk}/notes/", {"body": "Call went well"}, format="json")
    assert created.status_code == 201
    assert created.json()["deal"] == deal.pk and created.json()["author"] == rep.pk
    listed = api.get(f"/api/deals/{deal.pk}/notes/").json()
    assert [n["body"] for n in listed["results"]] == ["Call went well"]
    assert api.post(f"/api/deals/{deal.pk}/notes/", {"body": ""}, format="json").status_code == 400
    api.force_login(teammate)
    assert api.get(f"/api/deals/{deal.pk}/notes/").status_code == 404
    api.force_login(outsider)
    assert api.post(f"/api/deals/{deal.pk}/notes/", {"body": "x"}, format="json").status_code == 404
    schema = APIClient().get("/api/schema/").content.decode()
    assert "/api/deals/{id}/notes/:" in schema and "NoteCreate" in schema


def test_deal_page_and_api_agree_on_a_colleagues_activities(
    client, rep, teammate, make_deal, admin
):
    """Issue 15 item 20: with "reps see colleagues' deals" the deal page lists the deal's
    activities; the API shows the same ones (read-only), instead of "not found"."""
    from rest_framework.test import APIClient

    deal = make_deal()
    activity = services.activity_create(
        actor=rep,
        type="call",
        subject="Pricing call",
        due_date=datetime.date(2027, 1, 5),
        deal=deal,
    )
    api = APIClient()
    api.force_login(teammate)
    assert api.get(f"/api/activities/{activity.pk}/").status_code == 404
    company_settings_update(actor=admin, reps_see_all_deals=True)
    client.force_login(teammate)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()
    assert "Pricing call" in page
    assert api.get(f"/api/activities/{activity.pk}/").json()["subject"] == "Pricing call"
    listed = api.get("/api/activities/", {"deal": deal.pk}).json()["results"]
    assert [a["id"] for a in listed] == [activity.pk]
    # Seeing is not changing.
    response = api.patch(f"/api/activities/{activity.pk}/", {"done": True}, format="json")
    assert response.status_code == 403


def test_a_requirement_may_accept_a_note_on_the_contact_person(make_deal, stages, rep):
    stages[1].requirements = ["note_or_contact"]
    stages[1].save()
    person = PersonFactory()
    deal = make_deal(person=person)
    with pytest.raises(RuleViolation, match="a note on the deal or its contact person"):
        services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    services.note_create(actor=rep, body="Likes golf", person=person)
    moved = services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    assert moved.stage_id == stages[1].pk


def test_a_deal_note_meets_the_deal_or_contact_requirement(make_deal, stages, rep):
    stages[1].requirements = ["note_or_contact"]
    stages[1].save()
    deal = make_deal()
    services.note_create(actor=rep, body="Budget confirmed", deal=deal)
    moved = services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    assert moved.stage_id == stages[1].pk


def test_a_colleagues_activity_page_is_read_only(client, rep, teammate, make_deal, admin):
    company_settings_update(actor=admin, reps_see_all_deals=True)
    activity = services.activity_create(
        actor=rep,
        type="call",
        subject="Pricing call",
        due_date=datetime.date(2027, 1, 5),
        deal=make_deal(),
    )
    client.force_login(teammate)
    page = client.get(reverse("pipeline:activity_detail", args=[activity.pk])).content.decode()
    assert "Pricing call" in page and "You can see this activity but not change it." in page
    assert 'name="outcome"' not in page
    client.force_login(rep)
    page = client.get(reverse("pipeline:activity_detail", args=[activity.pk])).content.decode()
    assert 'name="outcome"' in page
