"""Everything else a person can send: each gets a helpful answer or is ignored on purpose."""

from __future__ import annotations

from typing import Any

import pytest

from bot.service import MAX_TEXT
from bot.storage.models import Alert, InboxUpdate, Message, Patient
from tests.e2e.conftest import CLINICIAN_CHAT, CODE, BotUnderTest, add_patients
from tests.e2e.emulator import BotApiEmulator

FILE = {"file_id": "f1", "file_unique_id": "u1"}


@pytest.mark.parametrize(("content", "answer"), [
    ({"voice": {**FILE, "duration": 4}}, "I can only read text"),
    ({"audio": {**FILE, "duration": 40}}, "I can only read text"),
    ({"video_note": {**FILE, "length": 240, "duration": 4}}, "I can only read text"),
    ({"photo": [{**FILE, "width": 90, "height": 90}]}, "I can't look at pictures"),
    ({"document": {**FILE, "file_name": "scan.pdf"}}, "I can't look at pictures"),
    ({"sticker": {**FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                  "is_video": False, "emoji": "👍"}}, "I can't read stickers"),
    ({"location": {"latitude": 52.5, "longitude": 13.4}}, "I can't use locations"),
    ({"contact": {"phone_number": "+100", "first_name": "Mum"}}, "I can't use locations"),
    ({"dice": {"emoji": "🎲", "value": 3}}, "I can only read text messages"),
])
async def test_non_text_messages_get_a_gentle_note(
    bot: BotUnderTest, emulator: BotApiEmulator, content: dict[str, Any], answer: str,
) -> None:
    await add_patients(bot.db, [42])
    emulator.user_sends_content(42, **content)
    await emulator.wait_for_text(42, answer)
    await bot.settled()
    assert len(emulator.texts(42)) == 1
    assert await bot.rows(Message) == []  # nothing recorded as an answer
    assert {r.status for r in await bot.rows(InboxUpdate)} == {"done"}


async def test_a_strangers_voice_note_is_answered_too(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    emulator.user_sends_content(43, voice={**FILE, "duration": 4})
    await emulator.wait_for_text(43, "I can only read text")


async def test_photo_caption_is_read_as_text(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await add_patients(bot.db, [42])
    emulator.user_sends_content(42, photo=[{**FILE, "width": 90, "height": 90}], caption="did my stretches")
    await emulator.wait_for_text(42, "Thanks")
    await bot.settled()
    assert [m.text for m in await bot.rows(Message)] == ["did my stretches"]


async def test_edited_message_is_ignored_unless_it_reads_as_a_crisis(
    bot: BotUnderTest, emulator: BotApiEmulator,
) -> None:
    await add_patients(bot.db, [42])
    emulator.user_sends(42, "fine today")
    await emulator.wait_for_text(42, "Thanks")
    emulator.user_edits(42, 1, "fine today!")
    emulator.user_sends(42, "/help")
    await emulator.wait_for_text(42, "Here's what I can do")
    await bot.settled()
    assert len(emulator.texts(42)) == 2  # the harmless edit changed nothing
    emulator.user_edits(42, 1, "actually I want to kill myself")
    await emulator.wait_for_text(42, "FIXTURE SAFETY RESPONSE")
    await emulator.wait_for_text(CLINICIAN_CHAT, "kill myself")
    await bot.settled()
    assert [a.severity for a in await bot.rows(Alert)] == ["crisis"]


async def test_groups_and_channels_are_left(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    emulator.bot_added_to_group(-1001, by_user=42)
    emulator.user_sends(-1002, f"/start {CODE}", user_id=42)
    emulator.inject({"channel_post": {"message_id": 5, "date": 0, "text": "news",
                                      "chat": {"id": -1003, "type": "channel", "title": "News"}}})
    marker = emulator.user_sends(42, "hello")
    await emulator.wait_for_text(42, "invite code")
    await bot.settled()
    assert sorted(emulator.left_chats) == [-1003, -1002, -1001]
    assert set(emulator.sent) == {42}  # nothing said in any group
    assert await bot.rows(Patient) == []  # the code was not used from a group
    assert marker


async def test_very_long_text_is_truncated_with_a_note(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await add_patients(bot.db, [42])
    emulator.user_sends(42, "a" * 4096)
    await emulator.wait_for_text(42, f"I read the first {MAX_TEXT} characters")
    await bot.settled()
    [message] = await bot.rows(Message)
    assert len(message.text) == MAX_TEXT
    assert emulator.texts(42)[0].startswith("Thanks")


async def test_a_crisis_sentence_at_the_end_of_a_4096_character_message_is_triaged(
    bot: BotUnderTest, emulator: BotApiEmulator,
) -> None:
    await add_patients(bot.db, [42])
    ending = " Honestly I want to kill myself tonight."
    emulator.user_sends(42, ("Walked the dog, knee fine, lunch with my sister. " * 90)[:4096 - len(ending)] + ending)
    await emulator.wait_for_text(42, "emergency")
    await bot.settled()
    assert [a.severity for a in await bot.rows(Alert)] == ["crisis"]


async def test_bot_messages_and_empty_updates_are_ignored(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    emulator.inject({"message": {"message_id": 9, "date": 0, "chat": {"id": 42, "type": "private"},
                                 "from": {"id": 99, "is_bot": True, "first_name": "Other"}, "text": "spam"}})
    emulator.inject({"inline_query": {"id": "q1", "query": "hi", "offset": "",
                                      "from": {"id": 42, "is_bot": False, "first_name": "A"}}})
    emulator.user_sends_content(42, pinned_message={"message_id": 1, "date": 0,
                                                    "chat": {"id": 42, "type": "private"}})
    await emulator.wait_until(lambda: not emulator.queue)
    await bot.settled()
    assert emulator.sent == {}
    assert {r.status for r in await bot.rows(InboxUpdate)} == {"done"}
