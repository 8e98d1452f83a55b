"""Issue 16 item 21: too-long text is refused with a message, never cut; a too-large amount
names the largest value allowed."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pipeline import services
from pipeline.forms.deals import DealEditForm, QuickAddForm
from pipeline.models import Deal
from shared.errors import RuleViolation

pytestmark = pytest.mark.django_db

LARGEST = "The largest value allowed is 999,999,999,999.99."


def test_a_long_title_is_refused_not_cut(make_deal, rep, stages):
    with pytest.raises(RuleViolation) as err:
        services.deal_create(actor=rep, title="x" * 5000, pipeline_stage=stages[0])
    assert "at most 200 characters; this one has 5,000" in err.value.message
    deal = make_deal()
    with pytest.raises(RuleViolation):
        services.deal_update(deal=deal, expected_version=1, actor=rep, changes={"title": "y" * 201})
    assert Deal.objects.get(pk=deal.pk).title == "Deal"


def test_quick_add_says_the_title_is_too_long(client, rep, stages):
    client.force_login(rep)
    response = client.post(
        reverse("pipeline:deal_quick_add", args=[stages[0].pipeline_id]),
        {"title": "x" * 5000, "stage": stages[0].pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "at most 200 characters (it has 5000)" in response.content.decode()
    assert not Deal.objects.exists()


@pytest.mark.parametrize("raw", ["1e30", "1000000000000", "99999999999999"])
def test_a_huge_value_names_the_largest_allowed(raw, make_deal, rep):
    form = QuickAddForm({"title": "Big", "stage": 1, "value": raw})
    assert form.errors["value"] == [LARGEST]
    deal = make_deal()
    data = {"title": "t", "value": raw, "currency": "EUR", "owner": rep.pk, "version": 1}
    edit = DealEditForm(data, deal=deal, organizations=Deal.objects.none())
    assert edit.errors["value"] == [LARGEST]
    with pytest.raises(RuleViolation, match="largest value allowed is 999,999,999,999.99"):
        services.deal_update(deal=deal, expected_version=1, actor=rep, changes={"value": raw})


def test_the_largest_value_itself_is_accepted():
    form = QuickAddForm({"title": "Big", "stage": 1, "value": "999999999999.99"})
    assert form.is_valid() and form.cleaned_data["value"] == Decimal("999999999999.99")


def test_api_names_the_largest_value(rep, stages):
    api = APIClient()
    api.force_login(rep)
    response = api.post(
        "/api/deals/", {"title": "Big", "stage": stages[0].pk, "value": "1e30"}, format="json"
    )
    assert response.status_code == 400
    assert LARGEST in response.content.decode()


def test_a_long_lead_title_is_refused_not_cut(rep):
    from pipeline.models import Lead

    with pytest.raises(RuleViolation, match="this one has 5,000"):
        services.lead_create(actor=rep, title="x" * 5000, new_organization_name="Acme")
    assert not Lead.objects.exists()
