"""Time is passed in, never read deep inside: that keeps the engine pure and `simulate` exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class AheadClock:
    """The real clock, which the terminal chat can move ahead (`/next`) to try a programme in
    minutes instead of days; it never goes back."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def jump_to(self, moment: datetime) -> None:
        gap = as_utc(moment) - self.now()
        if gap > timedelta(0):
            self.ahead += gap


class SimulatedClock:
    """A clock the simulator moves by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        moment = as_utc(moment)
        if moment > self._now:
            self._now = moment

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes (as SQLite returns them) are taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
