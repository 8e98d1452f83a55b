"""Every URL in the URL conf × every persona, with the status each must get.

The list of URLs is read from the URL resolver, so a new URL without a rule in RULES fails
`test_every_url_has_a_rule` (and its own matrix case): whoever adds an endpoint must decide
who may use it.

Personas: anonymous; `rep` (Rita, owns the deal); `teammate` (another rep, same team);
`manager` (manages Rita's team); `other_manager` (manages another team); `admin`.
Expected codes: 200 page or fragment, 302 redirect (to the login page for anonymous users,
or POST/redirect/GET after a change), 403 visible but not allowed, 404 not visible.
POSTs to deal endpoints are sent as htmx requests, which answer refusals with their status
code (plain forms answer them with a message and a redirect).
The REST API (`api:*`) answers anonymous callers 401 (the token authentication asks for
credentials with `WWW-Authenticate: Token`), never a login redirect, and its POSTs send JSON.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import CompanySettings
from pipeline import services

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "rep", "teammate", "manager", "other_manager", "admin"]


def _names(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[str]:
    """Every URL name, namespaced (`pipeline:deal_move`); an unnamed pattern yields its route,
    which has no rule and so fails the test."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _names(pattern, prefix)
        elif isinstance(pattern, URLPattern):
            label = pattern.name or f"<unnamed {pattern.pattern}>"
            yield f"{namespace}{label}"


def url_names() -> list[str]:
    return sorted(set(_names()))


def everyone(ok: int, anonymous: int = 302) -> dict[str, int]:
    return {p: (anonymous if p == "anonymous" else ok) for p in PERSONAS}


def public(ok: int = 200) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, ok)


def admin_only(ok: int) -> dict[str, int]:
    expect = dict.fromkeys(PERSONAS, 403)
    expect.update(anonymous=302, admin=ok)
    return expect


def deal_editors(ok: int) -> dict[str, int]:
    """Rita's deal: she, her manager and the admin may change it; the others do not see it."""
    return {
        "anonymous": 302,
        "rep": ok,
        "teammate": 404,
        "manager": ok,
        "other_manager": 404,
        "admin": ok,
    }


def managers(ok: int) -> dict[str, int]:
    """Pages for managers and admins (activity goals): a rep may not use them."""
    expect = dict.fromkeys(PERSONAS, ok)
    expect.update(anonymous=302, rep=403, teammate=403)
    return expect


def token_owner(ok: int) -> dict[str, int]:
    """Rita's API token: only she and an admin may revoke it; for others it does not exist."""
    expect = dict.fromkeys(PERSONAS, 404)
    expect.update(anonymous=302, rep=ok, admin=ok)
    return expect


def api(expect: dict[str, int]) -> dict[str, int]:
    """An API endpoint: the same rule as the page, but anonymous callers get 401."""
    return {**expect, "anonymous": 401}


def import_owner(ok: int) -> dict[str, int]:
    """Rita's import job: only she (who uploaded it) and an admin change or apply it; for
    anyone else but her manager it does not exist."""
    expect = dict.fromkeys(PERSONAS, 404)
    expect.update(anonymous=302, rep=ok, admin=ok, manager=403)
    return expect


def import_followers(ok: int) -> dict[str, int]:
    """Rita's import job, read: she, her manager (who follows the team's imports) and an
    admin see it; for the others it does not exist."""
    return {**import_owner(ok), "manager": ok}


@dataclass(frozen=True)
class Rule:
    method: str
    expect: dict[str, int]
    kwargs: Callable = field(default=lambda w: {})
    data: Callable = field(default=lambda w: {})
    htmx: bool = False
    query: str | Callable = ""  # a query string, or a function of the world giving one
    # For a pattern without a name (it cannot be reversed): the address to call.
    path: str = ""


def _deal(w):  # noqa: ANN001, ANN202
    return {"deal_id": w.deal.pk}


def _won_deal(w):  # noqa: ANN001, ANN202
    services.deal_win(deal=w.deal, expected_version=w.deal.version, actor=w.deal.owner)
    return {"deal_id": w.deal.pk}


def _stage(w):  # noqa: ANN001, ANN202
    return {"stage_id": w.stages[1].pk}


def _pipeline(w):  # noqa: ANN001, ANN202
    return {"pipeline_id": w.deal.pipeline_id}


