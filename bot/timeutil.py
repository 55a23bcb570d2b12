"""Local time for people in their own time zones, and quiet hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_QUIET_START = "21:00"
DEFAULT_QUIET_END = "08:00"
MAX_ZONE_TEXT = 64
"""Longer than any zone name: such text is not looked up."""


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def _zone_names() -> tuple[dict[str, str], dict[str, str]]:
    """("europe/madrid" -> "Europe/Madrid", and "madrid" -> "Europe/Madrid"; first zone wins)."""
    by_name: dict[str, str] = {}
    by_city: dict[str, str] = {}
    for name in sorted(available_timezones()):
        by_name[name.lower()] = name
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            by_city.setdefault(name.rsplit("/", 1)[1].replace("_", " ").lower(), name)
    return by_name, by_city


def resolve_zone(text: str | None) -> str | None:
    """The time zone a person means: "Europe/Madrid", "europe/madrid", "Madrid", "new york", "utc"."""
    typed = " ".join(str(text or "").split()).lower()
    if not typed or len(typed) > MAX_ZONE_TEXT:
        return None
    by_name, by_city = _zone_names()
    return by_name.get(typed.replace(" ", "_")) or by_city.get(typed)


_TIME_OF_DAY = re.compile(
    r"(?P<hours>\d{1,2})(?:\s*(?:[:.h])\s*(?P<minutes>\d{2}))?\s*(?:h|(?P<half>[ap])\.?\s*m?\.?)?")


def parse_hhmm(text: str | None) -> time | None:
    """A time of day as people type it: "07:30", "7:30", "7.30", "7", "7am", "7:30 pm", "19h30"."""
    match = _TIME_OF_DAY.fullmatch(str(text or "").strip().lower())
    if match is None:
        return None
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if match["half"]:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if match["half"] == "p" else 0)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def next_local(tz_name: str, hhmm: str, after: datetime) -> datetime:
    """The next moment strictly after `after` when the local clock in `tz_name` reads hh:mm."""
    tz = zone(tz_name)
    at = parse_hhmm(hhmm) or time(9, 0)
    local = after.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    while candidate <= local:
        candidate = datetime.combine(candidate.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate.astimezone(after.tzinfo)


def in_quiet_hours(tz_name: str, moment: datetime, start: str | None, end: str | None) -> bool:
    begin, finish = parse_hhmm(start or DEFAULT_QUIET_START), parse_hhmm(end or DEFAULT_QUIET_END)
    if begin is None or finish is None or begin == finish:
        return False
    local = moment.astimezone(zone(tz_name)).time()
    if begin < finish:
        return begin <= local < finish
    return local >= begin or local < finish


def after_quiet_hours(tz_name: str, moment: datetime, start: str | None, end: str | None) -> datetime:
    """`moment` itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(tz_name, moment, start, end):
        return moment
    return next_local(tz_name, end or DEFAULT_QUIET_END, moment)


def local_date(tz_name: str, moment: datetime) -> str:
    return moment.astimezone(zone(tz_name)).date().isoformat()


def before_quiet_hours(tz_name: str, moment: datetime, start: str | None, end: str | None,
                       margin: timedelta = timedelta(minutes=15)) -> datetime:
    """`moment` itself, or a little before the quiet hours it falls in begin (a heads-up that
    would land at night goes out the evening before)."""
    if not in_quiet_hours(tz_name, moment, start, end):
        return moment
    begin = parse_hhmm(start or DEFAULT_QUIET_START)
    finish = parse_hhmm(end or DEFAULT_QUIET_END)
    assert begin is not None and finish is not None
    tz = zone(tz_name)
    local = moment.astimezone(tz)
    day = local.date() if begin < finish or local.time() >= begin else local.date() - timedelta(days=1)
    return datetime.combine(day, begin, tzinfo=tz).astimezone(UTC) - margin


WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
            "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")}
MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
          "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.")}
"""Built in rather than the C library's locale: the process's locale is not the patient's."""


def day_and_time(local: datetime, locale: str) -> str:
    """A day and time as a patient reads it in their language: "18:30 on Mon 05 May",
    "Mo., 5. Mai, um 18:30 Uhr" (English for a language without names here)."""
    if locale == "de":
        return (f"{WEEKDAYS['de'][local.weekday()]}, {local.day}. {MONTHS['de'][local.month - 1]}, "
                f"um {local:%H:%M} Uhr")
    return f"{local:%H:%M} on {WEEKDAYS['en'][local.weekday()]} {local:%d} {MONTHS['en'][local.month - 1]}"


def clinician_time(timezone: str | None, moment: datetime) -> str:
    """A moment as a clinician reads it, in their own time zone: "Mon 02 Mar 10:00 CET"."""
    local = moment.astimezone(zone(timezone))
    return f"{local:%a %d %b %H:%M} {local.tzname() or ''}".strip()

