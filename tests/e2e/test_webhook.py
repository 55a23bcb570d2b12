"""Webhook mode: updates pushed by (the emulated) Telegram with the secret token; anything
without the right secret is refused and stores nothing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from bot.storage.models import AuditEntry, InboxUpdate
from bot.telegram.channel import WebhookConfig
from bot.telegram.webhook import SECRET_HEADER
from tests.e2e.conftest import CLINICIAN_CHAT, CODE, BotUnderTest, add_invites, add_patients, database_outage
from tests.e2e.emulator import BotApiEmulator

SECRET = "s3cret-Token_for-tests"
SAFETY_RESPONSE = "FIXTURE SAFETY RESPONSE"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_config(path: str = "/telegram/hook") -> WebhookConfig:
    port = free_port()
    return WebhookConfig(url=f"http://127.0.0.1:{port}{path}", secret=SECRET, host="127.0.0.1", port=port)


@pytest.fixture
async def hooked(bots: Callable[..., BotUnderTest]) -> tuple[BotUnderTest, WebhookConfig]:
    config = webhook_config()
    bot = await bots().start(webhook=config)
    await add_invites(bot.db)
    return bot, config


async def test_webhook_mode_serves_a_conversation(
    hooked: tuple[BotUnderTest, WebhookConfig], emulator: BotApiEmulator,
) -> None:
    bot, config = hooked
    assert emulator.webhook["url"] == config.url and emulator.webhook["secret_token"] == SECRET
    emulator.user_sends(42, f"/start {CODE}")
    await emulator.wait_for_text(42, "Agree?")
    emulator.user_presses(42, "I agree")
    await emulator.wait_for_text(42, "What should I call you?")
    await bot.settled()
    assert set(emulator.webhook_responses) == {200}
    assert emulator.calls["getUpdates"] == 0


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"},
                                     {SECRET_HEADER: ""}])
async def test_wrong_or_missing_secret_is_refused_and_nothing_stored(
    hooked: tuple[BotUnderTest, WebhookConfig], emulator: BotApiEmulator, headers: dict[str, str],
) -> None:
    bot, config = hooked
    update = {"update_id": 77, "message": {"message_id": 1, "date": 0, "text": f"/start {CODE}",
                                           "chat": {"id": 42, "type": "private"},
                                           "from": {"id": 42, "is_bot": False, "first_name": "M"}}}
    async with httpx.AsyncClient() as client:
        response = await client.post(config.url, json=update, headers=headers)
    assert response.status_code == 403
    assert await bot.rows(InboxUpdate) == []
    assert emulator.sent == {}


async def test_bad_requests_with_the_right_secret(
    hooked: tuple[BotUnderTest, WebhookConfig], emulator: BotApiEmulator,
) -> None:
    bot, config = hooked
    good = {SECRET_HEADER: SECRET}
    async with httpx.AsyncClient() as client:
        not_json = await client.post(config.url, content=b"{not json", headers=good)
        no_id = await client.post(config.url, json={"message": {}}, headers=good)
        wrong_path = await client.post(config.url + "/other", json={"update_id": 1}, headers=good)
        get = await client.get(config.url, headers=good)
    assert (not_json.status_code, no_id.status_code, wrong_path.status_code) == (200, 200, 404)
    assert get.status_code == 405
    assert await bot.rows(InboxUpdate) == []


@pytest.mark.parametrize(("body", "reason"), [
    (b"[" * 5000 + b"]" * 5000, "JSON nested too deeply"),
    (b'{"update_id": 9223372036854775808, "message": {}}', "no valid update_id"),
    (b'{"update_id": 5, "message": {"text": NaN}}', "NaN or Infinity in the JSON"),
    (b'{"update_id": 6, "x": Infinity}', "NaN or Infinity in the JSON"),
])
async def test_what_can_never_be_stored_is_acknowledged_and_audited_without_its_content(
    hooked: tuple[BotUnderTest, WebhookConfig], body: bytes, reason: str, caplog: pytest.LogCaptureFixture,
) -> None:
    bot, config = hooked
    async with httpx.AsyncClient() as client:
        response = await client.post(config.url, content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200  # a 5xx would make Telegram deliver it again for ever
    assert await bot.rows(InboxUpdate) == []
    [entry] = [a for a in await bot.rows(AuditEntry) if a.action == "update_refused"]
    assert entry.detail == {"reason": reason}
    assert f"update refused: {reason}" in caplog.text


async def test_webhook_retries_and_duplicates_are_handled_once(
    hooked: tuple[BotUnderTest, WebhookConfig], emulator: BotApiEmulator,
) -> None:
    bot, config = hooked
    update_id = emulator.user_sends(42, f"/start {CODE}")
    await emulator.wait_for_text(42, "Agree?")
    payload = emulator.history[update_id]
    async with httpx.AsyncClient() as client:
        for _ in range(3):  # Telegram retrying a delivery it thinks failed
            response = await client.post(config.url, json=payload, headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200
    await bot.settled()
    assert len(emulator.texts(42)) == 1
    assert len(await bot.rows(InboxUpdate)) == 1


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "M"}}}


async def test_webhook_requests_that_arrive_together_share_an_insert(
    hooked: tuple[BotUnderTest, WebhookConfig], emulator: BotApiEmulator,
) -> None:
    bot, config = hooked
    inserts: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            inserts.append(statement)

    requests = 32
    event.listen(bot.db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with httpx.AsyncClient() as client:
            responses = await asyncio.gather(*(
                client.post(config.url, json=text_update(1000 + n, 7000 + n, "hello"),
                            headers={SECRET_HEADER: SECRET}) for n in range(requests)))
    finally:
        event.remove(bot.db.engine.sync_engine, "before_cursor_execute", count)
    assert [r.status_code for r in responses] == [200] * requests
    assert len(await bot.rows(InboxUpdate)) == requests
    assert 1 <= len(inserts) < requests
    await bot.settled()
    assert all(len(emulator.texts(7000 + n)) == 1 for n in range(requests))


async def test_an_update_the_database_refuses_is_answered_503_and_a_crisis_still_gets_its_safety_response(
    hooked: tuple[BotUnderTest, WebhookConfig], emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot, _ = hooked
    await add_patients(bot.db, [42])
    end_outage = database_outage(monkeypatch, bot.db, ("single_statement",))  # the inbox's way in
    emulator.user_sends(42, "I want to end it all")
    await emulator.wait_for_text(42, SAFETY_RESPONSE)
    for _ in range(200):  # Telegram keeps retrying; each retry is refused too
        if emulator.webhook_responses.count(503) >= 3:
            break
        await asyncio.sleep(0.05)
    assert emulator.webhook_responses.count(503) >= 3 and 200 not in emulator.webhook_responses
    assert await bot.rows(InboxUpdate) == []
    assert len(emulator.sent[42]) == 1, "the direct safety response goes out once, not per retry"
    end_outage()
    await emulator.wait_for_text(CLINICIAN_CHAT, "I want to end it all", within=20)
    await bot.settled(within=20)
    assert len(await bot.rows(InboxUpdate)) == 1
