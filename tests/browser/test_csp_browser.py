"""The pages work under a Content-Security-Policy with no inline script, handler or eval: the
small behaviours that used to be inline handlers are data attributes wired by app.js. The
`login` fixture fails a test if the browser reports any policy violation."""

from __future__ import annotations

import pytest

from pipeline.models import Deal, Pipeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_policy_forbids_inline_scripts(login, live_server, rep, stages):
    page = login(rep)
    response = page.goto(f"{live_server.url}/")
    policy = response.headers["content-security-policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script_src.strip() == "script-src 'self'"
    # The early script ran from its file: the page is in its JavaScript layout.
    assert page.evaluate("document.documentElement.classList.contains('js')")


def test_quick_add_resets_and_closes_and_the_toast_dismisses(login, live_server, rep, stages):
    page = login(rep)
    page.goto(f"{live_server.url}/")
    page.click(".quick-add summary")
    page.fill(".quick-add input[name=title]", "Typed in the board")
    page.fill(".quick-add input[name=value]", "250")
    page.click(".quick-add button[type=submit]")
    page.wait_for_selector(".toast-success")
    assert Deal.objects.filter(title="Typed in the board").exists()
    assert page.evaluate("document.querySelector('.quick-add').open") is False
    assert page.input_value(".quick-add input[name=title]") == ""

    page.click(".toast-success .toast-close")
    assert page.locator(".toast-success").count() == 0


def test_pipeline_switcher_and_deal_panel_close(login, live_server, rep, stages, make_deal):
    other = Pipeline.objects.create(name="Partners", position=5)
    other.stages.create(name="Intro", position=0, win_probability=10)
    deal = make_deal(title="Panel deal")
    page = login(rep)
    page.goto(f"{live_server.url}/")

    page.click(f'[data-deal-id="{deal.pk}"] a.card-title')
    page.wait_for_selector("#panel .panel-close")
    page.click("#panel .panel-close")
    assert page.inner_html("#panel").strip() == ""

    page.select_option("#pipeline-switch", label="Partners")
    page.wait_for_url(f"{live_server.url}/pipelines/{other.pk}/")
    assert "Intro" in page.inner_text(".board")


def test_api_docs_render_from_local_files(login, live_server, rep):
    page = login(rep)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    assert "Stagecoach" in page.inner_text(".swagger-ui .info")


def test_api_token_copy_and_select(login, live_server, rep):
    page = login(rep)
    page.goto(f"{live_server.url}/accounts/tokens/")
    page.fill("input[name=name]", "Laptop")
    page.click("form.row-form button[type=submit]")
    page.wait_for_selector("#new-key")
    page.click("#new-key")
    selected = page.evaluate(
        "(() => { const k = document.getElementById('new-key');"
        " return k.value.substring(k.selectionStart, k.selectionEnd); })()"
    )
    assert selected and selected == page.input_value("#new-key")
