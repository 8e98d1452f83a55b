"""Dates follow the language (issue 16, item 11): CLDR patterns and names through
`shared.dates` and the crm template filters, never Django's `|date:` formats.

The expected strings are written out by hand from CLDR's patterns: en "MMM d, y", hu
"y. MMM d.", zh-Hans "y年M月d日", fi "d.M.y"; time "h:mm a" (en, with a narrow no-break
space before PM), "H:mm" (hu, zh), "H.mm" (fi).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from shared import dates

DEC_3 = datetime.date(2026, 12, 3)
NOV_20 = datetime.date(2026, 11, 20)  # a Friday
NOV_29 = datetime.date(2026, 11, 29)
MOMENT = datetime.datetime(2026, 12, 3, 14, 53, tzinfo=datetime.UTC)
NNBSP = "\u202f"


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load crm %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "medium", "day", "weekday", "month", "moment"),
    [
        (
            "en",
            "Dec 3, 2026",
            "Nov 29",
            "Fri, Nov 20",
            "December 2026",
            f"Dec 3, 2026, 2:53{NNBSP}PM",
        ),
        ("hu", "2026. dec. 3.", "nov. 29.", "nov. 20., P", "2026. december", "2026. dec. 3. 14:53"),
        (
            "zh-hans",
            "2026年12月3日",
            "11月29日",
            "11月20日周五",
            "2026年12月",
            "2026年12月3日 14:53",
        ),
        ("fi", "3.12.2026", "29.11.", "pe 20.11.", "joulukuu 2026", "3.12.2026 14.53"),
    ],
)
def test_filters_follow_the_language(settings, language, medium, day, weekday, month, moment):
    settings.TIME_ZONE = "UTC"
    assert render("{{ d|ldate }}", language, d=DEC_3) == medium
    assert render('{{ d|ldate:"day" }}', language, d=NOV_29) == day
    assert render('{{ d|ldate:"weekday" }}', language, d=NOV_20) == weekday
    assert render("{{ m|lmonth }}", language, m="2026-12") == month
    assert render("{{ m|lmonth }}", language, m=DEC_3) == month
    assert render("{{ t|ldatetime }}", language, t=MOMENT) == moment


def test_finnish_november_is_not_march():
    """Django's Finnish "M" abbreviation for marraskuu is "Mar"; CLDR writes 20.11.2026."""
    assert render("{{ d|ldate }}", "fi", d=NOV_20) == "20.11.2026"
    assert "Mar" not in render('{{ d|ldate:"weekday" }}', "fi", d=NOV_20)


def test_a_datetime_shows_its_local_day_and_time(settings):
    settings.TIME_ZONE = "Europe/Budapest"  # UTC+1 in December
    late = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)
    assert render("{{ t|ldatetime }}", "hu", t=late) == "2026. dec. 4. 0:30"
    assert render("{{ t|ltime }}", "hu", t=late) == "0:30"
    assert render("{{ t|ldate }}", "hu", t=late) == "2026. dec. 4."


@pytest.mark.parametrize(
    ("language", "yesterday", "today", "tomorrow", "in_3", "ago_3"),
    [
        ("en", "yesterday", "today", "tomorrow", "in 3 days", "3 days ago"),
        ("hu", "tegnap", "ma", "holnap", "3 nap múlva", "3 nappal ezelőtt"),
        ("zh-hans", "昨天", "今天", "明天", "3天后", "3天前"),
        ("fi", "eilen", "tänään", "huomenna", "3 päivän päästä", "3 päivää sitten"),
    ],
)
def test_relative_days(language, yesterday, today, tomorrow, in_3, ago_3):
    base = datetime.date(2026, 12, 4)
    with translation.override(language):
        said = [
            dates.relative_day(base + datetime.timedelta(days=n), today=base)
            for n in (-1, 0, 1, 3, -3)
        ]
    assert said == [yesterday, today, tomorrow, in_3, ago_3]


def test_relative_time_says_just_now_under_a_minute():
    with translation.override("en"):
        assert dates.relative_time(MOMENT, now=MOMENT) == "just now"
        assert dates.relative_time(MOMENT, now=MOMENT + datetime.timedelta(seconds=40)) == (
            "just now"
        )
        assert dates.relative_time(MOMENT, now=MOMENT + datetime.timedelta(minutes=2)) == (
            "2 minutes ago"
        )
    with translation.override("hu"):
        assert dates.relative_time(MOMENT, now=MOMENT + datetime.timedelta(minutes=2)) == (
            "2 perccel ezelőtt"
        )


def test_a_conflict_right_after_a_move_says_just_now(make_deal, stages, rep):
    from pipeline import services
    from shared.errors import VersionConflict

    deal = make_deal()
    services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    with translation.override("en"), pytest.raises(VersionConflict) as err:
        services.deal_move(deal=deal, to_stage=stages[2], expected_version=1, actor=rep)
    assert "Rita Rep moved this deal to Qualified just now." in err.value.message
    assert "0 minutes" not in err.value.message


# Machine values stay ISO: form inputs ('Y-m-d') and <time datetime="…"> ('c').
MACHINE = {"Y-m-d", "c"}
DATE_FILTER = re.compile(r"\|(?:date|time):\s*[\"']([^\"']*)[\"']|\|(?:date|time|timesince)\b(?!:)")


def test_no_template_formats_a_readable_date_with_django_formats():
    """Every date a person reads goes through ldate/ldatetime/ltime/lmonth/lrelday/lsince."""
    found = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix not in {".html", ".txt"}:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                for m in DATE_FILTER.finditer(line):
                    if m.group(1) not in MACHINE:
                        found.append(f"{path.name}:{n}: {m.group(0)}")
    assert found == []


@pytest.mark.parametrize(
    ("language", "created"),
    [
        ("en", "Nov 20, 2026, 2:53\u202fPM"),
        ("hu", "2026. nov. 20. 14:53"),
        ("zh-hans", "2026年11月20日 14:53"),
        ("fi", "20.11.2026 14.53"),
    ],
)
def test_the_deal_timeline_follows_the_language(
    client, settings, make_deal, rep, language, created
):
    """A whole page: the deal's timeline dates its creation in the reader's language."""
    import time_machine
    from django.urls import reverse

    from accounts.models import User

    settings.TIME_ZONE = "UTC"
    with time_machine.travel(datetime.datetime(2026, 11, 20, 14, 53, tzinfo=datetime.UTC)):
        deal = make_deal(title="Dated")
    User.objects.filter(pk=rep.pk).update(language=language)
    client.force_login(rep)
    page = client.get(reverse("pipeline:deal_detail", args=[deal.pk])).content.decode()
    assert f">{created}</time>" in page
