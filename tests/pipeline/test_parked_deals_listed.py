"""Issue 16 item 4: parked deals are listed wherever a status is shown or filtered."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pipeline import services
from shared.dates import format_day
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parked(make_deal, rep):
    org = OrganizationFactory(name="Acme")
    deal = make_deal(title="Sleeping giant", organization=org)
    until = timezone.localdate() + datetime.timedelta(days=30)
    return services.deal_park(deal=deal, until=until, expected_version=1, actor=rep)


def test_board_status_filter_offers_parked(client, rep, parked, make_deal):
    awake = make_deal(title="Awake deal")
    client.force_login(rep)
    url = reverse("pipeline:board", args=[parked.pipeline_id])
    page = client.get(url).content.decode()
    assert '<option value="parked"' in page
    assert "Sleeping giant" not in page and "Awake deal" in page
    page = client.get(url, {"status": "parked"}).content.decode()
    assert "Sleeping giant" in page and awake.title not in page


def test_board_search_finds_parked_deals(client, rep, parked):
    client.force_login(rep)
    url = reverse("pipeline:board", args=[parked.pipeline_id])
    assert "Sleeping giant" in client.get(url, {"q": "sleeping"}).content.decode()


def test_a_parked_deal_found_by_a_search_is_marked_on_its_card(client, rep, parked, make_deal):
    make_deal(title="Sleepless deal")
    client.force_login(rep)
    url = reverse("pipeline:board", args=[parked.pipeline_id])
    page = client.get(url, {"q": "slee"}).content.decode()
    cards = {
        card.split('data-title="')[1].split('"')[0]: card
        for card in page.split("<article")[1:]
        if "data-title=" in card
    }
    assert set(cards) == {"Sleeping giant", "Sleepless deal"}
    badge = f'<span class="badge parked">Parked until {format_day(parked.parked_until)}</span>'
    assert badge in cards["Sleeping giant"]
    assert "badge parked" not in cards["Sleepless deal"]


def test_future_pool_lists_parked_deals(client, rep, parked, outsider):
    client.force_login(rep)
    page = client.get(reverse("pipeline:lead_inbox"), {"view": "parked"}).content.decode()
    assert "Parked deals" in page and "Sleeping giant" in page
    client.force_login(outsider)
    page = client.get(reverse("pipeline:lead_inbox"), {"view": "parked"}).content.decode()
    assert "Sleeping giant" not in page


def test_organization_and_deal_pages_say_parked(client, rep, parked):
    client.force_login(rep)
    org_page = client.get(
        reverse("pipeline:organization_detail", args=[parked.organization_id])
    ).content.decode()
    assert 'class="badge status-parked">Parked<' in org_page
    assert ">Open<" not in org_page
    deal_page = client.get(reverse("pipeline:deal_detail", args=[parked.pk])).content.decode()
    assert 'class="badge status-parked">Parked<' in deal_page


def test_api_status_filter_knows_parked(rep, parked, make_deal):
    awake = make_deal(title="Awake deal")
    api = APIClient()
    api.force_login(rep)
    ids = [d["id"] for d in api.get("/api/deals/", {"status": "parked"}).json()["results"]]
    assert ids == [parked.pk]
    ids = {d["id"] for d in api.get("/api/deals/", {"status": "open"}).json()["results"]}
    assert ids == {parked.pk, awake.pk}
