import datetime
import re

import pytest
from django.urls import reverse

from pipeline.models import Activity, Deal
from pipeline.selectors.activities import ActivityFilters, activity_buckets

pytestmark = pytest.mark.django_db

SCHEDULE = "/activities/schedule/"


def _post(client, **data):
    base = {"type": "call", "subject": "Intro", "due_date": "2030-01-15"}
    return client.post(SCHEDULE, base | data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_time": "25:00"}, "Enter a time such as 14:30"),
        ({"due_time": "9.75"}, "Enter a time such as 14:30"),
        ({"duration_minutes": "0"}, "at least 1 minute"),
        ({"duration_minutes": "2000"}, "at most 24 hours"),
        ({"duration_minutes": "half an hour"}, "whole minutes"),
        ({"type": "lunch"}, "“lunch” is not an activity type"),
        ({"due_date": "2030-02-30"}, "Enter a date such as"),
        ({"due_date": ""}, "Choose a date"),
    ],
)
def test_bad_input_is_refused_with_a_field_message(client, rep, anna, data, message):
    client.force_login(rep)
    response = _post(client, person=anna.pk, **data)
    assert response.status_code == 422
    assert message in response.text
    assert Activity.objects.count() == 0


def test_an_activity_without_a_subject_record_is_refused(client, rep):
    client.force_login(rep)
    response = _post(client)
    assert response.status_code == 422
    assert "must belong to a deal, a person or an organization" in response.text


def test_someone_elses_deal_is_a_404_not_a_500(client, rep, make_deal, outsider):
    theirs = make_deal(owner=outsider)
    client.force_login(rep)
    response = _post(client, deal=theirs.pk)
    assert response.status_code == 404


def test_scheduling_from_a_deal_returns_to_it_and_sets_its_next_step(client, rep, deal):
    client.force_login(rep)
    back = reverse("pipeline:deal_detail", args=[deal.pk])
    response = _post(client, deal=deal.pk, due_time="14:30", duration_minutes="45", next=back)
    assert response.status_code == 302 and response.url == back
    activity = Activity.objects.get()
    assert (activity.due_time, activity.duration_minutes) == (datetime.time(14, 30), 45)
    assert Deal.objects.get(pk=deal.pk).next_activity_id == activity.pk
    # An outside address in `next` is ignored.
    response = _post(client, deal=deal.pk, next="https://evil.example/")
    assert response.url == reverse("pipeline:my_activities")


def test_a_past_date_from_the_form_is_logged_as_done(client, rep, anna):
    client.force_login(rep)
    _post(client, person=anna.pk, due_date="2020-05-01")
    assert Activity.objects.get().done_at is not None


def test_finish_form_completes_and_schedules_the_next(client, rep, deal, schedule, today):
    first = schedule(deal=deal, days=0)
    client.force_login(rep)
    url = reverse("pipeline:activity_finish", args=[first.pk])
    bad = client.post(url, {"schedule_next": "1", "next_type": "call", "next_due_time": "7pm"})
    assert bad.status_code == 422
    assert "Choose when the next activity is due" in bad.text and "Enter a time" in bad.text
    assert Activity.objects.get(pk=first.pk).done_at is None
    nxt = today + datetime.timedelta(days=2)
    ok = client.post(
        url,
        {
            "schedule_next": "1",
            "next_type": "meeting",
            "next_subject": "Visit",
            "next_due_date": nxt.isoformat(),
            "outcome": "Good call",
        },
    )
    assert ok.status_code == 302
    created = Activity.objects.get(subject="Visit")
    assert Deal.objects.get(pk=deal.pk).next_activity_id == created.pk


def test_reschedule_and_edit(client, rep, anna, schedule, today):
    a = schedule(person=anna, days=1)
    client.force_login(rep)
    r = client.post(
        reverse("pipeline:activity_reschedule", args=[a.pk]), {"due_date": "2031-01-02"}
    )
    assert r.status_code == 302
    assert Activity.objects.get(pk=a.pk).due_date == datetime.date(2031, 1, 2)
    bad = client.post(
        reverse("pipeline:activity_detail", args=[a.pk]),
        {"type": "call", "due_date": "2031-01-02", "owner": rep.pk, "duration_minutes": "-5"},
    )
    assert bad.status_code == 422 and "at least 1 minute" in bad.text
    page = client.get(reverse("pipeline:activity_detail", args=[a.pk]))
    assert page.status_code == 200 and "Schedule the next activity" in page.text


