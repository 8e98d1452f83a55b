"""The currencies settings page (issue 10)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shared.models import Currency

pytestmark = pytest.mark.django_db
URL = "pipeline:settings_currencies"


def test_admin_enables_sets_a_rate_and_disables(client, admin):
    client.force_login(admin)
    assert client.post(reverse(URL), {"code": "usd"}).status_code == 302
    edit = reverse("pipeline:settings_currency", args=["USD"])
    response = client.post(edit, {"action": "rate", "rate": "0.92", "rate_date": "2026-11-20"})
    assert response.status_code == 302
    usd = Currency.objects.get(code="USD")
    assert (usd.rate, str(usd.rate_date)) == (Decimal("0.92"), "2026-11-20")
    page = client.get(reverse(URL)).content.decode()
    assert "USD" in page and 'value="0.92"' in page
    assert client.post(edit, {"action": "disable"}).status_code == 302
    assert not Currency.objects.get(code="USD").is_enabled


def test_bad_rate_answers_422_with_the_message(client, admin):
    client.force_login(admin)
    client.post(reverse(URL), {"code": "USD"})
    edit = reverse("pipeline:settings_currency", args=["USD"])
    response = client.post(edit, {"action": "rate", "rate": "lots"})
    assert response.status_code == 422
    assert "must be a number" in response.content.decode()
    response = client.post(edit, {"action": "rate", "rate": "1", "rate_date": "20/11/2026"})
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.content.decode()
    assert Currency.objects.get(code="USD").rate is None


def test_bad_code_answers_422(client, admin):
    client.force_login(admin)
    response = client.post(reverse(URL), {"code": "E1"})
    assert response.status_code == 422
    assert "three-letter" in response.content.decode()
    assert not Currency.objects.exists()
