"""Dates, times, months and relative days as the active language writes them.

One place formats every date a person reads: pages (through the `ldate`, `ldatetime`, `ltime`,
`lmonth`, `lrelday` and `lsince` filters in `pipeline.templatetags.crm`), charts, CSV headers
and emails. The patterns and names come from CLDR through Babel, not from Django's format
files, whose month abbreviations are gettext strings ("Mar" for Finnish marraskuu) and whose
orders are English ("3 Dec" in Hungarian):

    3 Dec 2026 →  en "Dec 3, 2026"   hu "2026. dec. 3."   zh-hans "2026年12月3日"   fi "3.12.2026"

Machine values (form inputs, CSV cells, iCalendar) stay ISO 8601 and do not come here.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

# Our names for the shapes pages use, as CLDR skeletons or CLDR's own format names. A skeleton
# lists the fields; CLDR gives each language its order and punctuation.
STYLES = {
    "short": "short",  # CLDR short: 12/3/26, 2026. 12. 03., 2026/12/3, 3.12.2026
    "medium": "medium",  # Dec 3, 2026 · 2026. dec. 3. · 2026年12月3日 · 3.12.2026
    "long": "long",  # December 3, 2026 · 2026. december 3. · 2026年12月3日 · 3. joulukuuta 2026
    "full": "full",  # Thursday, December 3, 2026 · … (weekday, day, month name, year)
    "day": "MMMd",  # Dec 3 · dec. 3. · 12月3日 · 3.12.   (this year's dates, labels)
    "weekday": "MMMEd",  # Thu, Dec 3 · dec. 3., Cs · 12月3日周四 · to 3.12.
    "weekday_long": "MMMMEEEEd",  # Thursday, December 3 (emails)
    "month": "yMMMM",  # December 2026 · 2026. december · 2026年12月 · joulukuu 2026
    "month_short": "yMMM",  # Dec 2026 · 2026. dec. · 2026年12月 · joulu 2026
    "weekday_name": "EEE",  # Thu · Cs · 周四 · to
}
_CLDR_NAMES = {"short", "medium", "long", "full"}


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (ValueError, LookupError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of `language`, or of the active language ('zh-hans' → zh_Hans)."""
    return _locale(language or translation.get_language() or settings.LANGUAGE_CODE)


def _as_local(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return _as_local(value).date()
    return value


def format_day(
    value: datetime.date | datetime.datetime | None,
    style: str = "medium",
    *,
    language: str | None = None,
) -> str:
    """A date in one of the `STYLES` ('medium' unless told); a datetime gives its local day."""
    if value is None or value == "":
        return ""
    pattern = STYLES.get(style, "medium")
    day = _day(value)
    locale = babel_locale(language)
    if pattern in _CLDR_NAMES:
        return babel_dates.format_date(day, pattern, locale=locale)
    return babel_dates.format_skeleton(pattern, day, locale=locale)


def format_clock(
    value: datetime.time | datetime.datetime | None, *, language: str | None = None
) -> str:
    """A time of day, hours and minutes: '2:53 PM', '14:53', '14.53' (fi)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = _as_local(value).time()
    return babel_dates.format_time(value, "short", locale=babel_locale(language))


def format_moment(
    value: datetime.datetime | None, style: str = "medium", *, language: str | None = None
) -> str:
    """A date and time in the local time zone: 'Dec 3, 2026, 2:53 PM', '2026. dec. 3. 14:53',
    '2026年12月3日 14:53', '3.12.2026 klo 14.53'. The date takes `style`; the time is short."""
    if value is None or value == "":
        return ""
    local = _as_local(value)
    locale = babel_locale(language)
    glue = locale.datetime_formats.get("medium", "{1} {0}")
    glue = getattr(glue, "pattern", glue)
    return (
        str(glue)
        .replace("{1}", format_day(local.date(), style, language=language))
        .replace("{0}", format_clock(local, language=language))
    )


def format_month(
    value: datetime.date | str | None, style: str = "month", *, language: str | None = None
) -> str:
    """A month: a date or an ISO 'YYYY-MM' key → 'December 2026', '2026. december', '2026年12月'."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            year, month = value.split("-")[:2]
            day = datetime.date(int(year), int(month), 1)
        except ValueError:
            return value  # not a month key: shown as it is
    else:
        day = value
    return format_day(
        day, style if style in ("month", "month_short") else "month", language=language
    )


def relative_day(
    value: datetime.date | datetime.datetime | None,
    *,
    today: datetime.date | None = None,
    language: str | None = None,
) -> str:
    """'today', 'yesterday', 'tomorrow', 'in 3 days', '3 days ago' (CLDR's words)."""
    if value is None or value == "":
        return ""
    day = _day(value)
    today = today or timezone.localdate()
    delta = (day - today).days
    locale = babel_locale(language)
    named = locale._data["date_fields"]["day"]["relative"]
    if delta in (-1, 0, 1) and delta in named:
        return str(named[delta])
    return babel_dates.format_timedelta(
        datetime.timedelta(days=delta),
        granularity="day",
        threshold=10_000,  # always in days: "in 45 days", not "in 2 months"
        add_direction=True,
        locale=locale,
    )


def relative_time(
    value: datetime.datetime | None,
    *,
    now: datetime.datetime | None = None,
    language: str | None = None,
) -> str:
    """How long ago something happened: 'just now' under a minute, else '2 minutes ago',
    '3 hours ago', '5 days ago' in the active language."""
    if value is None or value == "":
        return ""
    now = now or timezone.now()
    seconds = (now - value).total_seconds()
    if abs(seconds) < 60:
        return _("just now")
    return babel_dates.format_timedelta(
        -datetime.timedelta(seconds=seconds),
        granularity="minute",
        add_direction=True,
        locale=babel_locale(language),
    )


def days_in_stage(entered_at: datetime.datetime | None, now: datetime.datetime) -> int:
    """Days in stage, the one definition the board, the deal page and the stale list use
    (docs/metrics.md): the full 24-hour periods since the deal entered its stage, so a deal
    that entered on Monday at 15:00 shows 0 until Tuesday 15:00. `metrics.expressions.
    WholeDaysBetween` is the same count in SQL."""
    if entered_at is None:
        return 0
    return max((now - entered_at).days, 0)
