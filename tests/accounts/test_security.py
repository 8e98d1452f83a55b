"""The front door's protections: CSRF on htmx requests, security headers, secure cookies."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_htmx_posts_need_the_csrf_token_the_page_puts_on_body(rep, make_deal, stages):
    deal = make_deal()
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    page = client.get(reverse("pipeline:board", args=[deal.pipeline_id])).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    url = reverse("pipeline:deal_move", args=[deal.pk])
    data = {"stage": stages[1].pk, "version": 1}
    without = client.post(url, data, headers={"HX-Request": "true"})
    assert without.status_code == 403
    with_token = client.post(url, data, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert with_token.status_code == 200


def test_every_response_carries_the_security_headers(client):
    response = client.get(reverse("accounts:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    # Scripts only from our own files: no inline script, inline handler or eval.
    assert "script-src 'self';" in csp
    assert "unsafe-eval" not in csp
    assert "camera=()" in response["Permissions-Policy"]


def test_templates_hold_no_inline_script_or_handler():
    """The policy forbids them, so a template that adds one would break in the browser."""
    import re
    from pathlib import Path

    from django.conf import settings

    handler = re.compile(r"<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
    inline = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
    found = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            found += [f"{path.name}: {m.group(0)[:80]}" for m in handler.finditer(text)]
            found += [f"{path.name}: {m.group(0)[:80]}" for m in inline.finditer(text)]
    assert not found, found


def test_non_admins_get_a_403_page_in_the_product_look(client, rep):
    client.force_login(rep)
    response = client.get(reverse("pipeline:settings_pipelines"))
    assert response.status_code == 403
    assert "You may not do this" in response.content.decode()


# --- The admin is no write door past the services (issue 15, item 8) -------------------------


def _totals_and_recount() -> tuple[list, list]:
    from pipeline.models import StageTotal
    from pipeline.services.totals import stage_totals_rebuild

    def rows() -> list:
        return sorted(
            StageTotal.objects.filter(open_count__gt=0).values_list(
                "stage_id", "owner_id", "currency", "open_count", "open_value"
            )
        )

    kept = rows()
    stage_totals_rebuild()
    return kept, rows()


def test_admin_change_form_cannot_write_deals_activities_or_stages(
    client, admin, rep, outsider, make_deal, stages
):
    import datetime

    from pipeline import services
    from pipeline.models import Activity, Deal, Stage

    deal = make_deal(owner=rep)
    activity = services.activity_create(
        actor=rep, type="call", subject="Intro", due_date=datetime.date(2030, 1, 2), deal=deal
    )
    client.force_login(admin)
    url = reverse("admin:pipeline_deal_change", args=[deal.pk])
    page = client.get(url)
    assert page.status_code == 200  # shown to look at
    assert 'name="owner"' not in page.content.decode()
    posted = client.post(
        url,
        {
            "title": "Renamed",
            "owner": outsider.pk,
            "created_at_0": "2001-01-01",
            "created_at_1": "00:00:00",
            "stagechange_set-TOTAL_FORMS": "0",
            "stagechange_set-INITIAL_FORMS": "0",
        },
    )
    assert posted.status_code == 403
    deal.refresh_from_db()
    assert (deal.owner_id, deal.title, deal.version) == (rep.pk, "Deal", 1)
    kept, recount = _totals_and_recount()
    assert kept == recount == [(stages[0].pk, rep.pk, "EUR", 1, deal.value)]

    for name, obj in (("activity", activity), ("stage", stages[0])):
        url = reverse(f"admin:pipeline_{name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"subject": "x", "name": "x"}).status_code == 403
    assert client.get(reverse("admin:pipeline_deal_add")).status_code == 403
    assert Activity.objects.get().subject == "Intro"
    assert Stage.objects.get(pk=stages[0].pk).name == "Lead in"
    assert Deal.objects.count() == 1


def test_admin_never_edits_created_at(client, admin):
    from django.contrib import admin as django_admin

    from pipeline.models import Organization

    client.force_login(admin)
    org = Organization.objects.create(name="Acme")
    page = client.get(reverse("admin:pipeline_organization_change", args=[org.pk]))
    assert page.status_code == 200 and 'name="created_at' not in page.content.decode()
    request = type("Request", (), {"user": admin})()
    for model, model_admin in django_admin.site._registry.items():
        if model._meta.app_label == "pipeline" and any(
            f.name == "created_at" for f in model._meta.fields
        ):
            editable = model_admin.has_change_permission(
                request, None
            ) or model_admin.has_add_permission(request)
            fields = model_admin.get_readonly_fields(request, None)
            assert not editable or "created_at" in fields, model


# --- Redirect targets from `next` stay on this site (issue 15, item 11) ----------------------

EVIL_NEXT = [
    "//evil.example",
    "//evil.example/activities/",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
]


def _next_routes(rep, make_deal, stages):  # noqa: ANN001, ANN202
    """Every route that takes `next`, as (method, url, data) with a valid body where one is
    needed; each deal/activity is fresh so a success and a refusal are both exercised."""
    import datetime

    from pipeline import services

    def activity():  # noqa: ANN202
        deal = make_deal(owner=rep)
        return deal, services.activity_create(
            actor=rep, type="call", subject="Call", due_date=datetime.date(2030, 1, 2), deal=deal
        )

    routes = []
    for name in ("deal_win", "deal_lose"):
        deal = make_deal(owner=rep)
        routes.append(("post", reverse(f"pipeline:{name}", args=[deal.pk]), {"version": 1}))
    routes.append(("post", reverse("metrics:recompute"), {}))
    routes.append(("post", reverse("accounts:preferences"), {"language": "en"}))
    deal, a = activity()
    routes.append(
        (
            "post",
            reverse("pipeline:activity_schedule"),
            {"type": "call", "subject": "x", "due_date": "2030-01-05", "deal": deal.pk},
        )
    )
    routes.append(("get", reverse("pipeline:activity_detail", args=[a.pk]), {}))
    routes.append(
        (
            "post",
            reverse("pipeline:activity_detail", args=[a.pk]),
            {"type": "call", "subject": "y", "due_date": "2030-01-06"},
        )
    )
    routes.append(("post", reverse("pipeline:activity_finish", args=[a.pk]), {}))
    routes.append(
        (
            "post",
            reverse("pipeline:activity_reschedule", args=[activity()[1].pk]),
            {"due_date": "2030-02-01"},
        )
    )
    routes.append(("post", reverse("pipeline:activity_reopen", args=[a.pk]), {}))
    return routes


def test_no_route_redirects_to_another_site(client, rep, manager, make_deal, stages):
    client.force_login(manager)  # a manager may recompute and change Rita's deals
    for target in EVIL_NEXT:
        for method, url, data in _next_routes(rep, make_deal, stages):
            response = getattr(client, method)(url, {**data, "next": target})
            assert response.status_code < 500, (url, target)
            location = response.get("Location", "")
            assert "evil.example" not in location and "javascript" not in location, (url, target)
            assert not location.startswith(("//", "/\\", "\\")), (url, target)
            if response.status_code == 200:
                assert "evil.example" not in response.content.decode(), (url, target)


def test_a_local_next_is_followed(client, rep, manager, make_deal, stages):
    client.force_login(manager)
    deal = make_deal(owner=rep)
    response = client.post(
        reverse("pipeline:deal_win", args=[deal.pk]), {"version": 1, "next": "/activities/"}
    )
    assert response["Location"] == "/activities/"
    response = client.post(reverse("metrics:recompute"), {"next": "/metrics/?x=1"})
    assert response["Location"] == "/metrics/?x=1"


def test_safe_next_is_the_only_redirect_check():
    """One helper (shared.http.safe_next) decides every redirect target from a request."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for app in ("accounts", "pipeline", "metrics", "config"):
        for path in (root / app).rglob("*.py"):
            if path.name == "http.py" and path.parent.name == "pipeline":
                continue
            text = path.read_text()
            if "url_has_allowed_host_and_scheme" in text or re.search(
                r"redirect\w*\(\s*request\.(GET|POST)", text
            ):
                offenders.append(str(path.relative_to(root)))
    assert not offenders