def _rep_id(w):  # noqa: ANN001, ANN202
    return {"user_id": w.deal.owner_id}


def _team(w):  # noqa: ANN001, ANN202
    return {"team_id": w.deal.owner.team_id}


def _stage_change(w):  # noqa: ANN001, ANN202
    return {"pk": w.deal.stage_changes.earliest("timestamp").pk}


def _import(w):  # noqa: ANN001, ANN202
    return {"job_id": w.import_job.pk}


def _tomorrow() -> str:
    return (datetime.date.today() + datetime.timedelta(days=1)).isoformat()


def _in_a_month() -> str:
    return (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


def _activity(w):  # noqa: ANN001, ANN202
    return {"activity_id": w.activity.pk}


def _done_activity(w):  # noqa: ANN001, ANN202
    services.activity_complete(activity=w.activity, actor=w.deal.owner)
    return {"activity_id": w.activity.pk}


def _rita_goal(w):  # noqa: ANN001, ANN202
    """A goal her manager set for Rita: she sees it read-only, her manager and the admin may
    change it, for the others it does not exist."""
    from pipeline.services.goals import goal_create

    rita = w.deal.owner
    goal = goal_create(actor=rita.team.manager, kind="deals_won", target=3, owner=rita)
    return {"goal_id": goal.pk}


def goal_setters(ok: int) -> dict[str, int]:
    return {**deal_editors(ok), "rep": 403}


def _lead(w):  # noqa: ANN001, ANN202
    return {"lead_id": w.lead.pk}


def _archived_lead(w):  # noqa: ANN001, ANN202
    services.lead_archive(lead=w.lead, actor=w.lead.owner)
    return {"lead_id": w.lead.pk}


def _parked_lead(w):  # noqa: ANN001, ANN202
    services.lead_park(
        lead=w.lead, until=datetime.date.today() + datetime.timedelta(days=9), actor=w.lead.owner
    )
    return {"lead_id": w.lead.pk}


def _parked_deal(w):  # noqa: ANN001, ANN202
    services.deal_park(
        deal=w.deal,
        until=datetime.date.today() + datetime.timedelta(days=9),
        expected_version=w.deal.version,
        actor=w.deal.owner,
    )
    return {"deal_id": w.deal.pk}


RULES: dict[str, Rule] = {
    "healthz": Rule("get", public(200)),
    # Django's admin guards itself (staff only); one representative page is checked, the
    # rest of the namespace follows the same rule by construction.
    "admin:*": Rule("get", {**public(302), "admin": 200}),
    # --- Front door
    "accounts:login": Rule("get", {**public(302), "anonymous": 200}),
    "accounts:logout": Rule("post", public(302)),
    "accounts:password_reset": Rule("get", public(200)),
    "accounts:password_reset_done": Rule("get", public(200)),
    "accounts:password_reset_confirm": Rule(
        "get", public(200), kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}
    ),
    "accounts:password_reset_complete": Rule("get", public(200)),
    "accounts:api_tokens": Rule("get", everyone(200)),
    "accounts:preferences": Rule("get", everyone(200)),
    "accounts:api_token_revoke": Rule(
        "post", token_owner(302), kwargs=lambda w: {"token_id": w.token.pk}
    ),
    # --- Users, teams and company settings: admins only
    "accounts:user_list": Rule("get", admin_only(200)),
    "accounts:user_edit": Rule("get", admin_only(200), kwargs=_rep_id),
    "accounts:user_deactivate": Rule(
        "post",
        admin_only(302),
        kwargs=_rep_id,
        data=lambda w: {"reassign_to": w.deal.owner.team.manager_id},
    ),
    "accounts:user_reactivate": Rule("post", admin_only(302), kwargs=_rep_id),
    "accounts:user_invite_resend": Rule("post", admin_only(302), kwargs=_rep_id),
    "accounts:team_list": Rule("get", admin_only(200)),
    "accounts:team_edit": Rule("get", admin_only(200), kwargs=_team),
    "accounts:company_settings": Rule("get", admin_only(200)),
    # --- The board: every signed-in user; cards are scoped by the visibility functions
    "pipeline:board_default": Rule("get", everyone(200)),
    "pipeline:board": Rule("get", everyone(200), kwargs=_pipeline),
    "pipeline:board_poll": Rule("get", everyone(200), kwargs=_pipeline, query="v=-1"),
    "pipeline:column_more": Rule(
        "get",
        everyone(200),
        kwargs=lambda w: {"pipeline_id": w.deal.pipeline_id, "stage_id": w.deal.stage_id},
    ),
    "pipeline:deal_quick_add": Rule(
        "post",
        everyone(200),
        kwargs=_pipeline,
        data=lambda w: {"title": "New deal", "stage": w.stages[0].pk, "value": "10"},
        htmx=True,
    ),
    # --- One deal
    "pipeline:deal_detail": Rule("get", deal_editors(200), kwargs=_deal),
    "pipeline:deal_move": Rule(
        "post",
        deal_editors(200),
        kwargs=_deal,
        data=lambda w: {"stage": w.stages[1].pk, "version": w.deal.version},
        htmx=True,
    ),
    "pipeline:deal_win": Rule(
        "post", deal_editors(200), kwargs=_deal, data=lambda w: {"version": 1}, htmx=True
    ),
    "pipeline:deal_lose": Rule(
        "post",
        deal_editors(200),
        kwargs=_deal,
        data=lambda w: {"version": 1, "reason": w.lost_reason.pk, "note": "Too pricey"},
        htmx=True,
    ),
    "pipeline:deal_reopen": Rule(
        "post", deal_editors(302), kwargs=_won_deal, data=lambda w: {"version": 2}
    ),
    "pipeline:deal_note": Rule(
        "post", deal_editors(302), kwargs=_deal, data=lambda w: {"body": "Budget confirmed"}
    ),
    # --- Contacts: a shared address book every signed-in user reads and keeps up to date
    "pipeline:people": Rule("get", everyone(200)),
    "pipeline:person_new": Rule("get", everyone(200)),
    "pipeline:person_detail": Rule(
        "get", everyone(200), kwargs=lambda w: {"person_id": w.person.pk}
    ),
    "pipeline:person_edit": Rule("get", everyone(200), kwargs=lambda w: {"person_id": w.person.pk}),
    "pipeline:organizations": Rule("get", everyone(200)),
    "pipeline:organization_new": Rule("get", everyone(200)),
    "pipeline:organization_detail": Rule(
        "get", everyone(200), kwargs=lambda w: {"organization_id": w.organization.pk}
    ),
    "pipeline:organization_edit": Rule(
        "get", everyone(200), kwargs=lambda w: {"organization_id": w.organization.pk}
    ),
    "pipeline:contact_note": Rule(
        "post",
        everyone(302),
        kwargs=lambda w: {"kind": "person", "pk": w.person.pk},
        data=lambda w: {"body": "Prefers email."},
    ),
    # --- Leads: an inbox per owner; managers act on their team's leads
    "pipeline:lead_inbox": Rule("get", everyone(200)),
    "pipeline:lead_new": Rule("get", everyone(200)),
    "pipeline:lead_convert": Rule(
        "post", deal_editors(302), kwargs=_lead, data=lambda w: {"stage": w.stages[0].pk}
    ),
    "pipeline:lead_archive": Rule("post", deal_editors(302), kwargs=_lead),
    "pipeline:lead_restore": Rule("post", deal_editors(302), kwargs=_archived_lead),
    "pipeline:lead_park": Rule(
        "post", deal_editors(302), kwargs=_lead, data=lambda w: {"until": _in_a_month()}
    ),
    "pipeline:lead_unpark": Rule("post", deal_editors(302), kwargs=_parked_lead),
    "pipeline:deal_park": Rule(
        "post",
        deal_editors(302),
        kwargs=_deal,
        data=lambda w: {"until": _in_a_month(), "version": w.deal.version},
    ),
    "pipeline:deal_unpark": Rule(
        "post", deal_editors(302), kwargs=_parked_deal, data=lambda w: {"version": 2}
    ),
    # --- Activities: the owner's, and the deal owner's manager's
    "pipeline:my_activities": Rule("get", everyone(200)),
    "pipeline:activity_calendar": Rule("get", everyone(200)),
    "pipeline:activity_goals": Rule("get", managers(200)),
    # Goals: everyone sees theirs; managers and admins set them.
    "pipeline:goals": Rule("get", everyone(200)),
    "pipeline:goal_new": Rule("get", managers(200)),
    "pipeline:goal_edit": Rule("get", goal_setters(200), kwargs=_rita_goal),
    "pipeline:goal_delete": Rule("post", goal_setters(302), kwargs=_rita_goal),
    "pipeline:activity_schedule": Rule(
        "post",
        deal_editors(302),
        data=lambda w: {
            "type": "call",
            "subject": "Follow up",
            "due_date": _tomorrow(),
            "deal": w.deal.pk,
        },
    ),
    "pipeline:activity_detail": Rule("get", deal_editors(200), kwargs=_activity),
    "pipeline:activity_finish": Rule(
        "post", deal_editors(302), kwargs=_activity, data=lambda w: {"outcome": "Reached them"}
    ),
    "pipeline:activity_reschedule": Rule(
        "post", deal_editors(302), kwargs=_activity, data=lambda w: {"due_date": _tomorrow()}
    ),
    "pipeline:activity_reopen": Rule("post", deal_editors(302), kwargs=_done_activity),
    "pipeline:calendar_feed_settings": Rule("get", everyone(200)),
    # The feed is read by calendar apps without a session: its secret address is the key.
    "pipeline:calendar_feed": Rule("get", public(200), kwargs=lambda w: {"token": w.feed.token}),
    # --- Insights: every figure is scoped by the visibility functions (a rep sees their own)
    "metrics:dashboard": Rule("get", everyone(200)),
    "metrics:drilldown": Rule("get", everyone(200), query="figure=open"),
    "metrics:stale": Rule("get", everyone(200)),
    "metrics:recompute": Rule("post", managers(302)),
    # Bulk cleanup answers with a message and a redirect (a plain form); the services refuse
    # deals the user may not change — tests/metrics check that nothing changes then.
    "metrics:stale_bulk": Rule(
        "post",
        everyone(302),
        data=lambda w: {"deals": [w.deal.pk], "action": "lose", "reason": w.lost_reason.pk},
    ),
    # --- Settings: admins only
    "pipeline:settings_pipelines": Rule("get", admin_only(200)),
    "pipeline:settings_pipeline": Rule("get", admin_only(200), kwargs=_pipeline),
    "pipeline:settings_pipeline_archive": Rule("post", admin_only(302), kwargs=_pipeline),
    "pipeline:settings_stage_add": Rule(
        "post",
        admin_only(302),
        kwargs=_pipeline,
        data=lambda w: {"name": "Contract", "win_probability": 90},
    ),
    "pipeline:settings_stage_reorder": Rule(
        "post",
        admin_only(302),
        kwargs=_pipeline,
        data=lambda w: {"order": ",".join(str(s.pk) for s in reversed(w.stages))},
    ),
    "pipeline:settings_stage": Rule("get", admin_only(200), kwargs=_stage),
    "pipeline:settings_stage_step": Rule(
        "post", admin_only(302), kwargs=_stage, data=lambda w: {"direction": "up"}
    ),
    "pipeline:settings_stage_archive": Rule("get", admin_only(200), kwargs=_stage),
    "pipeline:settings_stage_restore": Rule("post", admin_only(302), kwargs=_stage),
    "pipeline:settings_lost_reasons": Rule("get", admin_only(200)),
    "pipeline:settings_lost_reason": Rule(
        "post",
        admin_only(302),
        kwargs=lambda w: {"reason_id": w.lost_reason.pk},
        data=lambda w: {"action": "rename", "name": "Budget cut"},
    ),
    # --- CSV import: every signed-in user imports; a job is its uploader's (and the admin's)
    "pipeline:imports": Rule("get", everyone(200)),
    "pipeline:import_job": Rule("get", import_followers(200), kwargs=_import),
    "pipeline:import_progress": Rule("get", import_followers(200), kwargs=_import),
    # The job is checked with nothing unknown: matching (nothing) re-checks it, applying
    # starts the import; both redirect back to the job page.
    "pipeline:import_matches": Rule("post", import_owner(302), kwargs=_import),
    "pipeline:import_apply": Rule("post", import_owner(302), kwargs=_import),
    # Deleting the file of an import that will not be applied: the uploader or an admin.
    "pipeline:import_discard": Rule("post", import_owner(302), kwargs=_import),
    # --- Export: everyone; the rows are what the visibility functions let the user see
    "pipeline:export": Rule("get", everyone(200), kwargs=lambda w: {"kind": "deals", "fmt": "csv"}),
    # --- REST API: the pages' rules, with 401 for anonymous callers
    # The contract and its docs are public (docs/api-and-import.md); every resource needs a
    # user, and an unknown address under /api/ is a JSON 404 for anyone.
    "api:schema": Rule("get", public(200)),
    "api:docs": Rule("get", public(200)),
    "api:<unnamed ^.*$>": Rule("get", public(404), path="/api/no-such-resource/"),
    # Configuration and the people of the company: read-only, for every signed-in user.
    "api:pipeline-list": Rule("get", api(everyone(200))),
    "api:pipeline-detail": Rule(
        "get", api(everyone(200)), kwargs=lambda w: {"pk": w.deal.pipeline_id}
    ),
    "api:stage-list": Rule("get", api(everyone(200))),
    "api:stage-detail": Rule("get", api(everyone(200)), kwargs=lambda w: {"pk": w.stages[1].pk}),
    "api:lost-reason-list": Rule("get", api(everyone(200))),
    "api:lost-reason-detail": Rule(
        "get", api(everyone(200)), kwargs=lambda w: {"pk": w.lost_reason.pk}
    ),
    "api:user-list": Rule("get", api(everyone(200))),
    "api:user-detail": Rule("get", api(everyone(200)), kwargs=lambda w: {"pk": w.deal.owner_id}),
    # Deals: a list scoped by visibility, creation for everyone; Rita's deal as on the pages.
    "api:deal-list": Rule(
        "post",
        api(everyone(201)),
        data=lambda w: {"title": "New deal", "stage": w.stages[0].pk, "value": "10"},
    ),
    "api:deal-detail": Rule("get", api(deal_editors(200)), kwargs=lambda w: {"pk": w.deal.pk}),
    "api:deal-move": Rule(
        "post",
        api(deal_editors(200)),
        kwargs=lambda w: {"pk": w.deal.pk},
        data=lambda w: {"stage": w.stages[1].pk, "version": w.deal.version},
    ),
    "api:deal-win": Rule(
        "post",
        api(deal_editors(200)),
        kwargs=lambda w: {"pk": w.deal.pk},
        data=lambda w: {"version": w.deal.version},
    ),
    "api:deal-lose": Rule(
        "post",
        api(deal_editors(200)),
        kwargs=lambda w: {"pk": w.deal.pk},
        data=lambda w: {"version": w.deal.version, "lost_reason": w.lost_reason.pk},
    ),
    "api:deal-reopen": Rule(
        "post",
        api(deal_editors(200)),
        kwargs=lambda w: {"pk": _won_deal(w)["deal_id"]},
        data=lambda w: {"version": 2},
    ),
    "api:deal-notes": Rule(
        "post",
        api(deal_editors(201)),
        kwargs=lambda w: {"pk": w.deal.pk},
        data=lambda w: {"body": "Budget confirmed"},
    ),
    "api:stage-change-list": Rule("get", api(everyone(200))),
    "api:stage-change-detail": Rule("get", api(deal_editors(200)), kwargs=_stage_change),
    # Contacts: the shared address book.
    "api:organization-list": Rule(
        "post", api(everyone(201)), data=lambda w: {"name": "Globex Ltd"}
    ),
    "api:organization-detail": Rule(
        "get", api(everyone(200)), kwargs=lambda w: {"pk": w.organization.pk}
    ),
    "api:person-list": Rule("post", api(everyone(201)), data=lambda w: {"name": "Bo Lund"}),
    "api:person-detail": Rule("get", api(everyone(200)), kwargs=lambda w: {"pk": w.person.pk}),
    # Activities and leads: their owner's, and her manager's.
    "api:activity-list": Rule("get", api(everyone(200))),
    "api:activity-detail": Rule(
        "get", api(deal_editors(200)), kwargs=lambda w: {"pk": w.activity.pk}
    ),
    "api:lead-list": Rule("get", api(everyone(200))),
    "api:lead-detail": Rule("get", api(deal_editors(200)), kwargs=lambda w: {"pk": w.lead.pk}),
    "api:lead-convert": Rule(
        "post",
        api(deal_editors(201)),
        kwargs=lambda w: {"pk": w.lead.pk},
        data=lambda w: {"stage": w.stages[0].pk},
    ),
    # Metrics (read-only): Rita's figures are hers, her manager's and the admin's; for the
    # others they do not exist.
    "api:metrics": Rule("get", api(deal_editors(200)), query=lambda w: f"owner={w.deal.owner_id}"),
    # Issue 10: currencies and rates.
    "pipeline:settings_currencies": Rule("get", admin_only(200)),
    "pipeline:settings_currency": Rule(
        "post",
        admin_only(302),
        kwargs=lambda w: {"code": "USD"},
        data=lambda w: {"action": "enable"},
    ),
}


