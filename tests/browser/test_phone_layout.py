"""Every main page fits a 390 × 844 phone, in English and Hungarian (issue 16, item 10): no
page is wider than the screen, every item of the main menu can be reached (folded under
"Menu"), the board shows one stage at a time with stage tabs, the deal page is one column with
the timeline below, and the week calendar is an agenda. The desktop layout is unchanged."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline import services
from pipeline.models import Goal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "pw-for-tests-123"


@pytest.fixture
def phone(browser, live_server):
    """Open a phone-sized, logged-in browser tab in a language; fails the test on any
    Content-Security-Policy violation, as the `login` fixture does."""
    contexts, violations = [], []

    def open_as(user, *, lang="en", viewport=PHONE, javascript=True):
        context = browser.new_context(
            viewport=viewport, locale=lang, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and violations.append(m.text),
        )
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert not violations, "\n".join(violations)


@pytest.fixture
def workday(admin, rep, stages, make_deal, lost_reason):
    """A little of everything the main pages show, with long names that used to push pages
    wider than a phone."""
    org = services.organization_create(
        actor=rep, name="Északi Fenntartható Energiaszolgáltató Részvénytársaság"
    )
    person = services.person_create(
        actor=rep,
        name="Szentgyörgyvölgyi-Kisbalázs Erzsébet",
        organization=org,
        is_decision_maker=True,
        email="erzsebet.szentgyorgyvolgyi-kisbalazs@eszaki-energia.example.com",
        phone="+36 30 123 4567",
    )
    deal = make_deal(
        title="Napelemes rendszer bővítése – második ütem",
        organization=org,
        person=person,
        value=Decimal("12500000"),
    )
    today = timezone.localdate()
    services.activity_create(
        actor=rep,
        type="call",
        subject="Ajánlat megbeszélése a beszerzési osztállyal",
        due_date=today,
        deal=deal,
    )
    services.activity_create(
        actor=rep,
        type="meeting",
        subject="Helyszíni bejárás",
        due_date=today - datetime.timedelta(days=3),
        deal=deal,
        done=False,
    )
    services.lead_create(
        actor=rep, title="Bejövő érdeklődés a honlapról", person=person, organization=org
    )
    services.goal_create(actor=admin, kind=Goal.Kind.DEALS_WON, target=10, owner=rep)
    return deal


def _pages(deal, stage):
    return [
        reverse("pipeline:board_default"),
        reverse("pipeline:deal_detail", args=[deal.pk]),
        reverse("pipeline:lead_inbox"),
        reverse("pipeline:people"),
        reverse("pipeline:person_detail", args=[deal.person_id]),
        reverse("pipeline:organizations"),
        reverse("pipeline:organization_detail", args=[deal.organization_id]),
        reverse("pipeline:my_activities") + "?owner=team",
        reverse("pipeline:activity_calendar") + "?owner=team",
        reverse("metrics:dashboard"),
        reverse("metrics:stale"),
        reverse("pipeline:goals"),
        reverse("pipeline:settings_pipelines"),
        reverse("pipeline:settings_stage", args=[stage.pk]),
        reverse("pipeline:settings_lost_reasons"),
        reverse("pipeline:settings_currencies"),
        reverse("accounts:user_list"),
        reverse("accounts:team_list"),
        reverse("accounts:company_settings"),
        reverse("accounts:preferences"),
        reverse("accounts:api_tokens"),
        reverse("pipeline:imports"),
    ]


OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _unreachable_menu_items(page) -> list[str]:
    """The main menu's items that cannot be seen and clicked, after opening the menu."""
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible():
        toggle.click()
    missing = []
    items = page.locator("#main-menu > a, #main-menu > form button")
    for i in range(items.count()):
        item = items.nth(i)
        box = item.bounding_box()
        inside = box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        try:
            item.click(trial=True, timeout=2000)  # visible, enabled, not covered
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: not clickable
            inside = False
        if not inside:
            missing.append(item.inner_text() or item.get_attribute("href") or "?")
    if toggle.is_visible():
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
    return missing


