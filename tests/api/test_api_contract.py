"""The OpenAPI contract: generated without warnings, and the app honours it.

schemathesis generates requests from /api/schema/ (valid and invalid), sends them to the live
WSGI application in this process, and runs every built-in check: no 5xx, status codes,
content types, headers and bodies as documented, invalid data refused, auth not ignored.
"""

from __future__ import annotations

import datetime
import itertools
import os
import re
from decimal import Decimal

import pytest
import schemathesis
from django.contrib import auth
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from pipeline import services
from tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db

# Generated examples per operation (bounded so CI stays quick; raise it locally to dig deeper).
MAX_EXAMPLES = int(os.environ.get("STAGECOACH_API_EXAMPLES", "15"))
CSRF_SECRET = "a" * 32
_alternate = itertools.cycle([True, False])


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any guess drf-spectacular had to make into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/deals/{id}/move/", "/api/stage-changes/", "/api/leads/{id}/convert/"):
        assert path in text
    # Request and response bodies are separate components (COMPONENT_SPLIT_REQUEST).
    assert "DealCreateRequest:" in text and "\n    Deal:" in text


def test_docs_are_served_from_local_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    bundle = next(s for s in sources if s.endswith("swagger-ui-bundle.js"))
    assert finders.find(bundle.removeprefix("/static/"))


# schemathesis' lazy `from_fixture` loader relies on pytest internals that pytest 9 removed
# (`Node._nodeid`), so the schema is loaded once at collection, straight from the WSGI app.
# The schema view needs no database and no login.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # Every built-in check is on (the default), plus the response time limit that
            # `--checks all` adds on the command line.
            "max_response_time": 10.0,
            # Schema-valid data may still break a business rule (an archived stage, a lead
            # already converted, a title that is blank once trimmed): those are 4xx with a
            # message, never 5xx, and the schema cannot express them.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422"]
            },
        },
    }
)
contract = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)
# schemathesis asks the auth provider while it generates cases, which can be before the test's
# fixtures run; so the session key is fixed here and the `session_key` fixture stores it.
SESSION_KEY = "contracttestsession0000000000000"


@contract.auth(refresh_interval=None)
class SessionCookieAuth:
    """Session authentication as a browser does it: the session cookie plus a CSRF
    cookie/header pair. Registered as auth so the `ignored_auth` check can strip or corrupt it
    and expect a refusal."""

    def get(self, case, ctx):  # noqa: ANN001, ANN201
        return SESSION_KEY

    def set(self, case, data, ctx):  # noqa: ANN001, ANN201
        case.cookies = {**(case.cookies or {}), "sessionid": data, "csrftoken": CSRF_SECRET}
        case.headers = {**(case.headers or {}), "X-CSRFToken": CSRF_SECRET}


@pytest.fixture
def existing_ids(admin, make_deal, stages, lost_reason, team_a) -> dict[str, int]:
    """Some data for the generated requests to hit, by URL segment and by payload field."""
    # The stage bodies aim at asks for a value: a create or move without one is refused
    # (422), with a body that must match its schema too.
    stages[1].requirements = ["value"]
    stages[1].save()
    org = OrganizationFactory(name="Acme")
    person = PersonFactory(name="Ann", organization=org)
    deals = [make_deal(title=f"Deal {i}", value=Decimal("100"), organization=org) for i in range(3)]
    lead = services.lead_create(actor=admin, title="Inbound", person=person)
    activity = services.activity_create(
        actor=admin, type="call", subject="Call", due_date=datetime.date(2030, 1, 1), deal=deals[0]
    )
    return {
        "deals": deals[0].pk,
        "deal": deals[1].pk,
        "people": person.pk,
        "person": person.pk,
        "organizations": org.pk,
        "organization": org.pk,
        "leads": lead.pk,
        "activities": activity.pk,
        "stages": stages[1].pk,
        "stage": stages[1].pk,
        "pipelines": stages[0].pipeline_id,
        "pipeline": stages[0].pipeline_id,
        "team": team_a.pk,
        "lost-reasons": lost_reason.pk,
        "lost_reason": lost_reason.pk,
        "users": admin.pk,
        "owner": admin.pk,
        "stage-changes": deals[0].stage_changes.first().pk,
    }


@pytest.fixture
def session_key(admin, existing_ids):
    """Logs the admin in; the registered auth sends this session."""

    # Like Django's test client: the test's transaction must survive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # (SessionStore would replace a key it cannot load, so the row is written directly.)
    Session.objects.create(
        session_key=SESSION_KEY,
        session_data=SessionStore().encode(
            {
                auth.SESSION_KEY: str(admin.pk),
                auth.BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                auth.HASH_SESSION_KEY: admin.get_session_auth_hash(),
            }
        ),
        expire_date=timezone.now() + datetime.timedelta(days=1),
    )
    yield SESSION_KEY
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@contract.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_honours_its_contract(case, session_key, existing_ids):
    # Random ids almost never exist; every other example points at a real row instead, so
    # the success paths (moves, wins, edits) are exercised as well as the refusals.
    aim = next(_alternate) and case.meta.generation.mode.name == "POSITIVE"
    if aim and case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = existing_ids[case.path.split("/")[2]]
    if aim and isinstance(case.body, dict):
        for key in case.body.keys() & existing_ids.keys():
            if isinstance(case.body[key], int):
                case.body[key] = existing_ids[key]
    if aim and isinstance(case.query, dict):
        # Query ids too (`/api/metrics/?pipeline=&team=`, list filters).
        for key in case.query.keys() & existing_ids.keys():
            if isinstance(case.query[key], int):
                case.query[key] = existing_ids[key]
    case.call_and_validate()


def test_seeded_emails_are_what_the_api_documents():
    """Demo people's emails pass Django's validator, the one behind the API's `format: email`
    (issue 15: `julia.horváth.4@…` did not)."""
    from django.core.validators import validate_email

    from pipeline.models import Person

    call_command("seed_demo", deals=50, seed=3)
    emails = list(Person.objects.values_list("email", flat=True))
    assert emails
    for email in emails:
        assert email.isascii(), email
        validate_email(email)