# Development only (DEBUG): static files, which are public like in production (WhiteNoise).
DEV_STATIC = "<unnamed ^static/(?P<path>.*)$>"


def _rule_for(name: str) -> Rule | None:
    if name.startswith("admin:"):
        return RULES["admin:*"]
    if name == DEV_STATIC:
        return Rule("get", public(200))
    return RULES.get(name)


def test_every_url_has_a_rule_and_every_rule_a_url():
    names = url_names()
    missing = [n for n in names if _rule_for(n) is None]
    assert not missing, f"Add a permission rule to RULES for: {missing}"
    stale = sorted(
        set(RULES) - set(names) - {"admin:*"} - {n for n in RULES if n.startswith("admin:")}
    )
    assert not stale, f"RULES names URLs that no longer exist: {stale}"


def _client_for(persona: str, request: pytest.FixtureRequest) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def _call(name: str, rule: Rule, world, client: Client):  # noqa: ANN001, ANN202
    url_name = "admin:index" if name.startswith("admin:") else name
    url = rule.path or reverse(url_name, kwargs=rule.kwargs(world))
    if rule.query:
        url = f"{url}?{rule.query(world) if callable(rule.query) else rule.query}"
    headers = {"HX-Request": "true"} if rule.htmx else {}
    if rule.method == "get":
        return client.get(url, headers=headers)
    if name.startswith("api:"):
        # The API reads JSON bodies only.
        return client.post(url, rule.data(world), content_type="application/json", headers=headers)
    return client.post(url, rule.data(world), headers=headers)


