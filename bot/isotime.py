"""ISO-8601 parsing for the simulator and scripts: durations and timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.errors import InputError

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """PT26H, P1D, P1DT2H30M, PT90S, P2W; months and years are refused (their length varies)."""
    match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise InputError(f"{text!r} is not an ISO-8601 duration such as PT26H or P1DT2H")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)


def parse_time(text: str) -> datetime:
    """An ISO-8601 timestamp; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{text!r} is not an ISO-8601 time such as 2026-03-02T09:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """UTC, seconds precision, trailing Z: stable across platforms and databases."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
