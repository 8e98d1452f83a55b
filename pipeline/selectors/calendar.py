"""iCalendar (RFC 5545) text for a user's activity feed, written by hand: it is small, and
doing it here keeps the rules visible.

- Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character), the
  continuation starting with one space (3.1).
- TEXT values escape backslash, semicolon, comma and newlines (3.3.11).
- Timed activities are written in UTC (`…Z`, 3.3.5) after reading their date and time in the
  company's time zone; untimed ones are all-day events (`VALUE=DATE`, DTEND the next day).
- Every event has a stable UID (so calendars update it instead of adding a copy), DTSTAMP and
  LAST-MODIFIED.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from pipeline.models import Activity
from shared.validation import date_in_range

PRODID = "-//Stagecoach//Stagecoach CRM//EN"
# Length given to a timed activity without a duration.
DEFAULT_MINUTES = 30


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets joined by CRLF + space."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size = " ", 1  # the continuation's leading space counts too
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(activity: Activity, *, host: str, stamp: datetime.datetime, base_url: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:activity-{activity.pk}@{host}",
        f"DTSTAMP:{_utc(stamp)}",
        f"LAST-MODIFIED:{_utc(activity.updated_at)}",
    ]
    if activity.due_time is not None:
        start = timezone.make_aware(datetime.datetime.combine(activity.due_date, activity.due_time))
        end = start + datetime.timedelta(minutes=activity.duration_minutes or DEFAULT_MINUTES)
        lines += [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
    else:
        nxt = activity.due_date + datetime.timedelta(days=1)
        lines += [
            f"DTSTART;VALUE=DATE:{activity.due_date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{nxt:%Y%m%d}",
            "TRANSP:TRANSPARENT",
        ]
    summary = f"{activity.get_type_display()}: {activity.subject}"
    if activity.done_at:
        summary = f"✓ {summary}"
    lines.append(f"SUMMARY:{escape_text(summary)}")
    details = []
    if activity.deal_id and activity.deal is not None:
        details.append(f"{activity.deal.title}")
    if activity.organization_id and activity.organization is not None:
        details.append(activity.organization.name)
    if activity.person_id and activity.person is not None:
        person = activity.person
        details.append(" ".join(p for p in (person.name, person.phone, person.email) if p))
    if activity.note:
        details.append(activity.note)
    url = f"{base_url}/activities/{activity.pk}/"
    details.append(url)
    lines.append(f"DESCRIPTION:{escape_text(chr(10).join(details))}")
    lines.append(f"URL:{url}")
    lines.append(f"CATEGORIES:{escape_text(str(activity.get_type_display()))}")
    lines.append("STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return lines


def calendar_text(
    activities: Iterable[Activity],
    *,
    name: str,
    host: str,
    base_url: str,
    now: datetime.datetime | None = None,
) -> str:
    stamp = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-PUBLISHED-TTL:PT1H",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for activity in activities:
        if not date_in_range(activity.due_date):
            continue  # stored before dates were limited; 9999-12-31 23:30 cannot end
        lines += _event(activity, host=host, stamp=stamp, base_url=base_url.rstrip("/"))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
