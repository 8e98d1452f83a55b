"""One door per write (issue 17): the API, the pages and the services share one function per
verb, so every door refuses the same thing with the same message."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.services import company_settings_update
from pipeline import services
from pipeline.models import Activity, Deal, Lead
from pipeline.services import activities as activity_services
from shared.errors import RuleViolation
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are compared in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


NO_CONTACT = "A lead needs a person or an organization to talk to."


def _api(user) -> APIClient:  # noqa: ANN001
    client = APIClient()
    client.force_login(user)
    return client


# --- 1. One lead_create ------------------------------------------------------------------------


def test_a_lead_without_a_person_or_organization_is_refused_by_every_door(client, rep):
    with pytest.raises(RuleViolation, match=NO_CONTACT):
        services.lead_create(actor=rep, title="Nobody")

    api = _api(rep).post("/api/leads/", {"title": "Nobody"}, format="json")
    assert api.status_code == 400, api.content
    assert api.json()["errors"] == {"person": [NO_CONTACT]}

    client.force_login(rep)
    page = client.post(reverse("pipeline:lead_new"), {"title": "Nobody"})
    assert page.status_code == 422 and NO_CONTACT in page.text
    assert not Lead.objects.exists()


def test_the_api_creates_leads_through_the_inbox_service(rep, manager):
    """The API's lead gets the inbox's rules: a deactivated owner is refused, as on the page."""
    manager.is_active = False
    manager.save()
    person = PersonFactory(name="Lee")
    api = _api(rep)
    r = api.post(
        "/api/leads/", {"title": "Inbound", "person": person.pk, "owner": manager.pk}, format="json"
    )
    assert r.status_code in (400, 403, 422), r.content
    assert not Lead.objects.exists()
    r = api.post("/api/leads/", {"title": "  Inbound   call ", "person": person.pk}, format="json")
    assert r.status_code == 201, r.content
    # The inbox service tidies the title the same way for every door.
    assert Lead.objects.get().title == "Inbound call"


def test_the_schema_documents_the_lead_refusal(rep):
    schema = _api(rep).get("/api/schema/", {"format": "json"}).json()
    responses = schema["paths"]["/api/leads/"]["post"]["responses"]
    assert "a lead is always about someone" in responses["400"]["description"]


# --- 2. One activity_update, one way to complete ----------------------------------------------


@pytest.fixture
def shared_deal(admin, rep, teammate, make_deal):
    """A deal of the rep that every rep may see (the company setting)."""
    company_settings_update(actor=admin, reps_see_all_deals=True)
    return make_deal(owner=rep)


def _activity(deal, owner, subject: str) -> Activity:  # noqa: ANN001
    from accounts.models import User

    return services.activity_create(
        actor=User.objects.get(username="ada"),  # the admin gives it to `owner`
        owner=owner,
        type="call",
        subject=subject,
        due_date=datetime.date.today() + datetime.timedelta(days=3),
        deal=deal,
    )


@pytest.mark.parametrize("who", ["rep", "teammate", "outsider", "manager"])
def test_the_api_and_the_page_refuse_the_same_user(request, who, client, shared_deal, teammate):
    """The activity belongs to the teammate, on the rep's deal that everyone sees: its owner
    and the deal's editors may complete it, by the page or by the API alike (the API used to
    check the deal only, refusing the activity's own owner)."""
    user = request.getfixturevalue(who)
    by_api = _activity(shared_deal, teammate, "By API")
    by_page = _activity(shared_deal, teammate, "By page")

    api = _api(user).patch(f"/api/activities/{by_api.pk}/", {"done": True}, format="json")
    client.force_login(user)
    page = client.post(reverse("pipeline:activity_finish", args=[by_page.pk]))

    expected_allowed = who in ("rep", "teammate", "manager")
    assert (api.status_code == 200) is expected_allowed, api.content
    assert (page.status_code == 302) is expected_allowed
    if not expected_allowed:
        assert api.status_code == page.status_code == 403
    by_api.refresh_from_db()
    by_page.refresh_from_db()
    assert (by_api.done_at is not None) is (by_page.done_at is not None) is expected_allowed


