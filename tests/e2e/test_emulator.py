"""The Bot API emulator itself, through PTB: the methods the bot does not use every day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, EndPointNotFound, InvalidToken, RetryAfter

from bot.telegram.channel import build_application
from tests.e2e.emulator import BotApiEmulator


@pytest.fixture
async def ptb(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    application = build_application(emulator.token, emulator.base_url)
    await application.initialize()
    yield application.bot
    await application.shutdown()


async def test_edit_text_and_markup(ptb: Bot, emulator: BotApiEmulator) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
    message = await ptb.send_message(5, "Question?", reply_markup=markup)
    await ptb.edit_message_text("Question? (answered)", chat_id=5, message_id=message.message_id)
    await ptb.edit_message_reply_markup(chat_id=5, message_id=message.message_id, reply_markup=None)
    [sent] = emulator.sent[5]
    assert (sent.text, sent.edits, sent.buttons) == ("Question? (answered)", ["Question?"], [])
    with pytest.raises(BadRequest):
        await ptb.edit_message_text("x", chat_id=6, message_id=message.message_id)


async def test_commands_and_webhook_info(ptb: Bot, emulator: BotApiEmulator) -> None:
    scope = BotCommandScopeChat(9)
    await ptb.set_my_commands([BotCommand("alerts", "Open alerts")], scope=scope)
    assert [c.command for c in await ptb.get_my_commands(scope=scope)] == ["alerts"]
    await ptb.delete_my_commands(scope=scope)
    assert await ptb.get_my_commands(scope=scope) == ()
    await ptb.set_webhook("https://example.org/hook", secret_token="abc")
    assert (await ptb.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await ptb.get_updates(timeout=0)
    await ptb.delete_webhook()
    assert (await ptb.get_webhook_info()).url == ""


async def test_long_poll_offsets_and_competing_pollers(ptb: Bot, emulator: BotApiEmulator) -> None:
    waiting = asyncio.ensure_future(ptb.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    first = emulator.user_sends(3, "hi")
    [update] = await asyncio.wait_for(waiting, 5)
    assert update.update_id == first and update.message is not None and update.message.text == "hi"
    assert [u.update_id for u in await ptb.get_updates(timeout=0)] == [first]  # not confirmed yet
    assert await ptb.get_updates(offset=first + 1, timeout=0) == ()
    older = asyncio.ensure_future(ptb.get_updates(offset=first + 1, timeout=5))
    await asyncio.sleep(0.1)
    newer = asyncio.ensure_future(ptb.get_updates(offset=first + 1, timeout=1))
    with pytest.raises(Conflict):
        await older
    assert await newer == ()


async def test_wrong_token_and_unknown_method(emulator: BotApiEmulator) -> None:
    other = build_application("1:wrong", emulator.base_url)
    with pytest.raises(InvalidToken):
        await other.initialize()
    application = build_application(emulator.token, emulator.base_url)
    await application.initialize()
    with pytest.raises(EndPointNotFound):
        await application.bot.do_api_request("no_such_method")
    await application.shutdown()


async def test_compliant_mode_counts_and_refuses_excess(ptb: Bot, emulator: BotApiEmulator) -> None:
    emulator.enforce_limits = True
    await ptb.send_message(7, "one")
    with pytest.raises(RetryAfter):
        await ptb.send_message(7, "two, too soon")
    assert emulator.limit_violations == {"chat": 1}
    assert emulator.texts(7) == ["one"]
