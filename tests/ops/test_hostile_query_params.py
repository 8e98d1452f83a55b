"""Issue 15 item 9: every GET query parameter of the read pages and API lists, fed hostile
values, answers 2xx/3xx/4xx, never 5xx (SQLite by default; PostgreSQL with DATABASE_URL).

Each page is walked by URL name with a logged-in admin and a rep; every parameter it reads is
tried alone with every hostile value, then repeated and in PHP's `name[]` spelling. The values
are few on purpose (CI runs this on both databases): each stands for one kind of trouble."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pipeline.services import activities as activity_services
from pipeline.services import contacts as contact_services
from pipeline.services import leads as lead_services

HUGE = str(2**64)
# Every parameter gets each of these (kept short for CI: one value per kind of trouble).
HOSTILE = [
    "0001-01-01",
    "99999-01-01",
    HUGE,
    "-1",
    "abc",
    "²",  # str.isdigit() is true, int() refuses it
    "\x00",  # PostgreSQL refuses a NUL in a query parameter
    "x" * 5000,
]
# Only where the parameter is read as one: board cursors (segment|date|created|id, each part
# out of range or missing) and dashboard drill-down figures (kind:argument).
SPECIAL = {
    "cursor": [
        "0||2026-01-01T00:00:00+00:00|1",
        "2||2026-01-01T00:00:00+00:00|1",
        "0|0001-01-01|0001-01-01T00:00:00+14:00|1",
        "2|9999-12-31|9999-12-31T23:59:59-14:00|1",
        f"0|2026-01-01|2026-01-01T00:00:00+00:00|{HUGE}",
        f"{HUGE}|2026-01-01|2026-01-01T00:00:00+00:00|1",
        "1|x|y|z",
        "1|||",
    ],
    "figure": [f"owner_won:{HUGE}", "stage_open:²", f"reached:{HUGE}", "month:99999-12"],
}

SCOPE = ["pipeline", "start", "end", "owner", "team", "currency"]
# One field of each kind (money, whole number, percentage).
CALCULATOR = ["target", "weeks", "win_rate"]
API_COMMON = ["page", "page_size", "ordering", "updated_since", "format"]
DEAL_API = [
    "pipeline", "stage", "owner", "organization", "person", "status", "currency", "title",
    "external_id", "value_min", "value_max", "created_after", "created_before",
    "closed_after", "closed_before", "expected_close_after", "expected_close_before",
]  # fmt: skip
ACTIVITY_API = ["deal", "person", "organization", "owner", "type", "done", "due_after"]

# (URL name, the kwargs it needs (filled from the fixture), the query parameters it reads)
PAGES = [
    ("pipeline:board_default", (), ["owner", "q", "status"]),
    ("pipeline:board", ("pipeline_id",), ["owner", "q", "status", "more", "shown", "shown_S"]),
    ("pipeline:board_poll", ("pipeline_id",), ["v", "owner", "q", "status", "shown_S"]),
    ("pipeline:column_more", ("pipeline_id", "stage_id"), ["cursor", "owner", "q", "status"]),
    ("pipeline:people", (), ["q", "page"]),
    ("pipeline:organizations", (), ["q", "page"]),
    ("pipeline:person_new", (), ["organization"]),
    ("pipeline:person_detail", ("person_id",), ["page"]),
    ("pipeline:organization_detail", ("organization_id",), ["page"]),
    ("pipeline:lead_inbox", (), ["view", "q", "owner", "source", "page"]),
    ("pipeline:lead_new", (), ["organization", "person"]),
    ("pipeline:my_activities", (), ["owner", "type"]),
    ("pipeline:activity_calendar", (), ["week", "owner", "type"]),
    ("pipeline:activity_detail", ("activity_id",), ["next"]),
    ("pipeline:deal_detail", ("deal_id",), ["page", "next"]),
    ("pipeline:goals", (), ["ended"]),
    ("pipeline:goal_new", (), ["kind"]),
    ("pipeline:export", ("kind=deals", "fmt=csv"), ["owner", "stage", "created_after"]),
    # The scope parameters are the drill-down's; the calculator reads its fields with a target.
    ("metrics:dashboard", (), ["start", "owner", *CALCULATOR, "export"]),
    ("metrics:drilldown", (), [*SCOPE, "figure", "export"]),
    ("metrics:stale", (), ["pipeline", "owner", "reason", "export"]),
    ("api:deal-list", (), [*API_COMMON, *DEAL_API]),
    ("api:person-list", (), [*API_COMMON, "owner", "organization", "name", "email"]),
    ("api:organization-list", (), [*API_COMMON, "owner", "name"]),
    ("api:activity-list", (), [*API_COMMON, *ACTIVITY_API]),
    ("api:lead-list", (), [*API_COMMON, "owner", "status", "source"]),
    ("api:stage-list", (), [*API_COMMON, "pipeline", "is_active"]),
    ("api:stage-change-list", (), [*API_COMMON, "deal", "pipeline", "to_status", "source"]),
    ("api:pipeline-list", (), [*API_COMMON, "is_active"]),
    ("api:lost-reason-list", (), [*API_COMMON, "is_active"]),
    ("api:user-list", (), [*API_COMMON, "team", "role", "is_active"]),
    ("api:metrics", (), ["pipeline", "start", "end", "owner", "team", "currency"]),
]


# Sent along with each try on these pages (the calculator reads nothing without a target).
BASE = {"metrics:dashboard": {"target": "1000"}}


@pytest.fixture
def world(admin, rep, pipeline, stages, make_deal):
    today = timezone.localdate()
    deals = [make_deal(title=f"Deal {i}") for i in range(3)]
    org = contact_services.organization_create(actor=rep, name="Acme")
    person = contact_services.person_create(actor=rep, name="Ann Lee", organization=org)
    activity = activity_services.activity_create(
        actor=rep,
        type="call",
        subject="Call",
        due_date=today + datetime.timedelta(days=1),
        deal=deals[0],
    )
    lead_services.lead_create(actor=rep, title="Lead", organization=org)
    return {
        "pipeline_id": pipeline.pk,
        "stage_id": stages[0].pk,
        "deal_id": deals[0].pk,
        "person_id": person.pk,
        "organization_id": org.pk,
        "activity_id": activity.pk,
    }


def _kwargs(names: tuple, world: dict) -> dict:
    out = {}
    for name in names:
        key, _, fixed = name.partition("=")
        out[key] = fixed or world[key]
    return out


@pytest.mark.parametrize(("url_name", "kwargs", "params"), PAGES, ids=[p[0] for p in PAGES])
def test_hostile_query_params_never_answer_5xx(request, world, url_name, kwargs, params):
    url = reverse(url_name, kwargs=_kwargs(kwargs, world))
    failures = []
    for who in ("admin", "rep"):
        client = Client(raise_request_exception=False)
        client.force_login(request.getfixturevalue(who))
        for param in params:
            param = param.replace("_S", f"_{world['stage_id']}")
            tries = [{param: value} for value in (*HOSTILE, *SPECIAL.get(param, ()))]
            tries += [{param: ["abc", HUGE]}, {f"{param}[]": "1"}]
            for query in tries:
                response = client.get(url, {**BASE.get(url_name, {}), **query})
                if response.status_code >= 500:
                    failures.append(f"{who} {url} {query!r:.120} -> {response.status_code}")
    assert not failures, "\n".join(failures)
