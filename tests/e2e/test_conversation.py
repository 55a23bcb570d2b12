"""Patients and clinicians talking to the real bot over HTTP: enrolment, buttons, menus, restarts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.storage.models import AuditEntry, ConversationRow, InboxUpdate, Outbox, Patient
from tests.e2e.conftest import CLINICIAN_CHAT, CLINICIAN_CODE, CODE, BotUnderTest, add_invites, enrol
from tests.e2e.emulator import BotApiEmulator


async def test_patient_enrols_with_deep_link_and_buttons(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await enrol(bot, emulator, 42, "Maria")
    await bot.settled()
    [patient] = await bot.rows(Patient)
    assert (patient.id, patient.chat_key, patient.group_id, patient.name) == ("tg42", "tg:42", "g1", "Maria")
    consent = emulator.sent[42][0]
    assert consent.buttons == [["I agree"], ["No thanks"]]
    assert emulator.answers() == [None]  # the press was answered (spinner stops), silently
    sent = {str(m.message_id) for m in emulator.sent[42]}
    assert all((r.status, r.attempts, r.last_error) == ("sent", 1, None) and r.sent_at is not None
               and r.external_id in sent for r in await bot.rows(Outbox))


async def test_stranger_without_invite_is_told_how_to_join(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    emulator.user_sends(7, "hello?")
    await emulator.wait_for_text(7, "invite code")
    emulator.user_sends(7, "/start WRONGCODE")
    await emulator.wait_for_text(7, "that code didn't work")
    await bot.settled()
    assert await bot.rows(Patient) == []
    assert [a.action for a in await bot.rows(AuditEntry)] == ["invite_refused"]


async def test_commands_menus_for_patients_and_clinicians(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    first = await bots().start()
    await add_invites(first.db)
    await first.stop()
    bot = await bots().start()
    default = [c["command"] for c in emulator.commands["default"]]
    assert default[:3] == ["help", "pause", "resume"] and "stop" in default
    clinician = [c["command"] for c in emulator.commands[f"chat:{CLINICIAN_CHAT}"]]
    assert {"alerts", "patients", "groups"} <= set(clinician)
    # a second clinician links their chat with a clinician invite: their menu follows
    emulator.user_sends(501, f"/start {CLINICIAN_CODE}")
    await emulator.wait_for_text(501, "Welcome, Dr Ben")
    await emulator.wait_until(lambda: "chat:501" in emulator.commands, what="clinician menu")
    await bot.settled()


async def test_restart_mid_conversation_loses_nothing(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    bot = await bots().start()
    await add_invites(bot.db)
    emulator.user_sends(42, f"/start {CODE}")
    await emulator.wait_for_text(42, "Agree?")
    emulator.user_presses(42, "I agree")
    await emulator.wait_for_text(42, "What should I call you?")
    await bot.stop()
    # while the bot is down, the patient answers and presses the old button again
    emulator.user_sends(42, "Maria")
    emulator.user_presses(42, "I agree", emulator.sent[42][0])
    again = await bots().start()
    await emulator.wait_for_text(42, "Welcome, Maria!")
    await emulator.wait_until(lambda: len(emulator.callback_answers) == 2, what="second answer")
    await again.settled()
    assert emulator.answers()[-1] == "This question has already been answered."
    assert emulator.texts(42).count("Welcome, Maria!") == 1
    [conversation] = await again.rows(ConversationRow)
    assert conversation.status == "finished"
    assert all(r.status == "done" for r in await again.rows(InboxUpdate))


async def test_updates_sent_while_down_are_fetched_after_restart(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    bot = await bots().start()
    await add_invites(bot.db)
    await bot.stop()
    emulator.user_sends(61, f"/start {CODE}")
    emulator.user_sends(62, "hello")
    again = await bots().start()
    await emulator.wait_for_text(61, "Agree?")
    await emulator.wait_for_text(62, "invite code")
    await again.settled()
    assert [p.chat_key for p in await again.rows(Patient)] == ["tg:61"]


async def test_single_use_invite_is_redeemed_once_under_concurrency(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    """Three chats send the same one-time code at once (processed concurrently)."""
    bot = await bots().start()
    await add_invites(bot.db)
    await bot.stop()
    for chat in (61, 62, 63):
        emulator.user_sends(chat, f"/start {CODE}")
    again = await bots().start()
    await emulator.wait_until(lambda: all(emulator.sent.get(c) for c in (61, 62, 63)), what="replies")
    await again.settled()
    assert len(await again.rows(Patient)) == 1


@pytest.mark.parametrize(("kind", "options"), [("500", {"times": 2}), ("429", {"retry_after": 1})])
async def test_an_answer_to_a_press_is_tried_again_while_the_press_is_valid(
    bot: BotUnderTest, emulator: BotApiEmulator, kind: str, options: dict[str, int],
) -> None:
    emulator.fail("answerCallbackQuery", kind, **options)
    await enrol(bot, emulator, 42, "Maria")
    await emulator.wait_until(lambda: emulator.answers() == [None], within=10, what="the press answered")
    assert emulator.injected_faults[kind] >= 1
