import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, Deal, Lead, Organization, Person, StageTotal
from pipeline.services.contacts import organization_create
from pipeline.services.leads import lead_archive, lead_create, lead_park, lead_unpark_due
from pipeline.tasks import unpark_due_deals
from shared.errors import DuplicateFound, NotAllowed, RuleViolation

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_a_lead_is_about_someone(rep):
    with pytest.raises(RuleViolation, match="person or an organization"):
        lead_create(actor=rep, title="Nobody")
    lead = lead_create(
        actor=rep,
        title="",
        new_organization_name="Nova Oy",
        new_person_name="Nina",
        new_person_email="nina@nova.test",
        expected_value="1200.50",
        source="Trade fair",
    )
    assert lead.title == "Nova Oy"
    assert lead.person.organization == lead.organization
    assert lead.expected_value == Decimal("1200.50") and lead.owner == rep


def test_a_known_organization_is_offered_and_nothing_is_half_created(rep):
    acme = organization_create(actor=rep, name="Acme")
    with pytest.raises(DuplicateFound) as caught:
        lead_create(actor=rep, title="x", new_person_name="Nina", new_organization_name="acme")
    assert caught.value.existing == [acme]
    assert (Lead.objects.count(), Person.objects.count()) == (0, 0)


def test_parked_lead_returns_on_its_date_with_one_follow_up(rep):
    acme = organization_create(actor=rep, name="Acme")
    lead = lead_create(actor=rep, title="Acme expansion", organization=acme)
    with pytest.raises(RuleViolation, match="future"):
        lead_park(lead=lead, actor=rep, until=timezone.localdate())
    lead_park(lead=lead, actor=rep, until=_days(30))
    assert lead_unpark_due(today=_days(29)) == 0
    assert lead_unpark_due(today=_days(30)) == 1
    lead.refresh_from_db()
    assert lead.parked_until is None and lead.status == "open"
    task = Activity.objects.get(organization=acme)
    assert (task.type, task.due_date, task.owner, task.done_at) == ("task", _days(30), rep, None)
    assert "Acme expansion" in task.subject
    # A second run (re-delivered task) changes nothing.
    assert lead_unpark_due(today=_days(30)) == 0
    assert Activity.objects.count() == 1


def test_nightly_job_returns_deals_with_a_follow_up_and_keeps_the_next_activity(
    make_deal, rep, stages
):
    deal = make_deal(value=Decimal("500"))
    services.deal_park(deal=deal, until=_days(10), expected_version=1, actor=rep)
    assert StageTotal.objects.get(stage=stages[0]).open_count == 0
    assert unpark_due_deals.delay(_days(10).isoformat()).get() == 1
    deal.refresh_from_db()
    task = Activity.objects.get(deal=deal)
    assert deal.parked_until is None
    assert (deal.next_activity_id, deal.next_activity_date) == (task.pk, _days(10))
    assert StageTotal.objects.get(stage=stages[0]).open_count == 1
    assert unpark_due_deals.delay(_days(10).isoformat()).get() == 0
    assert Activity.objects.filter(deal=deal).count() == 1


def test_cannot_touch_another_teams_lead(rep, outsider):
    org = organization_create(actor=outsider, name="Theirs")
    lead = lead_create(actor=outsider, title="Theirs", organization=org)
    with pytest.raises(NotAllowed):
        lead_archive(lead=lead, actor=rep)


def test_inbox_tabs_and_actions(client, rep, stages, other_pipeline):
    acme = organization_create(actor=rep, name="Acme")
    keep = lead_create(actor=rep, title="Keep", organization=acme, expected_value=900)
    drop = lead_create(actor=rep, title="Drop", organization=acme)
    later = lead_create(actor=rep, title="Later", organization=acme)
    client.force_login(rep)
    url = reverse("pipeline:lead_inbox")
    assert client.post(reverse("pipeline:lead_archive", args=[drop.pk])).status_code == 302
    response = client.post(
        reverse("pipeline:lead_park", args=[later.pk]), {"until": _days(5).isoformat()}
    )
    assert response.status_code == 302

    def rows(**query):
        text = client.get(url, query).text
        return {pk for pk in (keep.pk, drop.pk, later.pk) if f'id="lead-{pk}"' in text}

    assert rows() == {keep.pk}
    assert rows(view="parked") == {later.pk}
    assert rows(view="archived") == {drop.pk}
    # Qualify into a chosen pipeline and stage.
    pilot = other_pipeline.stages.get(name="Pilot")
    response = client.post(
        reverse("pipeline:lead_convert", args=[keep.pk]), {"stage": pilot.pk, "title": "Acme pilot"}
    )
    deal = Deal.objects.get(title="Acme pilot")
    assert response.status_code == 302 and response.url == f"/deals/{deal.pk}/"
    assert (deal.pipeline, deal.stage, deal.organization, deal.value) == (
        other_pipeline,
        pilot,
        acme,
        Decimal("900.00"),
    )


def test_inbox_bad_input_is_a_4xx_with_a_message(client, rep, outsider):
    acme = organization_create(actor=rep, name="Acme")
    lead = lead_create(actor=rep, title="Keep", organization=acme)
    client.force_login(rep)
    park = reverse("pipeline:lead_park", args=[lead.pk])
    response = client.post(park, {"until": "31.02.2026"})
    assert response.status_code == 422 and "Enter a date" in response.text
    response = client.post(park, {"until": "2001-01-01"})
    assert response.status_code == 422 and "future" in response.text
    response = client.post(reverse("pipeline:lead_convert", args=[lead.pk]), {"stage": ""})
    assert response.status_code == 422 and "pipeline and stage" in response.text
    org = organization_create(actor=outsider, name="Theirs")
    theirs = lead_create(actor=outsider, title="Theirs", organization=org)
    assert client.post(reverse("pipeline:lead_archive", args=[theirs.pk])).status_code == 404


def test_new_lead_form_offers_a_known_organization(client, rep):
    acme = organization_create(actor=rep, name="Acme")
    client.force_login(rep)
    url = reverse("pipeline:lead_new")
    data = {"title": "Inbound", "new_organization_name": "ACME", "new_person_name": "Nina"}
    response = client.post(url, data)
    assert response.status_code == 409
    assert f'name="organization" value="{acme.pk}"' in response.text
    response = client.post(url, data | {"organization": acme.pk})
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.organization == acme and lead.person.name == "Nina"
    assert Organization.objects.count() == 1
    empty = client.post(url, {"title": "Nobody"})
    assert empty.status_code == 422 and "person or an organization" in empty.text


def test_deal_can_be_parked_from_its_page(client, rep, make_deal):
    deal = make_deal()
    client.force_login(rep)
    page = reverse("pipeline:deal_detail", args=[deal.pk])
    assert "Park until" in client.get(page).text
    response = client.post(
        reverse("pipeline:deal_park", args=[deal.pk]),
        {"until": _days(7).isoformat(), "version": deal.version},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.parked_until == _days(7)
    stale = client.post(
        reverse("pipeline:deal_park", args=[deal.pk]),
        {"until": _days(9).isoformat(), "version": 1},
    )
    assert stale.status_code == 409
    back = client.post(reverse("pipeline:deal_unpark", args=[deal.pk]), {"version": 2})
    assert back.status_code == 302
    assert Deal.objects.get(pk=deal.pk).parked_until is None
