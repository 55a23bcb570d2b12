"""The terminal chat as a person sees it: `./coachbot chat` in a real pseudo-terminal.

What tests/test_chat.py checks through function calls, here through the screen: a check-in
that falls due appears while the patient types nothing; a crisis gets the safety response and
reaches the demo clinician, whose own terminal (`--as clinician:demo`, same database) shows the
alert; and no log line reaches the screen, while the log file fills. No Rasa; a temporary data
directory and database (COACHBOT_DATA_DIR, DATABASE_URL). Timeouts are generous (each session
starts a Python process) and nothing is asserted about speed.
"""

from __future__ import annotations

import codecs
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import PROJECT_ROOT
from bot.content.bundle import Bundle, build_bundle, collect_files
from bot.safety.response import safety_response

START_SECONDS = 240.0
"""From launching a session to its first words (a Python process on a busy machine)."""
REPLY_SECONDS = 120.0
"""From typing a line to the bot's answer on screen."""

LOG_ON_SCREEN = re.compile(
    r"\b(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b|Traceback|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    r"|transitions\.core|httpx|httpcore|alembic|sqlalchemy|aiosqlite|asyncpg|apscheduler|telegram\.")
"""What a log line looks like (bot.logs.FORMAT: time, level, logger name) or a library's name."""


class Terminal:
    """A command running in a pseudo-terminal: what it shows, and typing into it."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.started = time.monotonic()
        try:
            self.process = subprocess.Popen(
                list(argv), stdin=slave, stdout=slave, stderr=slave, env=dict(env), cwd=cwd,
                start_new_session=True,  # its own process group, the terminal's session leader
            )
        finally:
            os.close(slave)
        self.screen = ""
        """Everything shown so far (the pty's \\r\\n as \\n), typed lines' echo included."""
        self.cursor = 0
        """Where the next `expect` starts looking."""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._open = True

    def _read(self, timeout: float) -> bool:
        """Reads what the terminal shows within `timeout`; False once it is closed."""
        if not self._open:
            return False
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the process and its children are gone
            data = b""
        if not data:
            self._open = False
            return False
        self.screen += self._decoder.decode(data).replace("\r", "")
        return True

    def expect(self, text: str | re.Pattern[str], timeout: float) -> str:
        """Waits until `text` (a string or pattern) is shown after the cursor; returns what
        was shown up to its end and moves the cursor there."""
        deadline = time.monotonic() + timeout
        while True:
            if isinstance(text, str):
                at = self.screen.find(text, self.cursor)
                end = at + len(text) if at >= 0 else -1
            else:
                match = text.search(self.screen, self.cursor)
                end = match.end() if match else -1
            if end >= 0:
                shown, self.cursor = self.screen[self.cursor:end], end
                return shown
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 1.0)):
                state = "still running" if self.process.poll() is None else f"exit {self.process.returncode}"
                raise AssertionError(
                    f"waited {timeout:.0f} s for {text!r} ({state}); the terminal showed:\n{self.screen}")

    def drain(self, seconds: float) -> None:
        """Reads what the terminal shows for `seconds`, typing nothing."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._read(deadline - time.monotonic()):
            pass

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def quit(self, timeout: float = REPLY_SECONDS) -> int:
        """/quit, as a person leaves; returns the exit status."""
        self.type("/quit")
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.drain(0.5)  # reading on, so its last words never block it
        self.drain(0.5)
        assert self.process.poll() is not None, f"still running {timeout:.0f} s after /quit:\n{self.screen}"
        return self.process.returncode

    def close(self) -> None:
        """Ends the process group this terminal started, if it is still there."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(20)
        if self.master >= 0:
            os.close(self.master)
            self.master, self._open = -1, False


def chat_command(*args: str) -> list[str]:
    """`./coachbot chat`, as the README says; without the launcher's one-time set-up (no .venv at
    the root, or pyproject.toml changed since), the same program from this interpreter."""
    venv = PROJECT_ROOT / ".venv"
    stamp = venv / ".coachbot-installed"
    ready = (venv / "bin" / "coachbot").exists() and stamp.exists() and \
        (PROJECT_ROOT / "pyproject.toml").stat().st_mtime <= stamp.stat().st_mtime
    return ["./coachbot", "chat", *args] if ready else [sys.executable, "-m", "bot.cli", "chat", *args]


@cache
def bundle() -> Bundle:
    return build_bundle(collect_files([PROJECT_ROOT / "dialogues", PROJECT_ROOT / "content"]))


def said(key: str, **values: str) -> str:
    """A message of content/messages/en.yaml as it appears on screen: its placeholders filled
    from `values`, else its longest stretch without one."""
    text = str(bundle().messages["en"][key])
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return max(re.split(r"\{[^}]*\}", text), key=len).strip()


@pytest.fixture
def chat_env(tmp_path: Path) -> dict[str, str]:
    """A person's environment with the data directory and database in tmp_path, and no Rasa."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RASA_", "TELEGRAM_", "COACHBOT_", "LOG_", "DATABASE_URL"))}
    env.update(COACHBOT_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}",
               LOG_LEVEL="INFO", COACHBOT_NO_RASA="1")
    return env


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Sessions opened by a test; whatever is left running is ended afterwards."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def open_chat(terminals: list[Terminal], env: Mapping[str, str], *args: str) -> Terminal:
    terminal = Terminal(chat_command(*args), env, PROJECT_ROOT)
    terminals.append(terminal)
    terminal.expect("type a message", START_SECONDS)
    return terminal


