"""The board over HTTP: rendering, moves, refusals, pagination, polling and filters."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CompanySettings
from pipeline import services
from pipeline.models import Deal, Organization, StageChange
from tests.factories import StageFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _board(client, pipeline, **params):
    return client.get(reverse("pipeline:board", args=[pipeline.pk]), params)


def _move(client, deal, stage, version, htmx=True, **extra):
    data = {"stage": stage.pk, "version": version, **extra}
    return client.post(reverse("pipeline:deal_move", args=[deal.pk]), data, **(HX if htmx else {}))


def test_board_shows_columns_cards_and_the_testability_contract(client, rep, make_deal, stages):
    deal = make_deal(title="Acme rollout", value=Decimal("1200"))
    client.force_login(rep)
    html = _board(client, stages[0].pipeline).content.decode()
    for stage in stages:
        assert f'data-stage-id="{stage.pk}"' in html
    assert f'data-deal-id="{deal.pk}"' in html and 'data-version="1"' in html
    assert 'data-drop="won"' in html and 'data-drop="lost"' in html
    assert "Acme rollout" in html
    assert "No next step scheduled" in html
    # Header: total, count, weighted value (10% of 1,200).
    header = re.search(rf'id="column-header-{stages[0].pk}".*?</header>', html, re.S).group(0)
    assert "€1,200" in header and "1 deal" in header and "Weighted €120" in header


def test_root_opens_the_default_pipeline(client, rep, pipeline, other_pipeline):
    rep.default_pipeline = other_pipeline
    rep.save()
    client.force_login(rep)
    assert client.get("/").context["pipeline"] == other_pipeline


def test_anonymous_is_sent_to_login(client, pipeline):
    response = client.get(reverse("pipeline:board", args=[pipeline.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_rep_sees_only_own_deals_unless_the_company_allows(client, rep, teammate, make_deal):
    make_deal(title="Mine", owner=rep)
    make_deal(title="Tom's", owner=teammate)
    client.force_login(rep)
    html = client.get("/").content.decode()
    assert "Mine" in html and "Tom&#x27;s" not in html
    CompanySettings.objects.update_or_create(pk=1, defaults={"reps_see_all_deals": True})
    html = client.get("/").content.decode()
    assert "Tom&#x27;s" in html


def _build(stages_count, per_stage, pipeline, rep):
    stages = [
        StageFactory(pipeline=pipeline, name=f"S{i}", position=10 + i, win_probability=10 * i)
        for i in range(stages_count)
    ]
    today = timezone.localdate()
    for stage in stages:
        for n in range(per_stage):
            deal = services.deal_create(
                actor=rep, title=f"{stage.name}-{n}", pipeline_stage=stage, value=n
            )
            if n % 3:
                services.activity_create(
                    actor=rep,
                    type="call",
                    subject="Call",
                    due_date=today + datetime.timedelta(days=n % 7 - 3),
                    deal=deal,
                    done=False,
                )
    return stages


def _queries(client, pipeline):
    with CaptureQueriesContext(connection) as ctx:
        assert _board(client, pipeline).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("viewer", ["admin", "manager"])
def test_board_query_count_is_constant_in_deals_and_stages(
    client, rep, admin, manager, pipeline, other_pipeline, django_assert_max_num_queries, viewer
):
    client.force_login(admin if viewer == "admin" else manager)
    _build(1, 1, other_pipeline, rep)
    small = _queries(client, other_pipeline)
    _build(8, 200, pipeline, rep)
    # Queries: session, user, pipelines (the shown one among them), the board versions of the
    # owners shown, stages, totals, rates, stage goals (none here: no aggregate), cards,
    # owners, lost reasons (+ the team lookup for a manager's visibility, once for the whole
    # board).
    with django_assert_max_num_queries(12):
        response = _board(client, pipeline)
    assert response.status_code == 200
    assert _queries(client, pipeline) == small
    html = response.content.decode()
    assert html.count('<article class="card') == 8 * 50  # the first page of each column
    assert html.count('class="more"') == 8


def test_move_answers_with_the_card_and_both_headers(client, rep, make_deal, stages):
    deal = make_deal(value=Decimal("700"))
    client.force_login(rep)
    response = _move(client, deal, stages[2], 1)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-deal-id="{deal.pk}"' in html and 'data-version="2"' in html
    assert f'id="column-header-{stages[0].pk}" hx-swap-oob="outerHTML"' in html
    assert f'id="column-header-{stages[2].pk}" hx-swap-oob="outerHTML"' in html
    event = json.loads(response["HX-Trigger-After-Settle"])["stagecoach:deal-moved"]
    assert event == {
        "deal": deal.pk,
        "from": stages[0].pk,
        "to": stages[2].pk,
        "version": 2,
        "message": "Moved “Deal” to Proposal.",  # for the board's live region
    }
    deal.refresh_from_db()
    assert deal.stage == stages[2]
    assert StageChange.objects.filter(deal=deal, source="board").count() == 1


def test_move_with_a_stale_version_is_409_naming_the_colleague(
    client, rep, manager, make_deal, stages
):
    deal = make_deal()
    client.force_login(manager)
    assert _move(client, deal, stages[1], 1).status_code == 200
    client.force_login(rep)
    response = _move(client, deal, stages[3], 1)
    assert response.status_code == 409
    assert response["HX-Reswap"] == "none"
    html = response.content.decode()
    assert "Mona Manager moved this deal to Qualified" in html
    # The true position comes back: the Qualified column re-rendered with the card in it.
    column = re.search(
        rf'<section class="column" id="column-{stages[1].pk}".*?</section>', html, re.S
    )
    assert column and f'data-deal-id="{deal.pk}"' in column.group(0)
    assert Deal.objects.get(pk=deal.pk).stage == stages[1]


def test_concurrent_moves_with_the_same_version_exactly_one_succeeds(
    client, rep, make_deal, stages
):
    deal = make_deal()
    client.force_login(rep)
    codes = sorted(
        [
            _move(client, deal, stages[1], 1).status_code,
            _move(client, deal, stages[2], 1).status_code,
        ]
    )
    assert codes == [200, 409]
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_move_into_another_pipeline_is_refused(client, rep, make_deal, other_pipeline):
    deal = make_deal()
    client.force_login(rep)
    response = _move(client, deal, other_pipeline.stages.first(), 1)
    assert response.status_code == 422
    assert "belongs to the Partners pipeline" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).version == 1


def test_move_refused_for_missing_requirements_lists_them(client, rep, make_deal, stages):
    stages[1].requirements = ["organization", "done_call"]
    stages[1].save()
    deal = make_deal()
    client.force_login(rep)
    response = _move(client, deal, stages[1], 1)
    assert response.status_code == 422
    assert (
        "Qualified needs first: organization is set; a call is done." in response.content.decode()
    )


def test_permission_refusals(client, rep, teammate, outsider, manager, make_deal, stages):
    deal = make_deal(owner=teammate)
    client.force_login(rep)
    assert _move(client, deal, stages[1], 1).status_code == 404  # cannot even see it
    CompanySettings.objects.update_or_create(pk=1, defaults={"reps_see_all_deals": True})
    response = _move(client, deal, stages[1], 1)
    assert response.status_code == 403  # sees it, may not change it
    assert "belongs to Tom Teammate" in response.content.decode()
    client.force_login(manager)
    assert _move(client, deal, stages[1], 1).status_code == 200
    assert Deal.objects.get(pk=deal.pk).stage == stages[1]


@pytest.mark.parametrize(
    "data", [{}, {"stage": "abc", "version": 1}, {"stage": 999999, "version": 1}, {"stage": 1}]
)
def test_bad_move_input_is_a_4xx_with_a_message(client, rep, make_deal, data):
    deal = make_deal()
    client.force_login(rep)
    response = client.post(reverse("pipeline:deal_move", args=[deal.pk]), data, **HX)
    assert response.status_code == 422
    assert 'class="toast toast-error"' in response.content.decode()


def test_plain_form_move_redirects_back_to_the_board(client, rep, make_deal, stages):
    deal = make_deal()
    client.force_login(rep)
    response = _move(client, deal, stages[1], 1, htmx=False, owner="mine")
    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("pipeline:board", args=[stages[0].pipeline_id]) + "?owner=mine"
    )
    page = client.get(response["Location"]).content.decode()
    assert "Moved “Deal” to Qualified." in page
    stale = _move(client, deal, stages[2], 1, htmx=False)
    assert stale.status_code == 302
    assert (
        "Your view of this deal was out of date" in client.get(stale["Location"]).content.decode()
    )


def test_win_and_lose_from_the_board(client, rep, make_deal, stages, lost_reason):
    won, lost = make_deal(title="W"), make_deal(title="L")
    client.force_login(rep)
    r = client.post(reverse("pipeline:deal_win", args=[won.pk]), {"version": 1}, **HX)
    assert r.status_code == 200 and f'id="column-header-{stages[0].pk}"' in r.content.decode()
    missing = client.post(reverse("pipeline:deal_lose", args=[lost.pk]), {"version": 1}, **HX)
    assert (
        missing.status_code == 422 and "Choose why the deal was lost." in missing.content.decode()
    )
    assert Deal.objects.get(pk=lost.pk).status == "open"
    r = client.post(
        reverse("pipeline:deal_lose", args=[lost.pk]),
        {"version": 1, "reason": lost_reason.pk, "note": "Budget cut"},
        **HX,
    )
    assert r.status_code == 200
    assert [d.status for d in Deal.objects.order_by("title")] == ["lost", "won"]
    assert Deal.objects.get(pk=lost.pk).lost_note == "Budget cut"


def test_columns_page_through_every_card_once_in_pipedrive_order(client, rep, stages):
    today = timezone.localdate()
    stage = stages[0]
    offsets = [None, -3, 0, 2, None, -1, 5, 0]
    deals = []
    for n in range(123):
        deal = services.deal_create(actor=rep, title=f"D{n:03}", pipeline_stage=stage)
        offset = offsets[n % len(offsets)]
        if offset is not None:
            services.activity_create(
                actor=rep,
                type="call",
                subject="c",
                deal=deal,
                done=False,
                due_date=today + datetime.timedelta(days=offset),
            )
        deals.append((deal.pk, offset))

    # Worked out from the rule: overdue (oldest date first), today, none, future (soonest
    # first); ties newest first, i.e. highest id first since they were created in order.
    def rank(item):
        pk, off = item
        segment = 1 if off is None else (0 if off <= 0 else 2)
        return (segment, off if off is not None else 0, -pk)

    expected = [pk for pk, _ in sorted(deals, key=rank)]
    client.force_login(rep)
    html = _board(client, stage.pipeline).content.decode()
    column = re.search(rf'id="column-{stage.pk}".*?</section>', html, re.S).group(0)
    seen = [int(x) for x in re.findall(r'data-deal-id="(\d+)"', column)]
    more = re.search(r'hx-get="([^"]+)"\s+hx-trigger="intersect', column)
    while more:
        page = client.get(more.group(1).replace("&amp;", "&")).content.decode()
        seen += [int(x) for x in re.findall(r'data-deal-id="(\d+)"', page)]
        more = re.search(r'hx-get="([^"]+)"\s+hx-trigger="intersect', page)
    assert seen == expected


def _board_version(client, pipeline) -> str:  # noqa: ANN001
    page = client.get(reverse("pipeline:board", args=[pipeline.pk])).content.decode()
    return re.search(r'data-board-version="([^"]+)"', page).group(1)


def test_poll_is_204_until_something_changes(
    client, rep, make_deal, stages, django_assert_max_num_queries
):
    deal = make_deal()
    client.force_login(rep)
    pipeline = stages[0].pipeline
    url = reverse("pipeline:board_poll", args=[pipeline.pk])
    seen = _board_version(client, pipeline)
    # Queries: session, user, pipeline, the company setting (may reps see all deals?), the
    # board versions of the owners shown.
    with django_assert_max_num_queries(5):
        assert client.get(url, {"v": seen}).status_code == 204
    services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    response = client.get(url, {"v": seen})
    assert response.status_code == 200
    assert (
        'id="board"' in response.content.decode()
        and 'hx-swap-oob="outerHTML"' in response.content.decode()
    )
    fresh = re.search(r'data-board-version="([^"]+)"', response.content.decode()).group(1)
    assert fresh != seen
    assert client.get(url, {"v": fresh}).status_code == 204


def test_poll_ignores_moves_the_user_cannot_see(
    client, rep, teammate, manager, admin, make_deal, stages
):
    """A rep's board is not redrawn when a colleague's deal moves; it is when their own
    deal, a stage, or a deal reassigned to them changes. The manager sees both reps."""
    mine = make_deal(owner=rep)
    theirs = make_deal(owner=teammate)
    pipeline = stages[0].pipeline
    url = reverse("pipeline:board_poll", args=[pipeline.pk])
    client.force_login(rep)
    rep_seen = _board_version(client, pipeline)
    client.force_login(manager)
    manager_seen = _board_version(client, pipeline)

    services.deal_move(deal=theirs, to_stage=stages[1], expected_version=1, actor=teammate)
    client.force_login(rep)
    assert client.get(url, {"v": rep_seen}).status_code == 204
    client.force_login(manager)
    assert client.get(url, {"v": manager_seen}).status_code == 200

    services.deal_move(deal=mine, to_stage=stages[1], expected_version=1, actor=rep)
    client.force_login(rep)
    assert client.get(url, {"v": rep_seen}).status_code == 200
    rep_seen = _board_version(client, pipeline)

    # The teammate's deal handed to the rep: the rep's board must show it.
    theirs.refresh_from_db()
    services.deal_update(
        deal=theirs, expected_version=theirs.version, actor=manager, changes={"owner": rep}
    )
    assert client.get(url, {"v": rep_seen}).status_code == 200
    rep_seen = _board_version(client, pipeline)

    # A stage renamed: every board of the pipeline.
    services.stage_update(stage=stages[2], actor=admin, changes={"name": "Proposal sent"})
    assert client.get(url, {"v": rep_seen}).status_code == 200


def test_filters_owner_text_and_status(client, manager, rep, teammate, make_deal, lost_reason):
    make_deal(title="Alpha rollout", owner=rep)
    make_deal(title="Beta licences", owner=teammate)
    gone = make_deal(title="Gamma pilot", owner=rep)
    services.deal_lose(deal=gone, expected_version=1, actor=rep, reason=lost_reason)
    client.force_login(manager)
    pipeline = gone.pipeline

    def titles(**params):
        html = _board(client, pipeline, **params).content.decode()
        return sorted(re.findall(r'data-title="([^"]+)"', html))

    assert titles() == ["Alpha rollout", "Beta licences"]
    assert titles(owner=str(teammate.pk)) == ["Beta licences"]
    assert titles(owner="mine") == []
    assert titles(q="alpha") == ["Alpha rollout"]
    assert titles(status="lost") == ["Gamma pilot"]
    # Filtered totals count only what is shown.
    html = _board(client, pipeline, q="beta").content.decode()
    assert "1 deal<" in html.replace("</span>", "<")


def test_quick_add_creates_a_deal_in_the_chosen_stage(client, rep, stages):
    client.force_login(rep)
    url = reverse("pipeline:deal_quick_add", args=[stages[0].pipeline_id])
    r = client.post(
        url,
        {"title": "New one", "value": "99.50", "stage": stages[1].pk, "organization": "Acme"},
        **HX,
    )
    assert r.status_code == 200
    deal = Deal.objects.get(title="New one")
    assert (deal.stage, deal.value, deal.organization.name, deal.owner) == (
        stages[1],
        Decimal("99.50"),
        "Acme",
        rep,
    )
    bad = client.post(url, {"title": "", "value": "-5", "stage": stages[1].pk}, **HX)
    assert bad.status_code == 422 and Deal.objects.count() == 1


def test_quick_add_offers_the_enabled_currencies_and_refuses_others(client, rep, stages, usd):
    client.force_login(rep)
    html = _board(client, stages[0].pipeline).content.decode()
    assert '<select name="currency"><option value="EUR">EUR</option><option value="USD">' in html
    url = reverse("pipeline:deal_quick_add", args=[stages[0].pipeline_id])
    r = client.post(
        url, {"title": "Dollars", "value": "10", "currency": "USD", "stage": stages[0].pk}, **HX
    )
    assert r.status_code == 200
    assert Deal.objects.get(title="Dollars").currency == "USD"
    bad = client.post(
        url, {"title": "Krona", "value": "10", "currency": "SEK", "stage": stages[0].pk}, **HX
    )
    assert bad.status_code == 422
    assert "SEK is not one of the company&#x27;s currencies (EUR, USD)" in bad.content.decode()
    assert not Deal.objects.filter(title="Krona").exists()
    # Refused with a new organization's name: one transaction, so no organization is left.
    url_data = {"title": "Krona", "value": "1", "currency": "SEK", "stage": stages[0].pk}
    again = client.post(url, {**url_data, "organization": "Nordic Timber AB"}, **HX)
    assert again.status_code == 422
    assert not Organization.objects.filter(name="Nordic Timber AB").exists()


def test_deal_page_and_panel(client, rep, outsider, make_deal):
    deal = make_deal(title="Visible")
    client.force_login(rep)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk]))
    assert page.status_code == 200 and "created the deal in Lead in" in page.content.decode()
    panel = client.get(reverse("pipeline:deal_detail", args=[deal.pk]), **HX)
    assert "<html" not in panel.content.decode() and 'id="deal-detail"' in panel.content.decode()
    client.force_login(outsider)
    assert client.get(reverse("pipeline:deal_detail", args=[deal.pk])).status_code == 404


def test_deal_edit_with_stale_version_does_not_overwrite(client, rep, manager, make_deal):
    deal = make_deal(title="Original")
    client.force_login(manager)
    url = reverse("pipeline:deal_detail", args=[deal.pk])
    form = {"title": "Manager's", "value": "10", "currency": "EUR", "owner": rep.pk, "version": 1}
    assert client.post(url, form).status_code == 302
    client.force_login(rep)
    stale = {**form, "title": "Rep's", "version": 1}
    response = client.post(url, stale)
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).title == "Manager's"
    assert "Mona Manager changed this deal" in client.get(url).content.decode()


def test_move_query_count_is_constant(client, rep, admin, pipeline, other_pipeline):
    client.force_login(admin)
    small_stages = _build(2, 1, other_pipeline, rep)
    big_stages = _build(8, 200, pipeline, rep)

    def count(stages):
        deal = Deal.objects.filter(stage=stages[0]).order_by("id").first()
        with CaptureQueriesContext(connection) as ctx:
            assert _move(client, deal, stages[1], deal.version).status_code == 200
        return len(ctx.captured_queries)

    small = count(small_stages)
    # Queries: session, user, deal (visible), stage; in the transaction: lock, load, history
    # lookups for nothing, update, history insert, two totals updates, board version; then the
    # card, the stages and the two column headers' totals (+ savepoints of the test).
    assert small <= 24
    assert count(big_stages) == small


def test_deal_edit_matches_the_organization_by_name(client, rep, make_deal):
    from tests.factories import OrganizationFactory

    acme = OrganizationFactory(name="Acme Oy")
    deal = make_deal(title="Edit me")
    client.force_login(rep)
    url = reverse("pipeline:deal_detail", args=[deal.pk])
    form = {"title": "Edit me", "value": "10", "currency": "EUR", "owner": rep.pk, "version": 1}
    bad = client.post(url, {**form, "organization": "Acme Inc"})
    assert bad.status_code == 422
    assert "No organization is called “Acme Inc”" in bad.content.decode()
    assert client.post(url, {**form, "organization": "acme oy"}).status_code == 302
    assert Deal.objects.get(pk=deal.pk).organization == acme


def test_load_more_without_javascript_opens_the_board_with_the_column_grown(client, rep, pipeline):
    """Issue 16 item 2: the "Load more" link is a board URL (not a bare fragment): it shows
    the whole board, with that column one page longer, and a link for the next page."""
    stage = StageFactory(pipeline=pipeline, name="Big", position=20)
    for n in range(120):
        services.deal_create(actor=rep, title=f"Big-{n}", pipeline_stage=stage)
    client.force_login(rep)
    html = _board(client, pipeline).content.decode()
    column = re.search(rf'id="column-{stage.pk}".*?</section>', html, re.S).group(0)
    href = re.search(r'<a class="more" href="([^"]+)"', column).group(1).replace("&amp;", "&")
    assert href.startswith(reverse("pipeline:board", args=[pipeline.pk]) + "?")
    assert f"more={stage.pk}" in href and "shown=50" in href
    seen: list[str] = []
    while href:
        response = client.get(href)
        page = response.content.decode()
        assert "<html" in page and 'id="board"' in page  # the board page, styled
        column = re.search(rf'id="column-{stage.pk}".*?</section>', page, re.S).group(0)
        seen = re.findall(r'data-deal-id="(\d+)"', column)
        found = re.search(r'<a class="more" href="([^"]+)"', column)
        href = found.group(1).replace("&amp;", "&") if found else ""
    assert len(seen) == len(set(seen)) == 120


def test_owner_filter_lists_only_owners_the_viewer_may_see(
    client, rep, teammate, outsider, manager, admin, stages
):
    """Issue 16 item 22: a rep who sees only their own deals is not offered colleagues."""
    from accounts.services import company_settings_update

    def offered(user):
        client.force_login(user)
        page = client.get(reverse("pipeline:board", args=[stages[0].pipeline_id])).text
        select = re.search(r'<select id="filter-owner".*?</select>', page, re.S).group(0)
        return {int(pk) for pk in re.findall(r'<option value="(\d+)"', select)}

    assert offered(rep) == {rep.pk}
    assert offered(manager) == {manager.pk, rep.pk, teammate.pk}
    assert {rep.pk, teammate.pk, outsider.pk, manager.pk} <= offered(admin)
    company_settings_update(actor=admin, reps_see_all_deals=True)
    assert {rep.pk, teammate.pk, outsider.pk} <= offered(rep)


def test_quick_add_meets_the_stage_requirements_it_offers(client, rep, stages):
    """Issue 16 item 7: quick-add takes the close date, contact (decision maker) and a first
    note, so a stage that requires them can be entered; the form offers them per stage."""
    from pipeline.models import Deal

    stages[1].requirements = ["expected_close_date", "decision_maker", "note"]
    stages[1].save()
    client.force_login(rep)
    page = client.get(reverse("pipeline:board", args=[stages[0].pipeline_id])).text
    assert (
        f'<option value="{stages[1].pk}" data-requires="expected_close_date decision_maker note">'
        in page
    )
    url = reverse("pipeline:deal_quick_add", args=[stages[0].pipeline_id])
    data = {"title": "Qualified one", "stage": stages[1].pk, "organization": "Acme"}
    refused = client.post(url, data, **HX)
    assert refused.status_code == 422
    assert "Qualified needs first: expected close date is set" in refused.text
    data |= {
        "expected_close_date": "2027-03-02",
        "person": "Pat Buyer",
        "decision_maker": "1",
        "note": "Budget approved",
    }
    assert client.post(url, data, **HX).status_code == 200
    deal = Deal.objects.get(title="Qualified one")
    assert deal.person.name == "Pat Buyer" and deal.person.organization.name == "Acme"
    assert [n.body for n in deal.notes.all()] == ["Budget approved"]


def test_quick_add_refused_without_javascript_keeps_the_input(client, rep, stages):
    stages[1].requirements = ["expected_close_date"]
    stages[1].save()
    client.force_login(rep)
    url = reverse("pipeline:deal_quick_add", args=[stages[0].pipeline_id])
    response = client.post(
        url, {"title": "Typed with care", "stage": stages[1].pk, "organization": "Acme"}
    )
    assert response.status_code == 422
    page = response.text
    assert 'id="board"' in page and '<details class="quick-add" open>' in page
    assert 'value="Typed with care"' in page and 'value="Acme"' in page
    assert f'<option value="{stages[1].pk}" data-requires="expected_close_date" selected>' in page
    assert "Qualified needs first: expected close date is set." in page


def test_poll_keeps_the_cards_a_column_loaded(client, rep, pipeline):
    """Issue 16 item 2: after scrolling a column to 120 cards, a poll redraw keeps 120 (the
    board sends `shown_<stage>`), not the first page only."""
    stage = StageFactory(pipeline=pipeline, name="Big", position=20)
    for n in range(120):
        services.deal_create(actor=rep, title=f"Big-{n}", pipeline_stage=stage)
    client.force_login(rep)
    url = reverse("pipeline:board_poll", args=[pipeline.pk])
    page = client.get(url, {"v": "stale", f"shown_{stage.pk}": "120"}).content.decode()
    column = re.search(rf'id="column-{stage.pk}".*?</section>', page, re.S).group(0)
    assert len(re.findall(r'data-deal-id="(\d+)"', column)) == 120
    assert 'class="more"' not in column
    page = client.get(url, {"v": "stale"}).content.decode()
    column = re.search(rf'id="column-{stage.pk}".*?</section>', page, re.S).group(0)
    assert len(re.findall(r'data-deal-id="(\d+)"', column)) == 50


def _column_cards(page, stage):
    column = re.search(rf'id="column-{stage.pk}".*?</section>', page, re.S).group(0)
    return re.findall(r'data-deal-id="(\d+)"', column)


def test_moves_and_quick_add_keep_the_cards_a_column_loaded(
    client, rep, pipeline, django_assert_max_num_queries
):
    """Issue 16 item 2: a move ("Move to…", so both columns are redrawn) or a quick-add that
    redraws a column scrolled to 120 cards keeps 120 (the board sends `shown_<stage>` as the
    poll does), not the first page only; two more queries per grown column (visibility, the
    cards), whatever its size."""
    big = StageFactory(pipeline=pipeline, name="Big", position=20)
    other = StageFactory(pipeline=pipeline, name="Other", position=21)
    for n in range(130):
        services.deal_create(actor=rep, title=f"Big-{n}", pipeline_stage=big)
    client.force_login(rep)
    first, deal = Deal.objects.filter(stage=big).order_by("id")[:2]
    # Without the counts, the first page only (as before).
    with CaptureQueriesContext(connection) as plain:
        r = _move(client, first, other, first.version, mode="columns")
    assert len(_column_cards(r.text, big)) == 50
    shown = {f"shown_{big.pk}": "120", f"shown_{other.pk}": "1"}
    with django_assert_max_num_queries(len(plain.captured_queries) + 2):
        r = _move(client, deal, other, deal.version, mode="columns", **shown)
    assert r.status_code == 200
    # 120 were shown, one left: the column still shows 120 (one more came in).
    assert len(_column_cards(r.text, big)) == 120
    assert sorted(_column_cards(r.text, other)) == sorted([str(first.pk), str(deal.pk)])

    url = reverse("pipeline:deal_quick_add", args=[pipeline.pk])
    with CaptureQueriesContext(connection) as plain:
        r = client.post(url, {"title": "Fresh", "stage": big.pk}, **HX)
    assert len(_column_cards(r.text, big)) == 50
    with django_assert_max_num_queries(len(plain.captured_queries) + 2):
        r = client.post(url, {"title": "Fresher", "stage": big.pk, **shown}, **HX)
    assert r.status_code == 200
    # The 120 it showed and the new deal.
    assert len(_column_cards(r.text, big)) == 121
    # Capped like the poll (all 130 fit under the cap): a huge count is no error.
    r = client.post(url, {"title": "Freshest", "stage": big.pk, f"shown_{big.pk}": "99999"}, **HX)
    assert r.status_code == 200 and len(_column_cards(r.text, big)) == 131