def matrix_names() -> list[str]:
    """The URLs to call: the admin namespace once (admin:index), the development-only static
    files not at all (the test settings have DEBUG off, so that URL would answer 404)."""
    names = {"admin:index" if n.startswith("admin:") else n for n in url_names()}
    return sorted(names - {DEV_STATIC})


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", matrix_names())
def test_permission_matrix(name, persona, world, request):
    rule = _rule_for(name)
    assert rule is not None, f"{name} has no rule in RULES: decide who may use it"
    response = _call(name, rule, world, _client_for(persona, request))
    expected = rule.expect[persona]
    assert response.status_code == expected, (
        f"{rule.method.upper()} {name} as {persona}: {response.status_code}, expected {expected}"
    )
    if expected == 302 and persona == "anonymous":
        login = "/admin/login/" if name.startswith("admin:") else "/accounts/login/"
        assert login in response["Location"] or name == "accounts:logout"


# With the company setting on, a rep sees colleagues' deals but may not change them: the
# same endpoints now answer 200 to read and 403 to write.
READ_ONLY_FOR_TEAMMATE = {
    "pipeline:deal_detail": 200,
    "pipeline:deal_move": 403,
    "pipeline:deal_win": 403,
    "pipeline:deal_lose": 403,
    "api:deal-detail": 200,
    "api:stage-change-detail": 200,
    "api:deal-move": 403,
    "api:deal-win": 403,
    "api:deal-lose": 403,
    "pipeline:deal_note": 403,
    "api:deal-notes": 403,
}


@pytest.mark.parametrize("name", sorted(READ_ONLY_FOR_TEAMMATE))
def test_reps_see_colleagues_deals_read_only_when_the_company_allows(name, world, request):
    CompanySettings.objects.update_or_create(pk=1, defaults={"reps_see_all_deals": True})
    response = _call(name, RULES[name], world, _client_for("teammate", request))
    assert response.status_code == READ_ONLY_FOR_TEAMMATE[name]
    if response.status_code == 403:
        assert "belongs to Rita Rep" in response.content.decode()


def test_a_manager_of_another_team_does_not_see_the_deal_even_with_the_setting_on(world, request):
    CompanySettings.objects.update_or_create(pk=1, defaults={"reps_see_all_deals": True})
    response = _call(
        "pipeline:deal_detail",
        RULES["pipeline:deal_detail"],
        world,
        _client_for("other_manager", request),
    )
    assert response.status_code == 404
