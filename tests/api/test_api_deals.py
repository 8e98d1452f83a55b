"""Deals over the API: visibility, the services' rules, versions and actions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import CompanySettings
from pipeline.models import Deal, StageChange, StageTotal

pytestmark = pytest.mark.django_db


def _total(stage, currency="EUR"):
    row = StageTotal.objects.filter(stage=stage, currency=currency).first()
    return (row.open_count, row.open_value) if row else (0, Decimal("0"))


def test_list_shows_only_visible_deals(
    api_rep, api_manager, api_outsider, make_deal, rep, teammate, outsider
):
    mine = make_deal(title="Mine", owner=rep)
    theirs = make_deal(title="Tom's", owner=teammate)
    make_deal(title="Olga's", owner=outsider)

    ids = {d["id"] for d in api_rep.get("/api/deals/").json()["results"]}
    assert ids == {mine.pk}
    # The manager of team A sees Rita's and Tom's deals, not team B's.
    ids = {d["id"] for d in api_manager.get("/api/deals/").json()["results"]}
    assert ids == {mine.pk, theirs.pk}
    assert api_outsider.get(f"/api/deals/{mine.pk}/").status_code == 404


def test_retrieve_returns_money_as_decimal_string_and_version(api_rep, make_deal):
    deal = make_deal(title="Acme", value=Decimal("1234.50"))
    body = api_rep.get(f"/api/deals/{deal.pk}/").json()
    assert body["value"] == "1234.50"
    assert body["currency"] == "EUR"
    assert body["version"] == 1
    assert body["status"] == "open"


def test_create_goes_through_the_service(api_rep, stages, rep, usd):
    response = api_rep.post(
        "/api/deals/",
        {"title": "API deal", "stage": stages[1].pk, "value": "250.00", "currency": "usd"},
        format="json",
    )
    assert response.status_code == 201, response.content
    deal = Deal.objects.get(pk=response.json()["id"])
    assert (deal.owner, deal.currency, deal.value) == (rep, "USD", Decimal("250.00"))
    change = StageChange.objects.get(deal=deal)
    assert (change.to_stage_id, change.source, change.user) == (stages[1].pk, "api", rep)
    assert _total(stages[1], "USD") == (1, Decimal("250.00"))


def test_create_refuses_a_duplicate_external_id(api_rep, stages):
    body = {"title": "A", "stage": stages[0].pk, "external_id": "crm-1"}
    assert api_rep.post("/api/deals/", body, format="json").status_code == 201
    again = api_rep.post("/api/deals/", body, format="json")
    assert again.status_code == 422
    assert "already has a deal with the external id crm-1: A" in again.json()["detail"]


def test_an_external_id_clash_never_reveals_a_hidden_deal(
    api_rep, api_manager, stages, make_deal, rep, teammate, outsider, admin
):
    """External ids are unique per owner (issue 15, item 12): Olga's deal, which Rita may not
    see, neither refuses Rita's id nor shows up in her answer."""
    make_deal(title="Secret", owner=outsider, external_id="crm-7")
    body = {"title": "Mine", "stage": stages[0].pk, "external_id": "crm-7"}
    created = api_rep.post("/api/deals/", body, format="json")
    assert created.status_code == 201, created.content
    assert "Secret" not in created.content.decode()
    assert Deal.objects.filter(external_id="crm-7").count() == 2
    # A manager who gives Rita's deal to Tom, who already uses the id, is told (Tom's deals
    # are theirs to see), and nothing changes.
    make_deal(title="Tom's", owner=teammate, external_id="crm-7")
    deal = Deal.objects.get(title="Mine")
    moved = api_manager.patch(
        f"/api/deals/{deal.pk}/", {"version": deal.version, "owner": teammate.pk}, format="json"
    )
    assert moved.status_code == 422
    assert "Tom's" in moved.json()["detail"]
    assert Deal.objects.get(pk=deal.pk).owner == rep
    # Reassigning a whole book with clashing ids is refused, not a 500.
    from pipeline.services.reassign import owner_reassign_open_work
    from shared.errors import RuleViolation

    with pytest.raises(RuleViolation, match="crm-7"):
        owner_reassign_open_work(from_user=rep, to_user=teammate, actor=admin)
    assert Deal.objects.get(pk=deal.pk).owner == rep


def test_create_for_an_owner_outside_my_team_is_forbidden(api_rep, stages, outsider):
    response = api_rep.post(
        "/api/deals/", {"title": "A", "stage": stages[0].pk, "owner": outsider.pk}, format="json"
    )
    assert response.status_code == 403
    assert "Olga Outsider" in response.json()["detail"]
    assert not Deal.objects.exists()


