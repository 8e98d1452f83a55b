import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import CalendarFeed
from pipeline.selectors.calendar import calendar_text, escape_text, fold
from pipeline.services.activities import calendar_feed_revoke, calendar_feed_rotate

pytestmark = pytest.mark.django_db


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_escaping_follows_rfc5545():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "Äänestys ja kokous, " * 10
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == line


def test_feed_text(rep, anna, schedule, settings):
    settings.TIME_ZONE = "Europe/Helsinki"  # UTC+2 in January
    timed = schedule(
        person=anna,
        type="meeting",
        subject="Budget; review, Q1",
        days=0,
        due_time=datetime.time(14, 30),
        duration_minutes=90,
    )
    timed.due_date = datetime.date(2030, 1, 15)
    all_day = schedule(person=anna, type="task", subject="Send quote")
    all_day.due_date = datetime.date(2030, 1, 16)
    now = datetime.datetime(2030, 1, 10, 8, 0, tzinfo=datetime.UTC)
    with timezone.override("Europe/Helsinki"):
        text = calendar_text(
            [timed, all_day],
            name="Rita",
            host="crm.example.com",
            base_url="https://crm.example.com",
            now=now,
        )
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert f"UID:activity-{timed.pk}@crm.example.com" in lines
    assert "DTSTAMP:20300110T080000Z" in lines
    # 14:30 in Helsinki (UTC+2) is 12:30 UTC; 90 minutes later is 14:00 UTC.
    assert "DTSTART:20300115T123000Z" in lines and "DTEND:20300115T140000Z" in lines
    assert "SUMMARY:Meeting: Budget\\; review\\, Q1" in lines
    assert "DTSTART;VALUE=DATE:20300116" in lines and "DTEND;VALUE=DATE:20300117" in lines
    assert lines.count("BEGIN:VEVENT") == 2 == lines.count("END:VEVENT")


def test_feed_url_is_secret_and_revocable(client, rep, teammate, anna, schedule):
    schedule(person=anna, subject="Rita's call")
    schedule(person=anna, subject="Tom's call", owner=teammate)
    feed = calendar_feed_rotate(actor=rep)
    url = reverse("pipeline:calendar_feed", args=[feed.token])
    response = client.get(url)  # no login: calendar apps cannot log in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert "Rita's call" in body and "Tom's call" not in body
    new = calendar_feed_rotate(actor=rep)
    assert new.token != feed.token
    assert client.get(url).status_code == 404
    calendar_feed_revoke(actor=rep)
    assert client.get(reverse("pipeline:calendar_feed", args=[new.token])).status_code == 404
    assert client.get("/calendar/guess.ics").status_code == 404


def test_feed_settings_page(client, rep):
    client.force_login(rep)
    url = reverse("pipeline:calendar_feed_settings")
    assert "Create my private calendar address" in client.get(url).text
    client.post(url, {"action": "rotate"})
    token = CalendarFeed.objects.get(user=rep).token
    assert f"/calendar/{token}.ics" in client.get(url).text
    client.post(url, {"action": "revoke"})
    assert not CalendarFeed.objects.filter(user=rep).exists()
