"""People, organizations, activities, leads, history and configuration over the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import CompanySettings
from pipeline import services
from pipeline.models import Activity, Deal, Lead, Organization, Person
from tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_organization_and_person_create_and_patch(api_rep, rep):
    r = api_rep.post(
        "/api/organizations/", {"name": "Acme", "industry": "Steel", "owner": rep.pk}, format="json"
    )
    assert r.status_code == 201, r.content
    org_id = r.json()["id"]
    r = api_rep.post(
        "/api/people/",
        {"name": "Ann Buyer", "email": "ANN@Acme.test", "organization": org_id},
        format="json",
    )
    assert r.status_code == 201, r.content
    person = Person.objects.get(pk=r.json()["id"])
    assert (person.email, person.organization_id) == ("ann@acme.test", org_id)

    r = api_rep.patch(f"/api/people/{person.pk}/", {"job_title": "CFO"}, format="json")
    assert r.status_code == 200 and r.json()["job_title"] == "CFO"
    r = api_rep.patch(f"/api/organizations/{org_id}/", {"name": "  "}, format="json")
    assert r.status_code == 400
    assert Organization.objects.get(pk=org_id).name == "Acme"


def test_someone_elses_organization_cannot_be_changed(api_outsider, rep):
    org = OrganizationFactory(name="Acme", owner=rep)
    # Contacts are shared: visible to everyone...
    assert api_outsider.get(f"/api/organizations/{org.pk}/").status_code == 200
    # ...but only the owner's side may change them.
    r = api_outsider.patch(f"/api/organizations/{org.pk}/", {"name": "Mine"}, format="json")
    assert r.status_code == 403
    assert Organization.objects.get(pk=org.pk).name == "Acme"


def test_activity_create_sets_the_deals_next_step_and_patch_completes_it(api_rep, make_deal):
    deal = make_deal()
    due = timezone.localdate() + datetime.timedelta(days=2)
    r = api_rep.post(
        "/api/activities/",
        {"type": "meeting", "subject": "Kick-off", "due_date": due.isoformat(), "deal": deal.pk},
        format="json",
    )
    assert r.status_code == 201, r.content
    activity_id = r.json()["id"]
    assert r.json()["done"] is False
    assert Deal.objects.get(pk=deal.pk).next_activity_id == activity_id

    r = api_rep.patch(f"/api/activities/{activity_id}/", {"done": True}, format="json")
    assert r.status_code == 200 and r.json()["done"] is True
    assert Deal.objects.get(pk=deal.pk).next_activity_id is None

    r = api_rep.get("/api/activities/?done=true")
    assert [a["id"] for a in r.json()["results"]] == [activity_id]
    assert api_rep.get("/api/activities/?done=false").json()["count"] == 0


def test_activity_needs_a_subject_record(api_rep):
    r = api_rep.post("/api/activities/", {"type": "call", "due_date": "2030-01-01"}, format="json")
    assert r.status_code == 400
    assert "deal" in r.json()["errors"]


def test_lead_create_and_convert(api_rep, stages, rep):
    person = PersonFactory(name="Lee")
    r = api_rep.post(
        "/api/leads/",
        {"title": "Inbound", "person": person.pk, "expected_value": "300", "currency": "EUR"},
        format="json",
    )
    assert r.status_code == 201, r.content
    lead_id = r.json()["id"]
    r = api_rep.post(f"/api/leads/{lead_id}/convert/", {"stage": stages[0].pk}, format="json")
    assert r.status_code == 201, r.content
    deal = Deal.objects.get(pk=r.json()["id"])
    assert (deal.person, deal.value, deal.owner) == (person, Decimal("300.00"), rep)
    assert Lead.objects.get(pk=lead_id).status == "converted"
    again = api_rep.post(f"/api/leads/{lead_id}/convert/", {"stage": stages[0].pk}, format="json")
    assert again.status_code == 422


def test_leads_of_others_are_invisible(api_outsider, rep):
    lead = Lead.objects.create(title="Hidden", owner=rep)
    assert api_outsider.get(f"/api/leads/{lead.pk}/").status_code == 404
    assert api_outsider.get("/api/leads/").json()["count"] == 0


def test_stage_history_is_read_only_and_scoped(api_rep, api_outsider, make_deal, stages, rep):
    deal = make_deal()
    services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    rows = api_rep.get(f"/api/stage-changes/?deal={deal.pk}").json()["results"]
    assert [(r["from_stage"], r["to_stage"]) for r in rows] == [
        (None, stages[0].pk),
        (stages[0].pk, stages[1].pk),
    ]
    assert api_outsider.get("/api/stage-changes/").json()["count"] == 0
    assert api_rep.post("/api/stage-changes/", {}, format="json").status_code == 405


def test_configuration_lists_are_read_only(api_rep, pipeline, stages, lost_reason):
    assert [p["name"] for p in api_rep.get("/api/pipelines/").json()["results"]] == ["Sales"]
    names = [
        s["name"] for s in api_rep.get(f"/api/stages/?pipeline={pipeline.pk}").json()["results"]
    ]
    assert names == ["Lead in", "Qualified", "Proposal", "Negotiation"]
    assert api_rep.get("/api/lost-reasons/").json()["results"][0]["name"] == "Price too high"
    assert api_rep.post("/api/pipelines/", {"name": "X"}, format="json").status_code == 405
    users = [u for u in api_rep.get("/api/users/").json()["results"] if u["username"] == "mona"]
    assert (
        api_rep.patch(f"/api/users/{users[0]['id']}/", {"role": "rep"}, format="json").status_code
        == 405
    )


def test_updated_since_gives_only_newer_rows(api_rep, make_deal, stages, rep):
    old = make_deal(title="Old")
    Deal.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    new = make_deal(title="New")
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    for url in ("/api/deals/", "/api/stage-changes/"):
        r = api_rep.get(url, {"updated_since": since})
        assert r.status_code == 200
    deals = api_rep.get("/api/deals/", {"updated_since": since}).json()["results"]
    assert [d["id"] for d in deals] == [new.pk]
    # Every list accepts the parameter.
    for url in (
        "/api/pipelines/",
        "/api/stages/",
        "/api/people/",
        "/api/organizations/",
        "/api/activities/",
        "/api/leads/",
        "/api/lost-reasons/",
        "/api/users/",
    ):
        assert api_rep.get(url, {"updated_since": since}).status_code == 200, url


def test_filters_ordering_and_pagination(api_rep, make_deal, stages):
    for i, value in enumerate(["300", "100", "200"]):
        make_deal(title=f"D{i}", value=Decimal(value), stage=stages[i])
    r = api_rep.get("/api/deals/", {"ordering": "value", "page_size": 2})
    body = r.json()
    assert body["count"] == 3
    assert [d["value"] for d in body["results"]] == ["100.00", "200.00"]
    assert body["next"] is not None
    page2 = api_rep.get("/api/deals/", {"ordering": "value", "page_size": 2, "page": 2}).json()
    assert [d["value"] for d in page2["results"]] == ["300.00"]
    assert api_rep.get("/api/deals/", {"stage": stages[1].pk}).json()["count"] == 1
    assert api_rep.get("/api/deals/", {"value_min": "150"}).json()["count"] == 2
    assert api_rep.get("/api/deals/", {"title": "d2"}).json()["results"][0]["title"] == "D2"


def test_deal_list_runs_a_constant_number_of_queries(
    api_rep, make_deal, django_assert_max_num_queries
):
    for i in range(30):
        make_deal(title=f"D{i}")
    CompanySettings.load()  # the row exists in any running install
    # session, user, company settings (visibility), count, page of deals
    with django_assert_max_num_queries(5):
        r = api_rep.get("/api/deals/", {"page_size": 30})
    assert len(r.json()["results"]) == 30
    activities = Activity.objects.count()
    assert activities == 0


def test_activity_on_a_visible_but_not_editable_deal_is_403(api_teammate, make_deal, rep):
    CompanySettings.objects.update_or_create(pk=1, defaults={"reps_see_all_deals": True})
    deal = make_deal(owner=rep)
    r = api_teammate.post(
        "/api/activities/",
        {"type": "call", "due_date": "2030-01-01", "deal": deal.pk},
        format="json",
    )
    assert r.status_code == 403
    assert not Activity.objects.exists()


def test_a_second_organization_with_the_same_name_is_a_409_naming_the_first(api_rep, rep):
    acme = services.organization_create(actor=rep, name="Acme Steel")
    r = api_rep.post("/api/organizations/", {"name": "  acme   STEEL "}, format="json")
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["code"] == "duplicate"
    assert body["existing"] == [{"id": acme.pk, "name": "Acme Steel"}]
    assert f"id {acme.pk}" in body["detail"] and "allow_duplicate" in body["detail"]
    assert Organization.objects.count() == 1
    # The caller may insist: two branches of one company can share a name.
    r = api_rep.post(
        "/api/organizations/", {"name": "Acme Steel", "allow_duplicate": True}, format="json"
    )
    assert r.status_code == 201 and r.json()["owner"] == rep.pk
    assert Organization.objects.count() == 2


def test_renaming_an_organization_to_a_known_name_is_a_409(api_rep, rep):
    acme = services.organization_create(actor=rep, name="Acme")
    globex = services.organization_create(actor=rep, name="Globex")
    r = api_rep.patch(f"/api/organizations/{globex.pk}/", {"name": "ACME"}, format="json")
    assert r.status_code == 409
    assert r.json()["existing"] == [{"id": acme.pk, "name": "Acme"}]
    assert Organization.objects.get(pk=globex.pk).name == "Globex"


def test_a_second_person_with_the_same_email_is_a_409_naming_the_first(api_rep, rep):
    ann = services.person_create(actor=rep, name="Ann Buyer", email="ann@acme.test")
    r = api_rep.post("/api/people/", {"name": "Ann B.", "email": "ANN@acme.test "}, format="json")
    assert r.status_code == 409, r.content
    assert r.json()["existing"] == [{"id": ann.pk, "name": "Ann Buyer"}]
    assert "Ann Buyer already has the email ann@acme.test." in r.json()["detail"]
    assert Person.objects.count() == 1

    bob = services.person_create(actor=rep, name="Bob", email="bob@acme.test")
    r = api_rep.patch(f"/api/people/{bob.pk}/", {"email": "ann@acme.test"}, format="json")
    assert r.status_code == 409 and r.json()["existing"][0]["id"] == ann.pk
    assert Person.objects.get(pk=bob.pk).email == "bob@acme.test"
    r = api_rep.patch(
        f"/api/people/{bob.pk}/",
        {"email": "ann@acme.test", "allow_duplicate": True},
        format="json",
    )
    assert r.status_code == 200 and r.json()["email"] == "ann@acme.test"


def test_someone_elses_person_cannot_be_changed_but_an_unowned_one_can(api_outsider, rep):
    ann = services.person_create(actor=rep, name="Ann", email="ann@acme.test")
    r = api_outsider.patch(f"/api/people/{ann.pk}/", {"job_title": "CEO"}, format="json")
    assert r.status_code == 403 and "belongs to Rita Rep" in r.json()["detail"]
    shared = PersonFactory(name="Shared", owner=None)
    r = api_outsider.patch(f"/api/people/{shared.pk}/", {"job_title": "CEO"}, format="json")
    assert r.status_code == 200 and r.json()["job_title"] == "CEO"


def test_users_show_reps_active_colleagues_name_and_email_only(
    api_rep, api_admin, rep, teammate, manager, outsider, admin
):
    from accounts.models import User

    gone = User.objects.create(username="gone", first_name="Gone", is_active=False)
    listed = api_rep.get("/api/users/").json()["results"]
    assert "gone" not in {u["username"] for u in listed}
    assert set(listed[0]) == {
        "id",
        "username",
        "first_name",
        "last_name",
        "full_name",
        "email",
        "updated_at",
    }
    assert api_rep.get(f"/api/users/{gone.pk}/").status_code == 404
    one = api_rep.get(f"/api/users/{manager.pk}/").json()
    assert "role" not in one and "is_active" not in one and "team" not in one
    # Filtering by role, team or status would tell them too: those filters are admins'.
    for leak in ("role=admin", "is_active=false", f"team={rep.team_id}"):
        assert api_rep.get(f"/api/users/?{leak}").json()["results"] == listed, leak
    # Admins manage users: everyone, with role, team and status, filterable.
    everyone = api_admin.get("/api/users/?is_active=false").json()["results"]
    assert [(u["username"], u["is_active"]) for u in everyone] == [("gone", False)]
    assert api_admin.get(f"/api/users/{manager.pk}/").json()["role"] == "manager"
