"""A newcomer's first run, timed: a fresh clone, the README's command for the terminal chat,
the first answer on screen; then the README's commands that need no token and no network.

Takes minutes (a new .venv is installed), so it runs only with COACHBOT_FIRST_RUN_TEST=1
(`bash .ci/run` sets it; with PIP_CACHE_DIR set to an empty directory it measures a cold pip
cache). The clone is of HEAD (uncommitted changes are not in it); HOME is an
empty directory and only pip's cache is shared with this machine's user (PIP_CACHE_DIR), so the
clone starts with no .venv, no .venv-rasa and nothing set up.

The README's promise under test: the bot answers in the terminal within 180 s of
`./scripts/run.sh chat` on a fresh clone (a new .venv included), without waiting for Rasa,
which `./scripts/run.sh` sets up in the background and which joins only when it answers.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from tests.test_chat_terminal import Terminal, assert_no_log_on_screen

pytestmark = pytest.mark.skipif(
    os.environ.get("COACHBOT_FIRST_RUN_TEST") != "1",
    reason="a fresh clone's first run takes minutes: COACHBOT_FIRST_RUN_TEST=1 runs it")

FIRST_ANSWER_BUDGET = 180.0
"""Seconds from `./scripts/run.sh chat` on a fresh clone to the bot's first answer (the promise)."""
FIRST_RUN_TIMEOUT = 1200.0
"""How long the test waits for the first run at all (a cold pip cache, a busy machine)."""
COMMAND_TIMEOUT = 300.0


def pip_cache_dir() -> str | None:
    done = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True,
                          timeout=120, check=False)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    """Whether anything accepts connections on 127.0.0.1:port."""
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def processes_in(folder: Path) -> list[tuple[int, str]]:
    """Processes (pid, command line) working in `folder` or running a program from it."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            cwd = os.readlink(entry / "cwd")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if str(folder) in cmdline or cwd == str(folder) or cwd.startswith(f"{folder}/"):
            found.append((int(entry.name), cmdline))
    return found


@pytest.fixture
def newcomer(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A fresh clone of HEAD and a newcomer's environment: an empty HOME, none of this
    project's variables, no virtual environment active; pip's cache is the one thing shared."""
    home, clone = tmp_path / "home", tmp_path / "coachbot"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RASA_", "TELEGRAM_", "COACHBOT_", "LOG_", "DATABASE_URL", "VIRTUAL_ENV",
                                "PYTHON", "XDG_"))}
    active = os.environ.get("VIRTUAL_ENV")
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep)
        if p and not (active and p.startswith(active)) and not p.startswith(str(PROJECT_ROOT)))
    env["HOME"] = str(home)
    if cache := pip_cache_dir():
        env["PIP_CACHE_DIR"] = cache
    # A Rasa of this machine's own (CI starts one on 5005 before this test) must not stand in
    # for the clone's: the clone's Rasa gets a port nobody uses.
    env["RASA_PORT"] = str(free_port())
    subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], env=env, check=True, timeout=300)
    assert not (clone / ".venv").exists() and not (clone / ".venv-rasa").exists()
    yield clone, env
    for pid, _ in processes_in(clone):  # what the run left behind (the test says so, below)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(command: str, clone: Path, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """A README command line, in the clone's root, as a shell runs it; prints how it went."""
    started = time.monotonic()
    done = subprocess.run(["bash", "-c", command], cwd=clone, env=env, input=stdin, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT, check=False)
    shown = command.splitlines()[0] + (" ..." if "\n" in command else "")
    print(f"  {shown}: exit {done.returncode} after {time.monotonic() - started:.1f} s")
    return done