def test_buckets_split_by_due_date(rep, anna, schedule, today):
    # Fixed "today": a Wednesday, so "this week" is Thursday to Sunday.
    wed = datetime.date(2030, 1, 16)
    offset = (wed - today).days
    overdue = schedule(person=anna, days=offset - 1)
    due_today = schedule(person=anna, days=offset)
    sunday = schedule(person=anna, days=offset + 4)
    monday = schedule(person=anna, days=offset + 5)
    done = schedule(person=anna, days=offset, done=True)
    b = activity_buckets(user=rep, filters=ActivityFilters(), today=wed)
    assert [a.pk for a in b.overdue] == [overdue.pk]
    assert [a.pk for a in b.today] == [due_today.pk]
    assert [a.pk for a in b.this_week] == [sunday.pk]
    assert [a.pk for a in b.later] == [monday.pk]
    assert [a.pk for a in b.done] == [done.pk]


def test_managers_see_their_team_reps_only_their_own(
    client, rep, teammate, manager, outsider, anna, schedule
):
    mine = schedule(person=anna, subject="Rita's call")
    schedule(person=anna, subject="Tom's call", owner=teammate)
    schedule(person=anna, subject="Olga's call", owner=outsider)
    url = reverse("pipeline:my_activities")
    client.force_login(manager)
    team = client.get(url, {"owner": "team"}).text
    assert "Rita&#x27;s call" in team and "Tom&#x27;s call" in team
    assert "Olga&#x27;s call" not in team
    only_rita = client.get(url, {"owner": str(rep.pk), "type": "call"}).text
    assert "Rita&#x27;s call" in only_rita and "Tom&#x27;s call" not in only_rita
    client.force_login(rep)
    as_rep = client.get(url, {"owner": "team"}).text
    assert "Rita&#x27;s call" in as_rep and "Tom&#x27;s call" not in as_rep
    assert client.get(reverse("pipeline:activity_detail", args=[mine.pk])).status_code == 200
    client.force_login(outsider)
    assert client.get(reverse("pipeline:activity_detail", args=[mine.pk])).status_code == 404


def test_my_activities_page_query_budget(
    client, rep, anna, schedule, django_assert_max_num_queries
):
    client.force_login(rep)
    url = reverse("pipeline:my_activities")
    schedule(person=anna)
    client.get(url)
    # session, user, open activities, done activities, goals, the open deals "+ Activity"
    # offers (a rep gets no owner list).
    with django_assert_max_num_queries(6):
        client.get(url)
    for i in range(30):
        schedule(person=anna, days=i - 10)
    with django_assert_max_num_queries(6):
        client.get(url)


def test_week_calendar(client, rep, anna, schedule, today):
    a = schedule(person=anna, subject="Weekly sync", due_time=datetime.time(9, 0))
    client.force_login(rep)
    page = client.get(reverse("pipeline:activity_calendar"), {"week": today.isoformat()})
    assert page.status_code == 200 and "Weekly sync" in page.text and "9:00\u202fAM" in page.text
    far = client.get(reverse("pipeline:activity_calendar"), {"week": "2001-01-01"})
    assert "Weekly sync" not in far.text
    assert client.get(reverse("pipeline:activity_calendar"), {"week": "junk"}).status_code == 200
    assert a.pk


def test_board_card_links_its_next_activity(client, rep, deal, schedule, pipeline):
    a = schedule(deal=deal, days=1, subject="Call Anna")
    client.force_login(rep)
    board = client.get(reverse("pipeline:board", args=[pipeline.pk])).text
    assert reverse("pipeline:activity_detail", args=[a.pk]) in board


def test_done_alone_schedules_nothing(client, rep, deal, schedule, today):
    """Issue 16 item 9: pressing "Mark as done" in the row's form, as it comes (type and date
    prefilled, box unticked, no subject), completes the activity and creates no junk one."""
    first = schedule(deal=deal, days=0)
    client.force_login(rep)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).text
    assert 'name="schedule_next" value="1" checked' not in page
    detail = client.get(reverse("pipeline:activity_detail", args=[first.pk])).text
    assert re.search(r'<input type="checkbox" name="schedule_next"[^>]*checked', detail) is None
    response = client.post(
        reverse("pipeline:activity_finish", args=[first.pk]),
        {
            "next_type": "meeting",
            "next_subject": "",
            "next_due_date": (today + datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get(pk=first.pk).done_at is not None
    assert Activity.objects.count() == 1


def test_a_typed_subject_schedules_the_follow_up(client, rep, deal, schedule, today):
    first = schedule(deal=deal, days=0)
    client.force_login(rep)
    client.post(
        reverse("pipeline:activity_finish", args=[first.pk]),
        {
            "next_type": "email",
            "next_subject": "Send the proposal",
            "next_due_date": (today + datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert Activity.objects.filter(subject="Send the proposal", done_at__isnull=True).count() == 1
