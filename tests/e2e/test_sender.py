"""The sender against a misbehaving Telegram: 429s, 5xx, timeouts, dropped connections, 403,
limits, priorities, photos, long texts, and restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.clock import SystemClock
from bot.outbox import PRIORITY_BULK, PRIORITY_SCHEDULED, PRIORITY_STRANGER
from bot.storage.models import Outbox, Patient
from bot.telegram.sender import MAX_IN_FLIGHT, STRANGER_SLOTS
from tests.e2e.conftest import CLINICIAN_CHAT, FAST, BotUnderTest, add_invites, add_patients
from tests.e2e.emulator import BotApiEmulator

REAL_LIMITS = replace(FAST, sender=replace(FAST.sender, chat_interval_s=1.0, margin_s=0.05))


async def add_outbox(db: Any, items: list[tuple[str, str]], *, later: bool = False, **fields: Any) -> None:
    """Outbox rows (recipient, text); `later` makes them due in an hour (release with due_now)."""
    now = SystemClock().now()
    at = now + timedelta(hours=1) if later else now
    async with db.transaction() as session:
        for recipient, text in items:
            values: dict[str, Any] = {"kind": "message", "buttons": [], "priority": 5, **fields}
            session.add(Outbox(recipient=recipient, text=text, status="pending", attempts=0,
                               next_attempt_at=at, created_at=now, **values))


async def due_now(db: Any) -> None:
    async with db.transaction() as session:
        await session.execute(update(Outbox).values(next_attempt_at=SystemClock().now()))


async def test_429_for_one_chat_does_not_hold_up_the_others(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await add_patients(bot.db, [21, 22])
    emulator.fail("sendMessage", "429", times=2, chat_id=21, retry_after=1)
    await add_outbox(bot.db, [("patient:tg21", "to A"), ("patient:tg22", "to B")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_for_text(21, "to A")
    await bot.settled()
    assert emulator.sent[22][0].at < emulator.sent[21][0].at
    assert emulator.texts(21) == ["to A"] and emulator.texts(22) == ["to B"]
    rows = {r.recipient: r for r in await bot.rows(Outbox)}
    assert rows["patient:tg21"].status == "sent" and rows["patient:tg21"].attempts == 1


async def test_429_storm_every_message_arrives_once(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    chats = list(range(100, 110))
    await add_patients(bot.db, chats)
    emulator.fail("sendMessage", "429", times=25, retry_after=1)
    await add_outbox(bot.db, [(f"patient:tg{c}", f"hello {c} #{n}") for n in range(2) for c in chats])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: sum(len(emulator.texts(c)) for c in chats) == 20, within=30)
    await bot.settled()
    assert emulator.injected_faults["429"] == 25
    for chat in chats:
        assert emulator.texts(chat) == [f"hello {chat} #0", f"hello {chat} #1"]
    assert {r.status for r in await bot.rows(Outbox)} == {"sent"}


async def test_5xx_timeouts_and_dropped_connections_are_retried(
    bot: BotUnderTest, emulator: BotApiEmulator,
) -> None:
    await add_patients(bot.db, [21])
    emulator.fail("sendMessage", "500", times=1)
    emulator.fail("sendMessage", "502", times=1)
    emulator.fail("sendMessage", "timeout", times=1, delay_s=1.5)  # the bot gives up after 1 s
    emulator.fail("sendMessage", "drop", times=1)
    emulator.user_sends(21, "/help")
    await emulator.wait_for_text(21, "Here's what I can do", within=20)
    await bot.settled()
    assert sum(emulator.injected_faults.values()) == 4
    assert len(emulator.texts(21)) == 1
    [row] = await bot.rows(Outbox)
    assert (row.status, row.attempts, row.last_error) == ("sent", 5, None)


async def test_gives_up_after_bounded_attempts(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await add_patients(bot.db, [21, 22])
    emulator.fail("sendMessage", "500", times=1000, chat_id=21)
    await add_outbox(bot.db, [("patient:tg21", "never"), ("patient:tg22", "fine")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_for_text(22, "fine")
    await bot.settled(within=30)
    rows = {r.recipient: r for r in await bot.rows(Outbox)}
    assert rows["patient:tg21"].status == "failed"
    assert rows["patient:tg21"].attempts == FAST.sender.max_attempts
    assert "Internal Server Error" in (rows["patient:tg21"].last_error or "")


async def test_blocked_bot_is_recorded_and_not_retried(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await add_patients(bot.db, [21])
    emulator.blocked.add(21)  # blocked, and we have not heard of it yet
    await add_outbox(bot.db, [("patient:tg21", "first")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await bot.settled()
    [patient] = await bot.rows(Patient)
    assert patient.blocked
    calls = emulator.calls["sendMessage"]
    await add_outbox(bot.db, [("patient:tg21", "second")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await bot.settled()
    assert emulator.calls["sendMessage"] == calls  # not even tried
    assert [(r.status, r.attempts) for r in await bot.rows(Outbox)] == [("blocked", 1), ("blocked", 0)]
    # the patient unblocks and writes again
    emulator.user_unblocks_bot(21)
    emulator.user_sends(21, "/help")
    await emulator.wait_for_text(21, "Here's what I can do")
    [patient] = await bot.rows(Patient)
    assert not patient.blocked


async def test_a_patient_who_writes_again_is_no_longer_blocked(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    """Telegram lifts a block when the user writes; the unblock update itself may be missed."""
    await add_patients(bot.db, [21])
    emulator.blocked.add(21)
    await add_outbox(bot.db, [("patient:tg21", "first")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await bot.settled()
    emulator.blocked.discard(21)  # unblocked, with no my_chat_member update
    emulator.user_sends(21, "/help")
    await emulator.wait_for_text(21, "Here's what I can do")
    [patient] = await bot.rows(Patient)
    assert not patient.blocked


async def test_blocking_update_marks_the_patient(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await add_patients(bot.db, [21])
    emulator.user_blocks_bot(21)
    await emulator.wait_until(lambda: not emulator.queue)
    await bot.settled()
    [patient] = await bot.rows(Patient)
    assert patient.blocked


async def test_someone_without_a_telegram_chat_fails_clearly(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    now = SystemClock().now()
    async with bot.db.transaction() as session:
        session.add(Patient(id="p9", chat_key="patient:p9", name="Sim", status="active", crisis_open=False,
                            blocked=False, enrolled_at=now, timezone="UTC", checkin_time="09:00", locale="en"))
    await add_outbox(bot.db, [("patient:p9", "hello"), ("patient:nobody", "hello"), ("clinician:c2", "x")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await bot.settled()
    rows = await bot.rows(Outbox)
    assert {r.status for r in rows} == {"failed"}
    assert all("has no Telegram chat" in (r.last_error or "") for r in rows)
    assert emulator.calls["sendMessage"] == 0


async def test_every_kind_of_recipient_reaches_its_chat(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    """Patients by id and by chat, clinicians, strangers' chats: resolved with the claim (one
    statement on PostgreSQL, two on SQLite), and a blocked patient is not sent to at all."""
    await add_patients(bot.db, [61, 62, 63])  # the bot's clinicians: c1 in CLINICIAN_CHAT, c2 without a chat
    async with bot.db.transaction() as session:
        await session.execute(update(Patient).where(Patient.id == "tg63").values(blocked=True))
    await add_outbox(bot.db, [("patient:tg61", "by id"), ("chat:tg:62", "by chat"), ("chat:tg:64", "stranger"),
                              ("clinician:c1", "alert"), ("chat:tg:63", "blocked"), ("clinician:c2", "none")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: emulator.calls["sendMessage"] >= 4, what="sends")
    await bot.settled()
    statuses = {r.text: (r.status, r.external_id is not None) for r in await bot.rows(Outbox)}
    assert statuses == {"by id": ("sent", True), "by chat": ("sent", True), "stranger": ("sent", True),
                        "alert": ("sent", True), "blocked": ("blocked", False), "none": ("failed", False)}
    assert (emulator.texts(61), emulator.texts(62), emulator.texts(64)) == (["by id"], ["by chat"], ["stranger"])
    assert emulator.texts(CLINICIAN_CHAT) == ["alert"] and emulator.texts(63) == []


async def test_crisis_rows_go_out_first(bots: Callable[..., BotUnderTest], emulator: BotApiEmulator) -> None:
    one_at_a_time = replace(FAST, sender=replace(FAST.sender, max_in_flight=1))
    bot = await bots(one_at_a_time).start()
    await add_invites(bot.db)
    await add_patients(bot.db, list(range(31, 42)))
    await add_outbox(bot.db, [(f"patient:tg{c}", f"routine {c}") for c in range(31, 41)], later=True)
    await add_outbox(bot.db, [("patient:tg41", "crisis")], later=True, priority=0)
    await due_now(bot.db)
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: sum(len(v) for v in emulator.sent.values()) == 11)
    first = min((m for msgs in emulator.sent.values() for m in msgs), key=lambda m: m.message_id)
    assert first.text == "crisis"


async def test_photos_and_long_texts(bot: BotUnderTest, emulator: BotApiEmulator, tmp_path: Path) -> None:
    await add_patients(bot.db, [21])
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 2000)
    buttons = [[{"label": "OK", "data": "d:1:1:0"}]]
    await add_outbox(bot.db, [("patient:tg21", "Your week")], kind="photo", photo_path=str(chart))
    await add_outbox(bot.db, [("patient:tg21", "line\n" * 2000)], buttons=buttons)
    await add_outbox(bot.db, [("patient:tg21", "gone")], kind="photo", photo_path=str(tmp_path / "missing.png"))
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await bot.settled()
    photo, *parts = emulator.sent[21]
    assert (photo.method, photo.text, photo.photo_bytes) == ("sendPhoto", "Your week", 2008)
    assert len(parts) == 3 and all(len(p.text) <= 4096 for p in parts)
    assert "".join(p.text + "\n" for p in parts).count("line") == 2000
    assert [p.buttons for p in parts] == [[], [], [["OK"]]]
    rows = sorted(await bot.rows(Outbox), key=lambda r: r.id)
    assert [r.status for r in rows] == ["sent", "sent", "failed"]
    assert rows[1].external_id == str(parts[-1].message_id)
    assert "photo unreadable" in (rows[2].last_error or "")


async def test_a_failure_part_way_through_a_long_message_resends_only_the_rest(
    bot: BotUnderTest, emulator: BotApiEmulator, tmp_path: Path,
) -> None:
    await add_patients(bot.db, [21])
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    emulator.fail("sendMessage", "500", times=1, skip=1)  # the second text part fails once
    await add_outbox(bot.db, [("patient:tg21", "line\n" * 2000)])
    emulator.fail("sendMessage", "500", times=1, skip=3)  # then the photo's long caption, once
    await add_outbox(bot.db, [("patient:tg21", "caption " * 200)], kind="photo", photo=chart.read_bytes(),
                     photo_path=str(tmp_path / "drawn-on-another-machine.png"))
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: len(emulator.sent[21]) == 5, within=30)
    await bot.settled()
    texts, photo, caption = emulator.sent[21][:3], emulator.sent[21][3], emulator.sent[21][4]
    assert "".join(p.text + "\n" for p in texts).count("line") == 2000, "every part exactly once"
    assert (photo.method, photo.photo_bytes) == ("sendPhoto", 108), "the stored image, not the file"
    assert caption.text.strip() == ("caption " * 200).strip()
    assert emulator.injected_faults["500"] == 2
    rows = sorted(await bot.rows(Outbox), key=lambda r: r.id)
    assert [(r.status, r.parts_sent) for r in rows] == [("sent", 2), ("sent", 1)]


async def test_limits_are_kept_with_zero_429s_from_a_compliant_telegram(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    emulator.enforce_limits = True
    bot = await bots(REAL_LIMITS).start()
    await add_invites(bot.db)
    chats = list(range(200, 240))
    await add_patients(bot.db, chats)
    items = [(f"patient:tg{c}", f"to {c}") for c in chats] + [("patient:tg200", f"more {n}") for n in range(3)]
    await add_outbox(bot.db, items, later=True)
    await due_now(bot.db)
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: sum(len(emulator.texts(c)) for c in chats) == 43, within=30)
    assert not emulator.limit_violations
    assert emulator.texts(200) == ["to 200", "more 0", "more 1", "more 2"]
    spacing = [b.at - a.at for a, b in zip(emulator.sent[200], emulator.sent[200][1:], strict=False)]
    assert min(spacing) >= 1.0


async def test_graceful_restart_sends_every_message_exactly_once(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    slow = replace(FAST, sender=replace(FAST.sender, messages_per_second=10))
    bot = await bots(slow).start()
    await add_invites(bot.db)
    chats = list(range(300, 330))
    await add_patients(bot.db, chats)
    await add_outbox(bot.db, [(f"patient:tg{c}", f"msg {c}") for c in chats])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: sum(len(v) for v in emulator.sent.values()) >= 5)
    await bot.stop()
    assert sum(len(v) for v in emulator.sent.values()) < 30
    again = await bots(slow).start()
    await emulator.wait_until(lambda: all(emulator.sent.get(c) for c in chats), within=30)
    await again.settled()
    assert all(emulator.texts(c) == [f"msg {c}"] for c in chats)


async def test_crash_while_sending_duplicates_at_most_the_message_in_flight(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    """Telegram got the message, the answer never came back, the process died: that one row
    is sent again after its lease; everything else exactly once."""
    bot = await bots().start()
    await add_invites(bot.db)
    await add_patients(bot.db, [21, 22])
    emulator.fail("sendMessage", "timeout", times=1, chat_id=21, delay_s=30, delivered=True)
    await add_outbox(bot.db, [("patient:tg21", "in flight"), ("patient:tg22", "other")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_for_text(21, "in flight")
    await emulator.wait_for_text(22, "other")
    await bot.wait_rows(Outbox, Outbox.recipient == "patient:tg22", Outbox.status == "sent")
    await bot.crash()
    again = await bots().start()
    await emulator.wait_for_text(21, "in flight", count=2, within=20)
    await again.settled()
    assert emulator.texts(21) == ["in flight", "in flight"]
    assert emulator.texts(22) == ["other"]


async def test_a_send_in_flight_keeps_its_lease_and_a_crash_frees_the_chat_within_one_lease(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    """A request slower than the lease is not taken by anyone else (the lease is renewed);
    after kill -9 the row is due again within one lease, not a minute later."""
    lease_s = 2.0
    options = replace(FAST, sender=replace(FAST.sender, lease_s=lease_s),
                      http=replace(FAST.http, timeout_s=60.0))
    bot = await bots(options).start()
    await add_invites(bot.db)
    await add_patients(bot.db, [21])
    emulator.fail("sendMessage", "timeout", times=1, chat_id=21, delay_s=60, delivered=True)
    await add_outbox(bot.db, [("patient:tg21", "in flight")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_for_text(21, "in flight")
    await asyncio.sleep(lease_s * 1.5)
    read_at = SystemClock().now()
    [row] = await bot.rows(Outbox)
    await bot.crash()
    crashed_at = SystemClock().now()
    assert row.status == "pending"
    assert read_at < row.next_attempt_at <= crashed_at + timedelta(seconds=lease_s)  # renewed, and short
    again = await bots(options).start()
    await emulator.wait_for_text(21, "in flight", count=2, within=20)
    await again.settled()
    assert emulator.texts(21) == ["in flight", "in flight"]


def send_order(emulator: BotApiEmulator) -> list[int]:
    """Chats in the order Telegram received their messages."""
    return [m.chat_id for m in sorted((m for msgs in emulator.sent.values() for m in msgs),
                                       key=lambda m: m.message_id)]


async def test_a_reply_to_a_patient_overtakes_the_morning_check_ins(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    """A broadcast of 150 scheduled messages is draining at 10/s when a patient sends /help:
    once queued, the reply goes out right after the sends already under way, not after the
    broadcast."""
    bot = await bots(replace(FAST, sender=replace(FAST.sender, messages_per_second=10))).start()
    await add_invites(bot.db)
    chats = list(range(400, 550))
    await add_patients(bot.db, [*chats, 21])
    await add_outbox(bot.db, [(f"patient:tg{c}", f"check-in {c}") for c in chats], priority=PRIORITY_SCHEDULED)
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: len(send_order(emulator)) >= 20)
    emulator.user_sends(21, "/help")
    await bot.wait_rows(Outbox, Outbox.recipient == "patient:tg21")
    before = len(send_order(emulator))  # sent (or in flight) when the reply was queued
    await emulator.wait_for_text(21, "Here's what I can do", within=20)
    assert send_order(emulator).index(21) <= before + 2 * MAX_IN_FLIGHT
    assert len(send_order(emulator)) < len(chats)


async def test_strangers_get_a_share_of_sending_while_a_broadcast_drains_and_no_more(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    bot = await bots(replace(FAST, sender=replace(FAST.sender, messages_per_second=20))).start()
    await add_invites(bot.db)
    chats = list(range(400, 500))
    strangers = list(range(900, 940))
    await add_patients(bot.db, chats)
    await add_outbox(bot.db, [(f"patient:tg{c}", f"to the group {c}") for c in chats], priority=PRIORITY_BULK,
                     later=True)
    await add_outbox(bot.db, [(f"chat:tg:{c}", f"how to join {c}") for c in strangers], priority=PRIORITY_STRANGER,
                     later=True)
    await due_now(bot.db)
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: len(send_order(emulator)) == len(chats) + len(strangers), within=30)
    # While the broadcast drains. Not its first slots: a sender that looked for patients' rows
    # just before they became due, and for strangers' just after, rightly gave strangers every
    # slot (nobody else was waiting) before the next look.
    first_half = send_order(emulator)[MAX_IN_FLIGHT:MAX_IN_FLIGHT + 70]
    to_strangers = sum(1 for c in first_half if c in strangers)
    assert 0 < to_strangers <= len(first_half) * STRANGER_SLOTS / MAX_IN_FLIGHT * 2


async def test_paid_broadcasts_are_an_operators_choice(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator, tmp_path: Path,
) -> None:
    """Off by default; on, every message carries allow_paid_broadcast (Telegram charges only
    beyond its free 30 a second), photos too."""
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 200)
    bot = await bots().start()
    await add_invites(bot.db)
    await add_patients(bot.db, [21, 22])
    await add_outbox(bot.db, [("patient:tg21", "free")])
    bot.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_for_text(21, "free")
    await bot.stop()
    paid = await bots(replace(FAST, sender=replace(FAST.sender, paid_broadcast=True))).start()
    await add_outbox(paid.db, [("patient:tg22", "paid")])
    await add_outbox(paid.db, [("patient:tg22", "a chart")], kind="photo", photo_path=str(chart))
    paid.channel.sender.wake()  # type: ignore[union-attr]
    await emulator.wait_until(lambda: len(emulator.sent.get(22, [])) == 2)
    assert [m.paid_broadcast for m in emulator.sent[21]] == [False]
    assert [m.paid_broadcast for m in emulator.sent[22]] == [True, True]