def test_a_fresh_clone_answers_in_the_terminal_chat_within_the_promise(
    newcomer: tuple[Path, dict[str, str]],
) -> None:
    clone, env = newcomer
    readme = (clone / "README.md").read_text(encoding="utf-8")
    command = "./scripts/run.sh chat"
    assert f"`{command}`" in readme, f"the README no longer says {command!r} to try the bot in a terminal"

    chat = Terminal(shlex.split(command), env, clone)
    try:
        chat.expect("type a message", FIRST_RUN_TIMEOUT)
        ready = time.monotonic() - chat.started
        chat.expect("bot: ", FIRST_RUN_TIMEOUT)
        greeted = time.monotonic() - chat.started
        chat.expect("[1] ", FIRST_RUN_TIMEOUT)  # its first question's buttons: the bot waits
        chat.type("yes")  # the first message (the welcome asks whether to go ahead)
        chat.expect("yes\n", FIRST_RUN_TIMEOUT)  # its echo
        chat.expect("bot: ", FIRST_RUN_TIMEOUT)
        answered = time.monotonic() - chat.started
        answer = chat.expect("\n", FIRST_RUN_TIMEOUT).strip()
        rasa_port = int(env["RASA_PORT"])
        rasa_served = answers(rasa_port)
        rasa_model = (clone / "content" / "nlu" / "models" / "coachbot-nlu.tar.gz").exists()
        status = chat.quit()
    finally:
        chat.close()

    print(f"\nfirst chat answer after {answered:.0f} s ({answer!r}; the chat ready after {ready:.0f} s, "
          f"its first words after {greeted:.0f} s; budget {FIRST_ANSWER_BUDGET:.0f} s)")
    rasa_log = clone / "var" / "rasa-setup.log"
    if rasa_log.exists():
        print("Rasa set-up in the background (var/rasa-setup.log):\n  " +
              "\n  ".join(rasa_log.read_text(errors="replace").splitlines()[:5]))
    else:
        print("Rasa set-up: not started")
    assert status == 0, chat.screen
    assert answered < FIRST_ANSWER_BUDGET, (
        f"the first answer came after {answered:.0f} s, over the {FIRST_ANSWER_BUDGET:.0f} s promised")
    # Rasa is not on the way to the first answer: nothing served on its port, no model trained.
    assert not rasa_served and not rasa_model, "the chat's first answer waited for Rasa"
    # The chat's part of the screen (from its first line on) shows no log lines; the set-up's
    # pip and setuptools output before it is the installer's.
    assert_no_log_on_screen(chat.screen[chat.screen.find("coachbot chat as "):])
    # Leaving the chat leaves nothing running: the background Rasa set-up stops with it.
    deadline = time.monotonic() + 60
    while (left := processes_in(clone)) and time.monotonic() < deadline:
        time.sleep(1)
    assert not left, "still running after the chat ended:\n" + "\n".join(f"{pid}: {cmd}" for pid, cmd in left)

    # The README's commands that need no token and no network, in the clone (its .venv is set up).
    done = run("./coachbot --help", clone, env)
    assert done.returncode == 0 and "chat" in done.stdout, done.stderr
    done = run("./coachbot validate", clone, env)
    assert done.returncode == 0 and "no problems" in done.stdout, done.stdout + done.stderr
    done = run("./coachbot migrate", clone, env)
    assert done.returncode == 0, done.stderr
    example = re.search(r"^printf .*?\| \./coachbot simulate$", readme, re.MULTILINE | re.DOTALL)
    assert example, "the README's simulator example (printf ... | ./coachbot simulate) is gone"
    done = run(example.group(0), clone, env)
    assert done.returncode == 0, done.stderr
    sent = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert any(message["to"] == "patient:p1" for message in sent), done.stdout
    done = run("./coachbot triage", clone, env, stdin="I did my walk today\nI want to end my life\n")
    assert done.returncode == 0, done.stderr
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(verdicts) == 2 and (verdicts[1]["risk"] == "crisis" or verdicts[1]["ask"]), verdicts
    # `./coachbot diagram evening_reflection` in the README draws a dialogue its reader wrote;
    # a shipped one here.
    done = run("./coachbot diagram onboarding", clone, env)
    assert done.returncode == 0, done.stderr
    assert (clone / "diagrams" / "onboarding.mmd").exists() and (clone / "diagrams" / "onboarding.png").exists()
    # *Administration* as written (its one placeholder, CODE, filled with a code `invite` printed),
    # with nothing but what the commands say on screen.
    admin_block = re.findall(r"^\./coachbot (admin [^#\n]*?)\s*(?:#.*)?$", readme, re.MULTILINE)
    assert any(line.startswith("admin invite ") for line in admin_block), readme
    codes: list[str] = []
    for line in admin_block:
        if line.startswith("admin ..."):  # the command table
            continue
        if "CODE" in line:
            assert codes, f"the README's {line!r} comes before any invite"
            line = line.replace("CODE", codes[0])
        done = run(f"./coachbot {line}", clone, env)
        assert done.returncode == 0, line + "\n" + done.stdout + done.stderr
        assert " INFO " not in done.stdout + done.stderr, done.stdout + done.stderr
        if line.startswith("admin invite "):
            codes = re.findall(r"^([A-Z0-9]{6,})\s", done.stdout, re.MULTILINE)
            assert codes, done.stdout
    # And without a token, `./scripts/run.sh` stops and says how to get one.
    done = run("./scripts/run.sh", clone, env)
    assert done.returncode != 0 and "BotFather" in done.stderr, done.stdout + done.stderr

