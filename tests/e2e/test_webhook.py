"""Webhook mode: updates pushed by (the emulated) Telegram with the secret token; anything
without the right secret is refused and stores nothing."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest

from bot.storage.models import InboxUpdate
from bot.telegram.channel import WebhookConfig
from bot.telegram.webhook import SECRET_HEADER
from tests.e2e.conftest import CODE, BotUnderTest, add_invites
from tests.e2e.emulator import BotApiEmulator

SECRET = "s3cret-Token_for-tests"


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
    assert (not_json.status_code, no_id.status_code, wrong_path.status_code) == (400, 400, 404)
    assert get.status_code == 405
    assert await bot.rows(InboxUpdate) == []


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
