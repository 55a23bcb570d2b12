"""`coachbot chat`: a terminal patient joins the demo group, whose demo clinician hears alerts."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot import chat as terminal
from bot.clock import AheadClock
from bot.config import Settings


@pytest.fixture
def chat_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The terminal chat's own database file, as `./coachbot chat` has in ./var."""
    return replace(settings, database_url=f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}")


async def typed(settings: Settings, lines: str, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> str:
    """What the terminal shows a patient who types `lines` (ending with /quit)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert await terminal.chat(settings, "patient:me") == 0
    return capsys.readouterr().out


async def test_a_crisis_in_the_terminal_reaches_the_demo_clinician(
    chat_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out = await typed(chat_settings, "I am going to kill myself tonight\n/quit\n", monkeypatch, capsys)
    assert "joining the demo group" in out
    assert "[to clinician:demo]" in out and "URGENT" in out


async def test_messages_that_fall_due_are_shown_while_waiting(
    chat_settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[int] = []

    async def counting_show(*args: object) -> None:
        shown.append(1)

    class SlowInput:
        def readline(self) -> str:
            time.sleep(0.3)  # the person takes a while to type
            return ""

    monkeypatch.setattr(terminal, "TICK_SECONDS", 0.05)
    monkeypatch.setattr(terminal, "_show", counting_show)
    monkeypatch.setattr("sys.stdin", SlowInput())
    assert await terminal.chat(chat_settings, "patient:me") == 0
    assert len(shown) >= 3  # once at the start, then on ticks before the line came


def test_the_chat_keeps_its_log_in_a_file_off_the_screen(tmp_path: Path) -> None:
    env = {**os.environ, "COACHBOT_DATA_DIR": str(tmp_path), "LOG_LEVEL": "INFO",
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="hello\n/quit\n", env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "bot: " in done.stdout and " INFO " not in done.stdout + done.stderr
    assert " INFO " in (tmp_path / "coachbot.log").read_text()


def test_the_terminal_clock_moves_ahead_and_never_back() -> None:
    clock = AheadClock()
    start = clock.now()
    clock.jump_to(start + timedelta(hours=25))
    assert clock.now() - start >= timedelta(hours=25)
    clock.jump_to(start)  # the past: ignored
    assert clock.now() - start >= timedelta(hours=25)


async def test_next_moves_the_clock_to_the_next_scheduled_message(
    chat_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    out = await typed(chat_settings, "I am going to kill myself tonight\n/next\n/quit\n", monkeypatch, capsys)
    assert "the clock moves ahead to" in out  # the crisis alert's escalation is scheduled


async def test_each_terminal_takes_only_its_own_messages(
    chat_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """The patient's terminal glimpses the alert; the clinician's own terminal still gets it
    (before, the first terminal took every message, whoever it was for)."""
    await typed(chat_settings, "I am going to kill myself tonight\n/quit\n", monkeypatch, capsys)
    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    assert await terminal.chat(chat_settings, "clinician:demo") == 0
    out = capsys.readouterr().out
    assert "bot: " in out and "URGENT" in out and "[to clinician:demo]" not in out
