"""`model_update`: the one "diff fields → update → setattr" helper of the services (issue 17)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Organization
from pipeline.services._common import model_diff, model_update

pytestmark = pytest.mark.django_db


def test_it_writes_only_what_changed_and_returns_the_names(rep, django_assert_num_queries):
    org = services.organization_create(actor=rep, name="Acme")
    stamp = org.updated_at
    with django_assert_num_queries(0):  # nothing differs: no UPDATE, `always` not written
        assert model_update(org, {"name": "Acme"}, updated_at=timezone.now()) == []
    assert org.updated_at == stamp
    later = timezone.now()
    with django_assert_num_queries(1):  # one UPDATE of the changed field and `always`
        changed = model_update(org, {"name": "Acme Ltd", "website": org.website}, updated_at=later)
    assert changed == ["name"]
    assert (org.name, org.updated_at) == ("Acme Ltd", later)
    fresh = Organization.objects.get(pk=org.pk)
    assert (fresh.name, fresh.updated_at) == ("Acme Ltd", later)
    assert model_diff(fresh, {"name": "Acme Ltd", "website": "https://acme.test"}) == {
        "website": "https://acme.test"
    }


def test_the_services_that_diff_fields_use_it(rep, admin, stages, monkeypatch):
    from pipeline.services import _common, activities, contacts
    from pipeline.services import stages as config

    calls: list[str] = []
    real = _common.model_update

    def spy(instance, values, **always):  # noqa: ANN001, ANN202
        calls.append(type(instance).__name__)
        return real(instance, values, **always)

    for module in (activities, config, contacts):
        monkeypatch.setattr(module, "model_update", spy)
    org = services.organization_create(actor=rep, name="Acme")
    services.organization_update(organization=org, actor=rep, changes={"name": "Acme Ltd"})
    person = services.person_create(actor=rep, name="Ann")
    services.person_update(person=person, actor=rep, changes={"name": "Anna"})
    services.stage_update(stage=stages[0], actor=admin, changes={"name": "First"})
    services.pipeline_rename(pipeline=stages[0].pipeline, name="Sales 2", actor=admin)
    call = services.activity_create(
        actor=rep, type="call", subject="Call", due_date=timezone.localdate(), person=person
    )
    services.activity_update(activity=call, actor=rep, changes={"subject": "Call Anna"})
    assert calls == ["Organization", "Person", "Stage", "Pipeline", "Activity"]
