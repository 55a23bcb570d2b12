"""Progress lines: on a terminal, what and how far; elsewhere (CI logs, pipes) nothing at all."""

from __future__ import annotations

import io

import pytest

from bot import progress
from bot.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_written_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress("triaging", 10, stream=stream)
    for _ in range(10):
        bar.step()
    bar.done()
    assert stream.getvalue() == ""


def test_on_a_terminal_it_says_what_how_far_and_how_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "REDRAW_S", 0.0)  # every step redraws in this test
    stream = Terminal()
    bar = Progress("triaging", 4, stream=stream)
    bar.step()
    bar.step()
    assert "triaging: 2/4 (50 %, about" in stream.getvalue()
    bar.step(2)
    bar.done()
    assert "triaging: 4 done in" in stream.getvalue() and stream.getvalue().endswith("\n")
