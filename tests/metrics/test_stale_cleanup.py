"""The stale-deal list and its bulk cleanup, through the views and the deal services."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.selectors.stale import deal_list_stale
from metrics.services import stale_cleanup_bulk
from pipeline import services
from pipeline.models import Activity, Deal, StageChange
from shared.errors import NotVisible, VersionConflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_deals(make_deal, stages, rep, teammate, outsider):
    """Three deals created 60 days ago without any activity: each is idle and has no next
    step; the rep's, the teammate's and the outsider's."""
    long_ago = timezone.now() - datetime.timedelta(days=60)
    deals = {}
    for who, user in (("rep", rep), ("teammate", teammate), ("outsider", outsider)):
        deal = make_deal(title=f"Old {who}", owner=user, actor=user, created_at=long_ago)
        Deal.objects.filter(pk=deal.pk).update(updated_at=long_ago)
        deals[who] = Deal.objects.get(pk=deal.pk)
    fresh = make_deal(title="Fresh", owner=rep)
    services.activity_create(
        actor=rep,
        type="call",
        subject="Call",
        due_date=timezone.localdate() + datetime.timedelta(days=2),
        deal=fresh,
    )
    deals["fresh"] = fresh
    return deals


def test_lists_show_reasons_to_owner_and_manager(stale_deals, pipeline, rep, manager):
    mine = deal_list_stale(user=rep, pipeline=pipeline)
    assert [d.title for d in mine.deals] == ["Old rep"]
    assert [key for key, _label in mine.deals[0].stale_reasons] == ["idle", "no_next_step"]
    # The manager sees the team's (rep and teammate), not the outsider's; "Fresh" is not stale.
    team = deal_list_stale(user=manager, pipeline=pipeline)
    assert sorted(d.title for d in team.deals) == ["Old rep", "Old teammate"]
    assert team.total == 2 and team.counts["idle"] == 2 and team.counts["stuck"] == 0


def test_parked_deals_are_never_stale(stale_deals, pipeline, rep):
    deal = stale_deals["rep"]
    services.deal_park(
        deal=deal,
        until=timezone.localdate() + datetime.timedelta(days=30),
        expected_version=deal.version,
        actor=rep,
    )
    assert deal_list_stale(user=rep, pipeline=pipeline).total == 0


def test_bulk_lose_goes_through_the_service_and_history(stale_deals, manager, lost_reason):
    rep_deal, mate_deal = stale_deals["rep"], stale_deals["teammate"]
    done = stale_cleanup_bulk(
        actor=manager,
        deals=[(rep_deal.pk, rep_deal.version), (mate_deal.pk, mate_deal.version)],
        action="lose",
        reason=lost_reason,
        note="cleanup",
    )
    assert done == 2
    for deal in (rep_deal, mate_deal):
        deal.refresh_from_db()
        assert (deal.status, deal.lost_reason, deal.lost_note) == ("lost", lost_reason, "cleanup")
        last = StageChange.objects.filter(deal=deal).latest("id")
        assert (last.to_status, last.user) == ("lost", manager)


def test_bulk_park_comes_back_with_one_follow_up_task(stale_deals, rep):
    """Issue 16 (15): a deal parked from here came back with two follow-up tasks (one added by
    the cleanup, one by the return from the pool); now only the return adds one."""
    deal = stale_deals["rep"]
    until = timezone.localdate() + datetime.timedelta(days=45)
    stale_cleanup_bulk(actor=rep, deals=[(deal.pk, deal.version)], action="park", until=until)
    deal.refresh_from_db()
    assert deal.parked_until == until and deal.status == "open"
    assert not Activity.objects.filter(deal=deal).exists()
    assert services.deal_unpark_due(today=until) == 1
    task = Activity.objects.get(deal=deal)
    assert (task.type, task.due_date, task.done_at) == ("task", until, None)


def test_bulk_schedule_sets_the_next_step(stale_deals, rep, pipeline):
    deal = stale_deals["rep"]
    due = timezone.localdate() + datetime.timedelta(days=1)
    stale_cleanup_bulk(
        actor=rep,
        deals=[(deal.pk, deal.version)],
        action="schedule",
        activity_type="meeting",
        subject="Catch up",
        due_date=due,
    )
    deal.refresh_from_db()
    assert deal.next_activity_date == due
    reasons = deal_list_stale(user=rep, pipeline=pipeline).counts
    assert reasons["no_next_step"] == 0 and reasons["idle"] == 1


