"""The chaos suite, short: a few hundred fuzzed updates, Telegram faults, one kill -9 during
sends and a database outage, on SQLite and PostgreSQL (bench/chaos.py runs the full one).

Each invariant is asserted on its own, so a failure names what broke; the figures are printed
(`pytest -s`) as the benchmark prints them."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from bot.telegram.webhook import SECRET_HEADER
from tests.chaos.harness import FORGED, ChaosConfig, Figures, captured_logs, patient_text, run_chaos
from tests.e2e.conftest import BotUnderTest, add_invites, add_patients
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.test_webhook import SECRET, webhook_config

SHORT = ChaosConfig(updates=300, kills=1, fault_messages=2, kill_backlog=2, outage_updates=20, within_s=30)


@pytest.fixture
async def figures(bots: Callable[..., BotUnderTest], emulator: BotApiEmulator, database_url: str) -> Figures:
    result = await run_chaos(bots, emulator, database_url, SHORT)
    print(result.summary())
    return result


async def test_chaos_invariants(figures: Figures) -> None:
    assert figures.updates > SHORT.updates // 2 and figures.replies > figures.updates // 2, figures.summary()
    assert figures.lost == 0, "every acknowledged update is stored and handled"
    assert figures.lost_replies == 0, "every message marked sent reached Telegram"
    assert figures.unsent == 0, "every outbox row ends sent (or blocked)"
    assert figures.kills == SHORT.kills
    assert all(d <= 1 for d in figures.duplicates_per_kill), figures.duplicates_per_kill
    assert figures.duplicated == sum(figures.duplicates_per_kill), "no duplicate without a kill"
    assert all(0 < h <= 5.0 for h in figures.held_after_restart_s), figures.held_after_restart_s
    assert figures.fuzz_5xx == 0
    assert figures.probe_messages > 0 and figures.probe_replies == figures.probe_messages
    assert figures.stranger_max_replies <= 3
    assert figures.outage_5xx > 0, "the outage did happen (and was answered 503)"
    assert sum(figures.faults_injected.values()) > 0
    assert figures.log_records > 0, "nothing logged: the check below would prove nothing"
    assert figures.text_in_logs == 0
    assert figures.tracebacks == 0


def forged(update_id: int, chat_id: object, user_id: int, text: str) -> bytes:
    """A private message whose chat id is not an integer: Telegram never sends one, but the
    webhook door takes whatever carries the secret."""
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "M"}}}).encode()


async def post(url: str, body: bytes) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.post(url, content=body, headers={SECRET_HEADER: SECRET})).status_code


async def test_what_a_forged_chat_id_says_never_reaches_the_logs(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    config = webhook_config()
    bot = await bots().start(webhook=config)
    with captured_logs() as logs:
        assert await post(config.url, forged(1, FORGED, 77, "hello")) == 200
        await bot.settled()
    assert logs.lines, "nothing logged: the check below would prove nothing"
    assert not [line for line in logs.lines if FORGED in line]


async def test_a_forged_long_chat_id_never_holds_up_the_patients_chat(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    """The inbox orders the forged update with its sender's (a patient's) messages; it must end
    handled or failed, and the patient's next message must be answered."""
    config = webhook_config()
    bot = await bots().start(webhook=config)
    await add_invites(bot.db)
    await add_patients(bot.db, [42])
    assert await post(config.url, forged(1, "x" * 100, 42, "hello")) == 200
    emulator.webhook = {}
    assert await post(config.url, json.dumps({"update_id": 2, **patient_text(42, 1)}).encode()) == 200
    await emulator.wait_until(lambda: bool(emulator.sent.get(42)), within=15, what="the patient's reply")
    await bot.settled()
