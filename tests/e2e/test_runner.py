"""`coachbot run` as a real process: clear errors without tracebacks, serving, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.config import Settings
from tests.e2e.conftest import CODE, add_invites, make_service
from tests.e2e.emulator import BotApiEmulator

RUN_TIMEOUT_S = 30


def environment(settings: Settings, database_url: str, token: str, api: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RASA_", "DATABASE_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=api, DATABASE_URL=database_url,
               COACHBOT_DIALOGUES_DIR=str(settings.dialogues_dir),
               COACHBOT_CONTENT_DIR=str(settings.content_dir), COACHBOT_DATA_DIR=str(settings.data_dir),
               LOG_LEVEL="INFO", PYTHONPATH=str(PROJECT_ROOT))
    return env


async def coachbot(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", *args, env=env, cwd=str(PROJECT_ROOT),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finished(process: asyncio.subprocess.Process) -> tuple[int, str]:
    _out, err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_S)
    assert process.returncode is not None
    return process.returncode, err.decode()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'run.sqlite3'}"


async def test_invalid_token_is_explained(
    tg_settings: Settings, emulator: BotApiEmulator, sqlite_url: str,
) -> None:
    env = environment(tg_settings, sqlite_url, "999:not-the-token", emulator.base_url)
    status, err = await finished(await coachbot(env))
    assert status == 1
    assert "Telegram rejected the bot token" in err and "BotFather" in err
    assert "Traceback" not in err and "999:not-the-token" not in err


async def test_unreachable_api_is_explained(tg_settings: Settings, emulator: BotApiEmulator, sqlite_url: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = environment(tg_settings, sqlite_url, emulator.token, f"http://127.0.0.1:{closed}/bot")
    status, err = await finished(await coachbot(env))
    assert status == 1
    assert "cannot reach the Telegram Bot API" in err and "TELEGRAM_API_BASE_URL" in err
    assert "Traceback" not in err and emulator.token not in err


async def test_webhook_mode_needs_url_and_secret(
    tg_settings: Settings, emulator: BotApiEmulator, sqlite_url: str,
) -> None:
    env = environment(tg_settings, sqlite_url, emulator.token, emulator.base_url)
    status, err = await finished(await coachbot(env, "--webhook", "--secret", "abc"))
    assert status == 2 and "--url" in err
    status, err = await finished(await coachbot(env, "--webhook", "--url", "https://bot.example.org/hook"))
    assert status == 2 and "secret" in err
    status, err = await finished(await coachbot(env, "--webhook", "--url", "https://x.org/h",
                                                "--secret", "bad secret!"))
    assert status == 2 and "A-Z" in err
    assert "Traceback" not in err


async def test_no_token_says_what_to_do(tg_settings: Settings, emulator: BotApiEmulator, sqlite_url: str) -> None:
    env = environment(tg_settings, sqlite_url, "", emulator.base_url)
    status, err = await finished(await coachbot(env))
    assert status == 2 and "BotFather" in err and "Traceback" not in err


async def test_run_serves_a_patient_and_stops_cleanly_on_sigterm(
    tg_settings: Settings, emulator: BotApiEmulator, database_url: str,
) -> None:
    service = await make_service(tg_settings, database_url)
    await add_invites(service.db)
    await service.close()
    process = await coachbot(environment(tg_settings, database_url, emulator.token, emulator.base_url))
    try:
        emulator.user_sends(42, f"/start {CODE}")
        await emulator.wait_for_text(42, "Agree?", within=RUN_TIMEOUT_S)
        assert emulator.commands["default"][0]["command"] == "help"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    status, err = await finished(process)
    assert status == 0, err
    assert "shutting down" in err and "Traceback" not in err