@pytest.mark.parametrize("lang", ["en", "hu"])
def test_every_main_page_fits_a_phone(phone, live_server, admin, workday, stages, lang):
    page = phone(admin, lang=lang)
    assert page.evaluate("document.documentElement.lang") == lang
    problems = []
    for path in _pages(workday, stages[0]):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        wider = page.evaluate(OVERFLOW)
        if wider > 0:
            problems.append(f"{path}: {wider}px wider than the screen")
        missing = _unreachable_menu_items(page)
        if missing:
            problems.append(f"{path}: menu items out of reach: {missing}")
    assert not problems, "\n".join(problems)


def test_the_menu_folds_and_opens(phone, live_server, rep, stages):
    page = phone(rep)
    logout = page.get_by_role("button", name="Log out")
    assert not logout.is_visible()
    page.click("[data-menu-toggle]")
    assert page.get_attribute("[data-menu-toggle]", "aria-expanded") == "true"
    assert logout.is_visible()
    # A click elsewhere closes it again.
    page.mouse.click(200, 600)
    assert not logout.is_visible()
    page.click("[data-menu-toggle]")
    page.get_by_role("link", name="Leads").click()
    page.wait_for_url(f"{live_server.url}/leads/")


def test_without_javascript_the_menu_wraps_and_fits(phone, live_server, rep, workday):
    page = phone(rep, javascript=False)
    assert page.evaluate(OVERFLOW) <= 0
    assert page.get_by_role("button", name="Log out").is_visible()
    assert not page.locator("[data-menu-toggle]").is_visible()


def test_the_board_shows_one_stage_at_a_time_with_tabs(phone, live_server, rep, stages, workday):
    page = phone(rep)
    board = page.locator("#board").bounding_box()
    first = page.locator(f"#column-{stages[0].pk}").bounding_box()
    assert first["width"] == pytest.approx(board["width"], abs=1)
    # "+ Deal" is on screen.
    add = page.locator(".quick-add summary").bounding_box()
    assert add["x"] + add["width"] <= PHONE["width"]
    # A tab brings its stage into view and becomes the current one.
    page.click(f'[data-stage-tab="{stages[2].pk}"]')
    column = f"document.getElementById('column-{stages[2].pk}')"
    page.wait_for_function(f"() => Math.abs({column}.getBoundingClientRect().left) < 2")
    page.wait_for_selector(f'[data-stage-tab="{stages[2].pk}"][aria-current]')
    # The "Move to…" control is shown on every card: phones have no hover.
    assert page.locator(f"#move-{workday.pk}").is_visible()


def test_the_deal_page_is_one_column_with_the_timeline_below(phone, live_server, rep, workday):
    page = phone(rep)
    page.goto(f"{live_server.url}{reverse('pipeline:deal_detail', args=[workday.pk])}")
    sections = page.locator(".deal-grid > section")
    details, timeline = sections.nth(0).bounding_box(), sections.nth(1).bounding_box()
    assert timeline["y"] >= details["y"] + details["height"]
    assert timeline["width"] > 300


def test_the_week_is_an_agenda_on_a_phone(phone, live_server, rep, workday):
    page = phone(rep)
    page.goto(f"{live_server.url}{reverse('pipeline:activity_calendar')}")
    days = page.locator(".week > .day")
    monday, tuesday = days.nth(0).bounding_box(), days.nth(1).bounding_box()
    assert tuesday["y"] > monday["y"]
    assert monday["width"] > 300
    # Titles are shown whole, not cut to a few letters.
    subject = page.locator(".cal-subject", has_text="Ajánlat megbeszélése")
    assert subject.evaluate("el => el.scrollWidth <= el.clientWidth")


def test_the_desktop_keeps_its_layout(phone, live_server, rep, stages, workday):
    page = phone(rep, viewport={"width": 1440, "height": 900})
    assert not page.locator("[data-menu-toggle]").is_visible()
    assert not page.locator(".stage-tabs").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    # Stages side by side, the deal page in two columns.
    one = page.locator(f"#column-{stages[0].pk}").bounding_box()
    two = page.locator(f"#column-{stages[1].pk}").bounding_box()
    assert two["x"] > one["x"] and two["y"] == one["y"]
    page.goto(f"{live_server.url}{reverse('pipeline:deal_detail', args=[workday.pk])}")
    sections = page.locator(".deal-grid > section")
    assert sections.nth(0).bounding_box()["y"] == sections.nth(1).bounding_box()["y"]