def test_bulk_is_all_or_nothing(stale_deals, rep, lost_reason):
    mine, others = stale_deals["rep"], stale_deals["outsider"]
    with pytest.raises(NotVisible):
        stale_cleanup_bulk(
            actor=rep,
            deals=[(mine.pk, mine.version), (others.pk, others.version)],
            action="lose",
            reason=lost_reason,
        )
    mine.refresh_from_db()
    assert mine.status == "open"
    with pytest.raises(VersionConflict, match="Old rep"):
        stale_cleanup_bulk(
            actor=rep, deals=[(mine.pk, mine.version - 1)], action="lose", reason=lost_reason
        )


def test_stale_page_and_bulk_view(client, stale_deals, manager, lost_reason, pipeline):
    client.force_login(manager)
    page = client.get(reverse("metrics:stale"), {"pipeline": pipeline.pk})
    assert page.status_code == 200
    assert b"Old teammate" in page.content and b"Old outsider" not in page.content
    deal = stale_deals["teammate"]
    response = client.post(
        reverse("metrics:stale_bulk"),
        {
            "action": "lose",
            "deals": [f"{deal.pk}:{deal.version}"],
            "reason": lost_reason.pk,
            "pipeline": pipeline.pk,
        },
    )
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).status == "lost"
    # Missing reason: a message, nothing changed.
    other = stale_deals["rep"]
    response = client.post(
        reverse("metrics:stale_bulk"),
        {"action": "lose", "deals": [f"{other.pk}:{other.version}"]},
        follow=True,
    )
    assert "Choose why the deals were lost" in response.content.decode()
    assert Deal.objects.get(pk=other.pk).status == "open"
    csv = client.get(reverse("metrics:stale"), {"pipeline": pipeline.pk, "export": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and b"Old rep" in csv.content


# --- Issue 16 (15): filters survive every action; the lost reason is not the filter ---------


def _page_query(response) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(response["Location"]).query))


def test_mark_lost_keeps_the_filters(client, stale_deals, manager, rep, lost_reason, pipeline):
    client.force_login(manager)
    page = client.get(
        reverse("metrics:stale"), {"pipeline": pipeline.pk, "owner": rep.pk, "reason": "idle"}
    ).content.decode()
    # The filter travels under its own name: only the lost-reason select is called "reason".
    assert page.count('name="reason"') == 2  # the filter's select (GET form) and "Why?"
    assert 'name="filter_reason" value="idle"' in page
    assert f'name="filter_owner" value="{rep.pk}"' in page
    deal = stale_deals["rep"]
    response = client.post(
        reverse("metrics:stale_bulk"),
        {
            "action": "lose",
            "deals": [f"{deal.pk}:{deal.version}"],
            "reason": lost_reason.pk,
            "pipeline": pipeline.pk,
            "filter_owner": rep.pk,
            "filter_reason": "idle",
        },
    )
    assert response.status_code == 302
    assert _page_query(response) == {
        "pipeline": str(pipeline.pk),
        "owner": str(rep.pk),
        "reason": "idle",
    }
    assert Deal.objects.get(pk=deal.pk).status == "lost"


def test_schedule_keeps_the_filters_and_counts_in_the_singular(
    client, stale_deals, manager, pipeline
):
    client.force_login(manager)
    deal = stale_deals["teammate"]
    response = client.post(
        reverse("metrics:stale_bulk"),
        {
            "action": "schedule",
            "deals": [f"{deal.pk}:{deal.version}"],
            "activity_type": "call",
            "subject": "Check in",
            "due_date": timezone.localdate().isoformat(),
            "pipeline": pipeline.pk,
            "filter_reason": "no_next_step",
        },
    )
    assert _page_query(response) == {"pipeline": str(pipeline.pk), "reason": "no_next_step"}
    page = client.get(response["Location"]).content.decode()
    assert "1 deal updated." in page and "1 deals updated" not in page
