"""The settings pages an admin uses: forms, htmx fragments, and refusals shown in place."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from pipeline.models import Deal, Stage, StageChange

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _order(pipeline) -> list[str]:
    return list(
        Stage.objects.filter(pipeline=pipeline, is_active=True)
        .order_by("position")
        .values_list("name", flat=True)
    )


def test_drag_and_drop_reorder_answers_the_stored_list(admin_client, pipeline, stages):
    order = [stages[1], stages[0], stages[3], stages[2]]
    response = admin_client.post(
        reverse("pipeline:settings_stage_reorder", args=[pipeline.pk]),
        {"order": ",".join(str(s.pk) for s in order)},
        headers=HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Qualified") < body.index("Lead in") < body.index("Negotiation")
    assert _order(pipeline) == ["Qualified", "Lead in", "Negotiation", "Proposal"]


def test_a_stale_reorder_is_refused_with_the_true_order_and_a_message(
    admin_client, pipeline, stages
):
    response = admin_client.post(
        reverse("pipeline:settings_stage_reorder", args=[pipeline.pk]),
        {"order": f"{stages[1].pk},{stages[0].pk}"},
        headers=HX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="stage-list"' in body
    assert "changed while you were reordering" in body
    assert body.index("Lead in") < body.index("Qualified")
    assert _order(pipeline) == ["Lead in", "Qualified", "Proposal", "Negotiation"]


def test_keyboard_buttons_move_a_stage_with_and_without_javascript(admin_client, pipeline, stages):
    url = reverse("pipeline:settings_stage_step", args=[stages[3].pk])
    response = admin_client.post(url, {"direction": "up"}, headers=HX)
    assert response.status_code == 200
    assert f'id="stage-{stages[3].pk}-up"' in response.content.decode()
    response = admin_client.post(url, {"direction": "up"})
    assert response.status_code == 302
    assert _order(pipeline) == ["Lead in", "Negotiation", "Qualified", "Proposal"]


def test_stage_editor_page_lists_requirements_in_constant_queries(
    admin_client, admin, pipeline, stages, make_deal, django_assert_max_num_queries
):
    from pipeline import services

    for i in range(10):
        make_deal(title=f"D{i}", stage=stages[i % 4])
    services.stage_update(
        stage=stages[2], actor=admin, changes={"requirements": ["value", "done_demo"]}
    )
    # session, user, pipeline, stages with deal counts (one grouped query), plus the
    # messages/session machinery: the count does not grow with stages or deals.
    with django_assert_max_num_queries(6):
        response = admin_client.get(reverse("pipeline:settings_pipeline", args=[pipeline.pk]))
    body = response.content.decode()
    assert "Deal value is set" in body and "A demo is done" in body
    assert "vendor/sortablejs/Sortable.min.js" in body


def test_edit_stage_form_saves_definition_of_done_and_checklist(admin_client, stages):
    response = admin_client.post(
        reverse("pipeline:settings_stage", args=[stages[2].pk]),
        {
            "name": "Proposal",
            "win_probability": "60",
            "rotting_days": "10",
            "definition_of_done": "Priced proposal sent to the decision maker.",
            "requirements": ["done_meeting", "decision_maker"],
            "is_moment_of_truth": "on",
        },
    )
    assert response.status_code == 302
    stage = Stage.objects.get(pk=stages[2].pk)
    assert stage.requirements == ["decision_maker", "done_meeting"]
    assert (stage.rotting_days, stage.is_moment_of_truth) == (10, True)


def test_edit_stage_with_bad_input_shows_the_form_again(admin_client, stages):
    response = admin_client.post(
        reverse("pipeline:settings_stage", args=[stages[2].pk]),
        {"name": "", "win_probability": "150"},
    )
    assert response.status_code == 422
    assert Stage.objects.get(pk=stages[2].pk).win_probability == 60


def test_archive_page_asks_where_deals_go_then_moves_them(admin_client, stages, make_deal):
    deal = make_deal(stage=stages[1], value=Decimal("10"))
    url = reverse("pipeline:settings_stage_archive", args=[stages[1].pk])
    page = admin_client.get(url).content.decode()
    assert "This stage holds 1 deal (1 open, 0 won, 0 lost)" in page
    refused = admin_client.post(url, {})
    assert refused.status_code == 422
    assert "still holds 1 deal;" in refused.content.decode()
    assert Stage.objects.get(pk=stages[1].pk).is_active
    done = admin_client.post(url, {"move_deals_to": stages[2].pk})
    assert done.status_code == 302
    assert Deal.objects.get(pk=deal.pk).stage_id == stages[2].pk
    assert StageChange.objects.filter(deal=deal, source="system").count() == 1


def test_pipeline_create_and_rename_pages(admin_client, pipeline):
    response = admin_client.post(
        reverse("pipeline:settings_pipelines"), {"name": "Partners", "stage_names": "Intro\nPilot"}
    )
    assert response.status_code == 302
    clash = admin_client.post(
        reverse("pipeline:settings_pipeline", args=[pipeline.pk]), {"name": "partners"}
    )
    assert clash.status_code == 422
    assert "already exists" in clash.content.decode()


def test_lost_reason_page_adds_and_refuses_duplicates(admin_client, lost_reason):
    ok = admin_client.post(reverse("pipeline:settings_lost_reasons"), {"name": "No budget"})
    assert ok.status_code == 302
    dup = admin_client.post(reverse("pipeline:settings_lost_reasons"), {"name": "no budget"})
    assert dup.status_code == 422
    assert "already exists" in dup.content.decode()
