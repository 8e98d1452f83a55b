"""Amounts in the API and the forms: digits 0-9 only, and no negative zero (issue 15)."""

from __future__ import annotations

import pytest

from pipeline.forms.deals import QuickAddForm

pytestmark = pytest.mark.django_db


def test_api_refuses_arabic_indic_digits(api_rep, stages):
    response = api_rep.post(
        "/api/deals/", {"title": "A", "stage": stages[0].pk, "value": "١٢٣"}, format="json"
    )
    assert response.status_code == 400
    assert "digits other than 0-9" in str(response.json())


def test_api_stores_negative_zero_as_zero(api_rep, stages):
    response = api_rep.post(
        "/api/deals/", {"title": "A", "stage": stages[0].pk, "value": "-0.0"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["value"] == "0.00"
    again = api_rep.get(f"/api/deals/{response.json()['id']}/")
    assert again.json()["value"] == "0.00"


def test_forms_refuse_arabic_indic_digits_and_store_negative_zero_as_zero(stages):
    form = QuickAddForm({"title": "A", "value": "١٢٣", "stage": stages[0].pk})
    assert not form.is_valid()
    assert "digits other than 0-9" in str(form.errors["value"])
    form = QuickAddForm({"title": "A", "value": "-0.00", "stage": stages[0].pk})
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["value"]) == "0.00"


def test_currency_rates_refuse_arabic_indic_digits(admin):
    from pipeline.services.currencies import currency_enable, currency_set_rate
    from shared.errors import RuleViolation

    currency_enable(code="USD", actor=admin)
    with pytest.raises(RuleViolation, match="digits other than 0-9"):
        currency_set_rate(code="USD", rate="٠.٩٢", actor=admin)
