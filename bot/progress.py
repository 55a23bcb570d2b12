"""A progress line for long work (training, evaluating, simulating): what is happening, how far,
and about how long is left. Only on a terminal: CI logs and pipes stay as they were."""

from __future__ import annotations

import sys
import time
from typing import TextIO

REDRAW_S = 0.5
"""At most two redraws a second: a progress line must not cost what it measures."""


class Progress:
    def __init__(self, what: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.what = what
        self.total = total
        self.stream = stream or sys.stderr
        self.shown = bool(getattr(self.stream, "isatty", lambda: False)())
        self.count = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def step(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if self.shown and now - self._drawn >= REDRAW_S:
            self._drawn = now
            self.stream.write("\r" + self.line(now) + "\033[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.started
        if not self.total:
            return f"{self.what}: {self.count} ({elapsed:.0f} s)"
        left = (self.total - self.count) * elapsed / self.count if self.count else 0.0
        return (f"{self.what}: {self.count}/{self.total} ({100 * self.count / self.total:.0f} %, "
                f"about {left:.0f} s left)")

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r" + f"{self.what}: {self.count} done in {time.monotonic() - self.started:.0f} s"
                              + "\033[K\n")
            self.stream.flush()
