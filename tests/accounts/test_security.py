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
