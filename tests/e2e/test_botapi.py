"""TelegramBot.send_text through PTB's stack against the emulator: the id it returns, the
keyboard it carries, and Telegram's errors raised as `send_message` raises them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot import eventloop
from bot.telegram.botapi import TelegramBot
from bot.telegram.channel import build_application
from tests.e2e.emulator import BotApiEmulator


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[TelegramBot]:
    application = build_application(emulator.token, emulator.base_url)
    await application.initialize()
    assert isinstance(application.bot, TelegramBot)
    yield application.bot
    await application.shutdown()


async def test_send_text_returns_the_new_message_id(bot: TelegramBot, emulator: BotApiEmulator) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="d:1:0:0"),
                                    InlineKeyboardButton("No", callback_data="d:1:0:1")]])
    first = await bot.send_text(7, "Did you do it?", markup)
    second = await bot.send_text(7, "Thanks")
    [asked, thanked] = emulator.sent[7]
    assert (asked.message_id, asked.text, asked.buttons, asked.data_of("No")) == (
        first, "Did you do it?", [["Yes", "No"]], "d:1:0:1")
    assert (thanked.message_id, thanked.text, thanked.buttons) == (second, "Thanks", [])
    assert second != first


async def test_send_text_raises_telegrams_errors_as_ptb_does(bot: TelegramBot, emulator: BotApiEmulator) -> None:
    emulator.fail("sendMessage", "429", retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_text(7, "hello")
    emulator.fail("sendMessage", "403")
    with pytest.raises(Forbidden):
        await bot.send_text(7, "hello")
    assert 7 not in emulator.sent


async def test_an_answer_without_a_message_id_is_an_error(bot: TelegramBot, emulator: BotApiEmulator,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_id(params: dict[str, Any], files: dict[str, int]) -> Any:
        return True

    monkeypatch.setattr(emulator, "api_sendMessage", no_id)
    with pytest.raises(TelegramError, match="without a message id"):
        await bot.send_text(7, "hello")


async def test_end_to_end_tests_run_on_the_serving_loop() -> None:
    expected = "asyncio" if eventloop.loop_factory() is None else "uvloop"
    assert type(asyncio.get_running_loop()).__module__.split(".")[0] == expected