def test_the_api_reschedules_with_the_pages_rules(shared_deal, teammate, outsider):
    call = _activity(shared_deal, teammate, "Call")
    new_day = (datetime.date.today() + datetime.timedelta(days=9)).isoformat()
    refused = _api(outsider).patch(
        f"/api/activities/{call.pk}/", {"due_date": new_day}, format="json"
    )
    assert refused.status_code == 403
    moved = _api(teammate).patch(
        f"/api/activities/{call.pk}/", {"due_date": new_day}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert Activity.objects.get(pk=call.pk).due_date.isoformat() == new_day


def test_completion_locks_the_activity_row(rep, shared_deal):
    call = _activity(shared_deal, rep, "Call")
    with CaptureQueriesContext(connection) as queries:
        services.activity_complete(activity=call, actor=rep)
    sql = [q["sql"] for q in queries.captured_queries]
    if connection.features.has_select_for_update:  # PostgreSQL; SQLite has no row locks
        assert any("FOR UPDATE" in q and "pipeline_activity" in q for q in sql), sql
    # The write is conditional on the state read under the lock (what protects SQLite).
    (update,) = [q for q in sql if q.startswith('UPDATE "pipeline_activity"')]
    assert '"done_at" IS NULL' in update


def test_a_concurrent_completion_is_refused_not_repeated(rep, shared_deal, monkeypatch):
    """Two clients complete the same activity at once: the one that read it before the other
    wrote is refused (0 rows updated), and the completion happens once."""
    call = _activity(shared_deal, rep, "Call")
    stale = activity_services._lock(call)  # read before the other client's write
    services.activity_complete(activity=call, actor=rep)
    first_done_at = Activity.objects.get(pk=call.pk).done_at
    monkeypatch.setattr(activity_services, "_lock", lambda activity: stale)
    with pytest.raises(RuleViolation, match="changed while you saved it"):
        services.activity_complete(activity=call, actor=rep)
    assert Activity.objects.get(pk=call.pk).done_at == first_done_at


def test_every_completion_door_is_the_one_service():
    from pipeline.services import activities as planning

    assert services.activity_update is planning.activity_update
    assert services.activity_complete is planning.activity_complete
    assert services.activity_move is services.activity_reschedule
    assert not hasattr(services, "records")


# --- 3. The dead routes are gone ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/deals/1/activities/", "/activities/1/done/"])
def test_the_dead_activity_routes_are_gone(path, client, rep):
    with pytest.raises(Resolver404):
        resolve(path)
    client.force_login(rep)
    assert client.post(path, {"type": "call", "due_date": "2030-01-01"}).status_code == 404


# --- 4. A client that writes a deal sends its version ------------------------------------------


def test_reopening_without_a_version_is_refused_not_forced(client, rep, make_deal):
    deal = make_deal(owner=rep)
    services.deal_win(deal=deal, expected_version=1, actor=rep)
    client.force_login(rep)
    url = reverse("pipeline:deal_reopen", args=[deal.pk])
    missing = client.post(url, {})
    assert missing.status_code == 422
    assert "The deal&#x27;s version is missing; reload." in missing.text
    assert Deal.objects.get(pk=deal.pk).status == Deal.Status.WON
    assert client.post(url, {"version": 2}).status_code == 302
    assert Deal.objects.get(pk=deal.pk).status == Deal.Status.OPEN


def test_parking_and_unparking_need_the_version(client, rep, make_deal):
    deal = make_deal(owner=rep)
    client.force_login(rep)
    until = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    park = reverse("pipeline:deal_park", args=[deal.pk])
    refused = client.post(park, {"until": until})
    assert refused.status_code == 422 and "version is missing" in refused.text
    assert Deal.objects.get(pk=deal.pk).parked_until is None
    assert client.post(park, {"until": until, "version": 1}).status_code == 302

    unpark = reverse("pipeline:deal_unpark", args=[deal.pk])
    assert client.post(unpark, {}).status_code == 422
    assert client.post(unpark, {"version": 1}).status_code == 409  # parking made it 2
    assert Deal.objects.get(pk=deal.pk).parked_until is not None
    assert client.post(unpark, {"version": 2}).status_code == 302
    assert Deal.objects.get(pk=deal.pk).parked_until is None


def test_the_deal_page_sends_the_version_with_every_deal_form(client, rep, make_deal):
    deal = make_deal(owner=rep)
    client.force_login(rep)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).text
    assert 'name="version" value="1"' in page
    services.deal_park(
        deal=deal,
        until=datetime.date.today() + datetime.timedelta(days=9),
        expected_version=1,
        actor=rep,
    )
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).text
    unpark_form = page.split(reverse("pipeline:deal_unpark", args=[deal.pk]))[1].split("</form>")[0]
    assert 'name="version" value="2"' in unpark_form


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"title": "Renamed"}),
        ("post", "move/", {"stage": None}),
        ("post", "win/", {}),
        ("post", "lose/", {"lost_reason": None}),
    ],
)
def test_the_api_refuses_a_deal_write_without_a_version(
    method, suffix, body, rep, make_deal, stages, lost_reason
):
    deal = make_deal(owner=rep)
    body = {
        k: (stages[1].pk if k == "stage" else lost_reason.pk if k == "lost_reason" else v)
        for k, v in body.items()
    }
    r = getattr(_api(rep), method)(f"/api/deals/{deal.pk}/{suffix}", body, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["errors"]["version"] == [
        "Send the deal's version as you last read it; it keeps you from overwriting "
        "someone else's change."
    ]
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.version, fresh.title, fresh.status) == (1, deal.title, Deal.Status.OPEN)
