"""Local time for people in their own time zones, and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_QUIET_START = "21:00"
DEFAULT_QUIET_END = "08:00"


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


def parse_hhmm(text: str | None) -> time | None:
    try:
        hours, minutes = str(text).strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        return None


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
