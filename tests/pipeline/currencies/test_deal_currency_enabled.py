"""A deal may only use one of the company's enabled currencies (issue 10): the services, the
deal form, the API and the import all refuse another one with a message that says how to fix
it, and a deal whose currency an admin has since disabled keeps it."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pipeline import services
from pipeline.models import Deal
from pipeline.services.currencies import currency_disable, currency_enable
from pipeline.services.imports import ImportOptions, deal_import_preview
from shared.errors import RuleViolation

pytestmark = pytest.mark.django_db


def test_create_refuses_a_currency_that_is_not_enabled(make_deal, admin):
    currency_enable(code="USD", actor=admin)
    with pytest.raises(RuleViolation) as refused:
        make_deal(title="Krona deal", currency="SEK")
    message = str(refused.value)
    assert "SEK is not one of the company's currencies (EUR, USD)" in message
    assert "Settings → Currencies" in message
    assert not Deal.objects.filter(title="Krona deal").exists()
    # The base currency and an enabled one are accepted, in any case.
    assert make_deal(title="Euro deal", currency="eur").currency == "EUR"
    assert make_deal(title="Dollar deal", currency="usd").currency == "USD"


def test_update_keeps_a_currency_disabled_since_but_refuses_to_switch_to_one(make_deal, admin):
    currency_enable(code="USD", actor=admin)
    deal = make_deal(title="Dollar deal", currency="USD", value=Decimal("10"))
    currency_disable(code="USD", actor=admin)

    # Editing something else (the currency field comes back unchanged) still works.
    deal = services.deal_update(
        deal=deal, expected_version=1, actor=admin, changes={"value": "20", "currency": "USD"}
    )
    assert (deal.currency, deal.value, deal.version) == ("USD", Decimal("20.00"), 2)

    # Moving it to EUR works, and back to the disabled USD no longer does.
    deal = services.deal_update(
        deal=deal, expected_version=2, actor=admin, changes={"currency": "EUR"}
    )
    with pytest.raises(RuleViolation, match="USD is not one of the company's currencies"):
        services.deal_update(
            deal=deal, expected_version=3, actor=admin, changes={"currency": "USD"}
        )
    deal.refresh_from_db()
    assert (deal.currency, deal.version) == ("EUR", 3)


def test_edit_form_offers_the_enabled_currencies_and_the_deals_own(client, make_deal, admin, rep):
    currency_enable(code="USD", actor=admin)
    currency_enable(code="HUF", actor=admin)
    deal = make_deal(title="Forint deal", currency="HUF")
    currency_disable(code="HUF", actor=admin)

    client.force_login(rep)
    html = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()
    select = html[
        html.index('name="currency"') : html.index("</select>", html.index('name="currency"'))
    ]
    assert [code for code in ("EUR", "USD", "HUF", "SEK") if f'value="{code}"' in select] == [
        "EUR",
        "USD",
        "HUF",
    ]


def test_api_refuses_a_currency_that_is_not_enabled(rep, stages):
    api = APIClient()
    api.force_authenticate(rep)
    response = api.post(
        "/api/deals/",
        {"title": "API deal", "stage": stages[0].pk, "value": "5", "currency": "SEK"},
        format="json",
    )
    assert response.status_code == 422
    assert "SEK is not one of the company's currencies (EUR)" in response.json()["detail"]
    assert not Deal.objects.exists()


def test_import_preview_lists_the_row_with_a_currency_that_is_not_enabled(
    tmp_path, admin, pipeline, stages
):
    path = tmp_path / "deals.csv"
    path.write_text(
        "title,value,currency,stage\nFine,10,EUR,Lead in\nKrona,20,SEK,Lead in\n",
        encoding="utf-8",
    )
    report = deal_import_preview(source=path, options=ImportOptions(pipeline="Sales"), actor=admin)
    assert len(report.problems) == 1
    problem = report.problems[0]
    line, column, message = problem["row"], problem["column"], problem["message"]
    assert (line, column) == (3, "currency")
    assert message.startswith("SEK is not one of the company's currencies (EUR)")
    assert not Deal.objects.exists()