def test_move_with_version_then_stale_version_conflicts(api_rep, make_deal, stages):
    deal = make_deal(value=Decimal("500"))
    ok = api_rep.post(
        f"/api/deals/{deal.pk}/move/", {"stage": stages[2].pk, "version": 1}, format="json"
    )
    assert ok.status_code == 200
    assert (ok.json()["stage"], ok.json()["version"]) == (stages[2].pk, 2)
    assert _total(stages[2]) == (1, Decimal("500.00"))
    assert StageChange.objects.filter(deal=deal, source="api").count() == 1

    stale = api_rep.post(
        f"/api/deals/{deal.pk}/move/", {"stage": stages[3].pk, "version": 1}, format="json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "version_conflict"
    assert "Rita Rep moved this deal to Proposal" in body["detail"]
    # The current state comes with the refusal.
    assert (body["deal"]["stage"], body["deal"]["version"]) == (stages[2].pk, 2)
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[2].pk


def test_move_into_another_pipeline_is_a_rule_violation(api_rep, make_deal, other_pipeline):
    deal = make_deal()
    foreign = other_pipeline.stages.first()
    response = api_rep.post(
        f"/api/deals/{deal.pk}/move/", {"stage": foreign.pk, "version": 1}, format="json"
    )
    assert response.status_code == 422
    assert "Partners" in response.json()["detail"]


def test_visible_but_not_editable_is_403_and_invisible_is_404(api_teammate, make_deal, rep, stages):
    deal = make_deal(owner=rep)
    body = {"stage": stages[1].pk, "version": 1}
    assert api_teammate.post(f"/api/deals/{deal.pk}/move/", body, format="json").status_code == 404
    settings = CompanySettings.load()
    settings.reps_see_all_deals = True
    settings.save()
    refused = api_teammate.post(f"/api/deals/{deal.pk}/move/", body, format="json")
    assert refused.status_code == 403
    assert "belongs to Rita Rep" in refused.json()["detail"]
    assert Deal.objects.get(pk=deal.pk).version == 1


def test_win_lose_reopen(api_rep, make_deal, lost_reason, stages):
    won = make_deal(title="W", value=Decimal("100"))
    lost = make_deal(title="L", value=Decimal("40"))
    r = api_rep.post(f"/api/deals/{won.pk}/win/", {"version": 1}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "won"
    assert r.json()["closed_at"] is not None

    missing = api_rep.post(f"/api/deals/{lost.pk}/lose/", {"version": 1}, format="json")
    assert missing.status_code == 400
    assert "lost_reason" in missing.json()["errors"]
    r = api_rep.post(
        f"/api/deals/{lost.pk}/lose/",
        {"version": 1, "lost_reason": lost_reason.pk, "note": "Budget cut"},
        format="json",
    )
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["lost_reason"]) == ("lost", lost_reason.pk)
    # Both left the board totals: 140 went in, 140 came out.
    assert _total(stages[0]) == (0, Decimal("0"))

    again = api_rep.post(f"/api/deals/{won.pk}/win/", {"version": 2}, format="json")
    assert again.status_code == 422
    r = api_rep.post(f"/api/deals/{won.pk}/reopen/", {"version": 2}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "open"
    assert _total(stages[0]) == (1, Decimal("100.00"))
    statuses = list(
        StageChange.objects.filter(deal=won).order_by("id").values_list("to_status", "source")
    )
    assert statuses == [("open", "form"), ("won", "api"), ("open", "api")]


def test_patch_edits_fields_with_version(api_rep, make_deal, stages):
    deal = make_deal(value=Decimal("10"))
    r = api_rep.patch(
        f"/api/deals/{deal.pk}/", {"version": 1, "value": "99.90", "title": "New"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert (r.json()["value"], r.json()["title"], r.json()["version"]) == ("99.90", "New", 2)
    assert _total(stages[0]) == (1, Decimal("99.90"))

    no_version = api_rep.patch(f"/api/deals/{deal.pk}/", {"title": "x"}, format="json")
    assert no_version.status_code == 400
    assert no_version.json()["errors"]["version"]

    stage_change = api_rep.patch(
        f"/api/deals/{deal.pk}/", {"version": 2, "stage": stages[1].pk}, format="json"
    )
    assert stage_change.status_code == 400
    assert stage_change.json()["errors"]["stage"] == ["Unknown field."]


def test_put_and_delete_are_not_offered(api_rep, make_deal):
    deal = make_deal()
    assert api_rep.put(f"/api/deals/{deal.pk}/", {}, format="json").status_code == 405
    assert api_rep.delete(f"/api/deals/{deal.pk}/").status_code == 405
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_unauthenticated_is_refused(client, make_deal):
    response = client.get("/api/deals/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_a_refused_creation_carries_no_deal_and_matches_its_schema(api_rep, stages):
    """Issue 15, item 14: a 422 on creation had `"deal": {"id": null, …}`, which breaks the
    Deal schema; a deal that was never stored is not in the body, and the 422 body has its
    own component (RuleError)."""
    stages[1].requirements = ["organization"]
    stages[1].save()
    r = api_rep.post("/api/deals/", {"title": "A", "stage": stages[1].pk}, format="json")
    assert r.status_code == 422, r.content
    body = r.json()
    assert "deal" not in body and body["missing"] and body["code"] == "rule_violation"
    schema = api_rep.get("/api/schema/?format=json").json()
    refused = schema["paths"]["/api/deals/"]["post"]["responses"]["422"]
    assert refused["content"]["application/json"]["schema"]["$ref"].endswith("/RuleError")
    # A refused change to a stored deal still carries the deal as it is now.
    deal = api_rep.post("/api/deals/", {"title": "B", "stage": stages[0].pk}, format="json")
    moved = api_rep.post(
        f"/api/deals/{deal.json()['id']}/move/",
        {"version": 1, "stage": stages[1].pk},
        format="json",
    )
    assert moved.status_code == 422 and moved.json()["deal"]["id"] == deal.json()["id"]


def test_path_ids_are_documented_as_positive(api_rep):
    schema = api_rep.get("/api/schema/?format=json").json()
    ids = [
        p["schema"]
        for path in schema["paths"].values()
        for operation in path.values()
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    ]
    assert ids and all(s.get("minimum") == 1 for s in ids)
