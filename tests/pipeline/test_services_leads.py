from decimal import Decimal

import pytest

from pipeline import services
from pipeline.models import Lead, StageChange
from shared.errors import NotAllowed, RuleViolation
from tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _lead(owner, **kw):
    return Lead.objects.create(title="Inbound: Acme", owner=owner, **kw)


def test_convert_keeps_people_and_organization(stages, rep):
    org = OrganizationFactory(name="Acme")
    person = PersonFactory(organization=org)
    lead = _lead(rep, organization=org, person=person, expected_value=Decimal("900"))
    deal = services.lead_convert(lead=lead, stage=stages[1], actor=rep)
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_deal == deal
    assert (deal.organization, deal.person, deal.value, deal.stage) == (
        org,
        person,
        Decimal("900.00"),
        stages[1],
    )
    assert StageChange.objects.filter(deal=deal, from_stage=None).count() == 1


def test_convert_twice_is_refused(stages, rep):
    lead = _lead(rep)
    services.lead_convert(lead=lead, stage=stages[0], actor=rep)
    with pytest.raises(RuleViolation, match="already converted"):
        services.lead_convert(lead=lead, stage=stages[0], actor=rep)


def test_cannot_convert_someone_elses_lead(stages, rep, outsider):
    lead = _lead(outsider)
    with pytest.raises(NotAllowed):
        services.lead_convert(lead=lead, stage=stages[0], actor=rep)
    assert Lead.objects.get(pk=lead.pk).status == "open"
