"""Issue 16, item 19: a manager's "My activities" offers the team's activities (Mine / My
team), and "+ Activity" schedules one on an open deal the user may change."""

from __future__ import annotations

from django.urls import reverse

from pipeline import services
from pipeline.models import Activity

URL = reverse("pipeline:my_activities")


def test_a_manager_without_own_activities_is_offered_the_teams(
    client, manager, rep, outsider, anna, schedule
):
    schedule(person=anna, subject="Rita's call")
    schedule(person=anna, subject="Olga's call", owner=outsider)
    client.force_login(manager)
    mine = client.get(URL).text
    assert "Rita&#x27;s call" not in mine
    # The scope toggle, and a pointer to the team's activities since none are the manager's.
    assert 'href="?owner=team"' in mine
    assert "Nothing of your own here." in mine
    team = client.get(URL, {"owner": "team"}).text
    assert "Rita&#x27;s call" in team and "Olga&#x27;s call" not in team
    assert "Nothing of your own here." not in team


def test_a_rep_has_no_team_toggle(client, rep, anna, schedule):
    schedule(person=anna, subject="Rita's call")
    client.force_login(rep)
    page = client.get(URL).text
    assert "Rita&#x27;s call" in page
    assert 'href="?owner=team"' not in page
    assert "Nothing of your own here." not in page


def test_add_activity_offers_the_open_deals_one_may_change(
    client, rep, manager, outsider, make_deal, today
):
    ours = make_deal(title="Rita's open deal")
    theirs = make_deal(title="Olga's open deal", owner=outsider)
    closed = services.deal_win(
        deal=make_deal(title="Rita's won deal"), expected_version=1, actor=rep
    )
    client.force_login(manager)
    page = client.get(URL).text
    assert "+ Activity" in page
    assert f'<option value="{ours.pk}">' in page
    assert f'<option value="{theirs.pk}">' not in page
    assert f'<option value="{closed.pk}">' not in page
    response = client.post(
        reverse("pipeline:activity_schedule"),
        {
            "deal": ours.pk,
            "type": "call",
            "subject": "Check in",
            "due_date": today.isoformat(),
            "owner": rep.pk,
            "next": URL,
        },
    )
    assert response.status_code == 302 and response["Location"] == URL
    activity = Activity.objects.get(subject="Check in")
    assert activity.deal_id == ours.pk and activity.owner_id == rep.pk