def assert_no_log_on_screen(screen: str) -> None:
    lines = [line for line in screen.splitlines() if LOG_ON_SCREEN.search(line)]
    assert not lines, "log lines on the screen:\n" + "\n".join(lines)


def assert_the_log_went_to_its_file(data_dir: Path) -> None:
    log = data_dir / "coachbot.log"
    assert log.is_file(), f"no {log}"
    assert " INFO " in log.read_text(encoding="utf-8")  # at least the start's migration lines


def test_a_check_in_appears_on_screen_while_the_patient_types_nothing(
    terminals: list[Terminal], chat_env: dict[str, str], tmp_path: Path,
) -> None:
    patient = open_chat(terminals, chat_env)
    patient.expect("joining the demo group", START_SECONDS)
    patient.expect(said("onboarding.consent_ask"), REPLY_SECONDS)
    patient.type("yes")
    patient.expect(said("onboarding.ask_name"), REPLY_SECONDS)
    patient.type("Sam")
    patient.expect(said("onboarding.ask_timezone", name="Sam"), REPLY_SECONDS)
    patient.type("Europe/London")
    patient.expect(said("onboarding.ask_checkin_time"), REPLY_SECONDS)
    patient.type("08:00")
    patient.expect(said("onboarding.ask_language"), REPLY_SECONDS)
    patient.type("English")
    patient.expect(said("onboarding.all_set", name="Sam", checkin_time="08:00"), REPLY_SECONDS)
    patient.expect(said("onboarding.first_checkin"), REPLY_SECONDS)
    patient.expect(said("goals.ask_first"), REPLY_SECONDS)
    patient.type("1")  # "Not now": an unanswered question would hold the check-in back
    patient.expect(said("goals.later", name="Sam"), REPLY_SECONDS)

    # /time moves the check-in to the next whole minute at least 20 s away, on the real clock
    # (the terminal's clock: no /next was used). If the bot took so long that the minute had
    # passed before it confirmed, the check-in would be tomorrow's: then try the next minute.
    london = ZoneInfo("Europe/London")
    for _attempt in range(5):
        due = (datetime.now(london) + timedelta(seconds=80)).replace(second=0, microsecond=0)
        patient.type(f"/time {due:%H:%M}")
        patient.expect(said("system.time_set", time=f"{due:%H:%M}"), REPLY_SECONDS)
        if datetime.now(london) < due:
            break
    else:
        pytest.fail("the bot never confirmed /time before the minute it named")

    # Nothing is typed from here on: the chat's tick runs the job and shows the check-in.
    shown = patient.expect(said("checkin.ask_mood", name="Sam"), (due - datetime.now(london)).total_seconds() + 180)
    assert datetime.now(london) >= due, "the check-in came before its time"
    assert "bot: " in shown
    patient.expect(re.compile(r"\[1\] 0 .*\[11\] 10"), REPLY_SECONDS)  # its 0-10 buttons

    assert patient.quit() == 0
    assert_no_log_on_screen(patient.screen)
    assert_the_log_went_to_its_file(tmp_path)


def test_a_crisis_gets_the_safety_response_and_the_demo_clinician_sees_the_alert(
    terminals: list[Terminal], chat_env: dict[str, str], tmp_path: Path,
) -> None:
    patient = open_chat(terminals, chat_env)
    patient.expect(said("onboarding.consent_ask"), REPLY_SECONDS)
    patient.type("I am going to kill myself tonight")
    patient.expect("I am going to kill myself tonight", REPLY_SECONDS)  # its echo
    # The fixed safety response, with the crisis lines and "your care team has been told"
    # (the demo group's clinician can be told). Not yet onboarded: time zone UTC, English.
    for line in safety_response(bundle(), "UTC", "en").splitlines():
        patient.expect(line, REPLY_SECONDS)
    patient.expect(re.compile(r"\[to clinician:demo\] .*URGENT"), REPLY_SECONDS)
    assert patient.quit() == 0

    # The other side, in a second terminal on the same database.
    clinician = open_chat(terminals, chat_env, "--as", "clinician:demo")
    clinician.type("/alerts")
    # one message listing the open alerts, most urgent first, a button to open each
    clinician.expect(re.compile(r"bot: Open alerts: 1,[^\n]*\n1\. 🔴 URGENT[^\n]*kill myself"), REPLY_SECONDS)
    clinician.expect("[1] 🔴 1.", REPLY_SECONDS)
    clinician.type("1")  # opens it: the alert in full, with its buttons (I'm on it, ...)
    clinician.expect(re.compile(r"bot: 🔴 URGENT: [^\n]*\nAt [^\n]*kill myself"), REPLY_SECONDS)
    clinician.expect("[1] I'm on it", REPLY_SECONDS)
    assert clinician.quit() == 0

    for terminal in (patient, clinician):
        assert_no_log_on_screen(terminal.screen)
    assert_the_log_went_to_its_file(tmp_path)
