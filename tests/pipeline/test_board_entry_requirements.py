"""Entry requirements as the board sees them: POST /deals/<id>/move/ from htmx."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from pipeline import services
from pipeline.models import Deal, Person, StageChange

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def proposal_needs_meeting_and_decision_maker(admin, stages):
    """The playbook example: Proposal only after a needs-analysis meeting with the person
    who decides."""
    return services.stage_update(
        stage=stages[2],
        actor=admin,
        changes={
            "requirements": ["done_meeting", "decision_maker"],
            "definition_of_done": "A priced proposal is with the decision maker.",
        },
    )


def test_move_into_a_stage_with_unmet_requirements_answers_422_listing_them(
    client, rep, make_deal, stages, proposal_needs_meeting_and_decision_maker
):
    deal = make_deal(title="Acme")
    client.force_login(rep)
    response = client.post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stages[2].pk, "version": 1},
        headers=HX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Proposal needs first: the contact is a decision maker; a meeting is done." in body
    event = json.loads(response["HX-Trigger"])["stagecoach:refused"]
    assert event["status"] == 422
    assert "a meeting is done" in event["message"]
    assert response["HX-Reswap"] == "none"
    # Nothing moved, nothing recorded.
    fresh = Deal.objects.get(pk=deal.pk)
    assert (fresh.stage_id, fresh.version) == (stages[0].pk, 1)
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_once_the_requirements_hold_the_same_move_succeeds(
    client, rep, make_deal, stages, proposal_needs_meeting_and_decision_maker
):
    buyer = Person.objects.create(name="Dana Decider", is_decision_maker=True)
    deal = make_deal(title="Acme", person=buyer)
    services.activity_create(
        actor=rep,
        deal=deal,
        type="meeting",
        subject="Needs analysis",
        due_date=datetime.date.today(),
        done=True,
    )
    client.force_login(rep)
    response = client.post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stages[2].pk, "version": 1},
        headers=HX,
    )
    assert response.status_code == 200
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[2].pk


def test_only_what_is_still_missing_is_listed(
    client, rep, make_deal, stages, proposal_needs_meeting_and_decision_maker
):
    deal = make_deal(title="Acme")
    services.activity_create(
        actor=rep,
        deal=deal,
        type="meeting",
        subject="Needs",
        due_date=datetime.date.today(),
        done=True,
    )
    client.force_login(rep)
    response = client.post(
        reverse("pipeline:deal_move", args=[deal.pk]),
        {"stage": stages[2].pk, "version": 1},
        headers=HX,
    )
    assert response.status_code == 422
    message = json.loads(response["HX-Trigger"])["stagecoach:refused"]["message"]
    assert message == "Proposal needs first: the contact is a decision maker."
