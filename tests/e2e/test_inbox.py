"""The inbox: stored before acknowledged, handled once, in order per chat, survives crashes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, inspect, select
from telegram import Bot

from bot.clock import SystemClock
from bot.service import Inbound
from bot.storage.db import Database
from bot.storage.models import AuditEntry, ConversationRow, InboxUpdate, Message, Outbox
from bot.telegram.chats import chat_key_of_payload
from bot.telegram.inbox import INBOX_RETENTION, PENDING_CHATS, Inbox
from bot.telegram.locking import WriteGuard
from tests.e2e.conftest import CODE, BotUnderTest, add_invites, add_patients, enrol, make_service
from tests.e2e.emulator import BotApiEmulator


async def _stall_processing(bot: BotUnderTest) -> None:
    """Updates are stored but never processed: the moment before a crash."""
    assert bot.channel is not None

    async def never(*_args: Any) -> bool:
        await asyncio.Event().wait()
        return False

    bot.channel.inbox._process = never  # type: ignore[method-assign, assignment]


async def test_crash_between_inbox_write_and_processing(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    first = await bots().start()
    await add_invites(first.db)
    await _stall_processing(first)
    update_id = emulator.user_sends(42, f"/start {CODE}")
    await emulator.wait_until(lambda: not emulator.queue, what="update fetched")
    stored = await first.rows(InboxUpdate, InboxUpdate.update_id == update_id)
    assert stored and stored[0].status == "pending"
    await first.crash()
    assert emulator.texts(42) == []
    second = await bots().start()
    await emulator.wait_for_text(42, "Agree?")
    await second.settled()
    [row] = await second.rows(InboxUpdate)
    assert (row.update_id, row.status, row.attempts) == (update_id, "done", 1)
    assert emulator.texts(42).count(emulator.texts(42)[0]) == 1


async def test_crash_mid_processing_is_redone_once(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    """Killed inside the service's transaction: rolled back, then handled once on restart."""
    first = await bots().start()
    await add_invites(first.db)
    await add_patients(first.db, [42])
    assert first.service is not None
    inside = asyncio.Event()
    receive = first.service.receive

    async def dies_midway(inbound: Any) -> Any:
        inside.set()
        await asyncio.Event().wait()
        return await receive(inbound)

    first.service.receive = dies_midway  # type: ignore[method-assign]
    emulator.user_sends(42, "/help")
    await asyncio.wait_for(inside.wait(), 10)
    await first.crash()
    second = await bots().start()
    await emulator.wait_for_text(42, "Here's what I can do")
    await second.settled()
    assert len(emulator.texts(42)) == 1


async def test_duplicate_updates_are_handled_once(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    await add_patients(bot.db, [42])
    update_id = emulator.user_sends(42, "/help")
    await emulator.wait_for_text(42, "Here's what I can do")
    await bot.settled()
    emulator.redeliver(update_id)
    emulator.redeliver(update_id)
    marker = emulator.user_sends(42, "/resume")
    await emulator.wait_for_text(42, "Welcome back")
    await bot.settled()
    assert len(emulator.texts(42)) == 2
    assert len(await bot.rows(InboxUpdate)) == 2
    assert marker > update_id


async def test_one_chats_updates_are_processed_in_order(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    chats = [11, 12, 13, 14]
    await add_patients(bot.db, chats)
    for n in range(8):
        for chat in chats:
            emulator.user_sends(chat, f"note {n}")
    await emulator.wait_until(lambda: all(len(emulator.texts(c)) == 8 for c in chats), what="replies")
    await bot.settled()
    messages = await bot.rows(Message)
    for chat in chats:
        mine = sorted((m for m in messages if m.patient_id == f"tg{chat}"), key=lambda m: m.id)
        assert [m.text for m in mine] == [f"note {n}" for n in range(8)]


async def test_stale_and_forged_button_presses_change_nothing(
    bot: BotUnderTest, emulator: BotApiEmulator,
) -> None:
    emulator.user_sends(42, f"/start {CODE}")
    consent = await emulator.wait_for_text(42, "Agree?")
    emulator.user_presses(42, "I agree", consent)
    await emulator.wait_for_text(42, "What should I call you?")
    await bot.settled()
    before_outbox = len(await bot.rows(Outbox))
    [conversation] = await bot.rows(ConversationRow)
    state = (conversation.state, conversation.seq, conversation.status)

    emulator.user_presses(42, "No thanks", consent)  # stale: already answered
    data = consent.data_of("I agree") or ""
    head, _, _ = data.rpartition(":")
    emulator.user_presses(42, "x", consent, data="d:99999:0:0")  # someone else's conversation
    emulator.user_presses(42, "x", consent, data=head + ":7")  # no such option
    emulator.user_presses(42, "x", consent, data="x" * 100)  # longer than Telegram allows
    emulator.user_presses(42, "x", consent, data="p:delete\u0000")  # garbage
    await emulator.wait_until(lambda: len(emulator.callback_answers) == 6, what="all presses answered")
    await bot.settled()
    answers = emulator.answers()[1:]
    assert answers[0] == "This question has already been answered."
    assert answers[1] == "This button is no longer valid."
    assert answers[3] == "This button is no longer valid."
    assert answers[4] == "This button is no longer valid."
    assert all(a for a in answers)
    [after] = await bot.rows(ConversationRow)
    assert (after.state, after.seq, after.status) == state
    assert len(await bot.rows(Outbox)) == before_outbox
    assert any(a.action == "forged_button" for a in await bot.rows(AuditEntry))


async def test_button_press_from_a_stranger_is_answered(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    emulator.user_sends(42, f"/start {CODE}")
    consent = await emulator.wait_for_text(42, "Agree?")
    # another user forwards or replays the message and presses its button
    emulator.user_presses(77, "I agree", consent)
    await emulator.wait_until(lambda: len(emulator.callback_answers) == 1)
    await bot.settled()
    assert emulator.answers() == ["This button is no longer valid."]


async def test_unreadable_update_is_set_aside_and_the_chat_goes_on(
    bot: BotUnderTest, emulator: BotApiEmulator,
) -> None:
    await add_patients(bot.db, [42])
    broken = emulator.inject({"message": {"message_id": 1, "chat": {"id": 42, "type": "private"},
                                          "date": "not a date", "from": "nobody"}})
    emulator.user_sends(42, "/help")
    await emulator.wait_for_text(42, "Here's what I can do")
    await bot.settled()
    [row] = await bot.rows(InboxUpdate, InboxUpdate.update_id == broken)
    assert row.status == "failed"


async def test_an_update_that_keeps_failing_is_given_up_with_a_sorry(
    bot: BotUnderTest, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add_patients(bot.db, [42])
    assert bot.service is not None
    receive = bot.service.receive

    async def bug(inbound: Any) -> Any:
        if inbound.text == "trigger":
            raise RuntimeError("a bug in the engine")
        return await receive(inbound)

    monkeypatch.setattr(bot.service, "receive", bug)
    bad = emulator.user_sends(42, "trigger")
    emulator.user_sends(42, "/help")
    await emulator.wait_for_text(42, "Sorry — something went wrong")
    await emulator.wait_for_text(42, "Here's what I can do")
    await bot.settled()
    [row] = await bot.rows(InboxUpdate, InboxUpdate.update_id == bad)
    assert (row.status, row.attempts) == ("failed", 3)
    # order kept: the reply to /help came after the failed update was given up
    texts = emulator.texts(42)
    assert texts[0].startswith("Sorry") and texts[1].startswith("Here's what I can do")


async def test_the_look_for_pending_chats_reads_only_pending_rows(database_url: str) -> None:
    """Every process looks every second; the inbox keeps a week of handled updates, which the
    look must not read (the partial index ix_inbox_pending holds only the pending ones)."""
    db = Database(database_url)
    await db.migrate()
    now = SystemClock().now()
    try:
        async with db.transaction() as session:
            session.add_all([InboxUpdate(update_id=n, chat_key=f"tg:{n % 7}", payload={}, status="done",
                                         attempts=1, received_at=now) for n in range(1, 300)])
            session.add_all([InboxUpdate(update_id=1000 + i, chat_key=f"tg:{n}", payload={}, status="pending",
                                         attempts=0, received_at=now) for i, n in enumerate((5, 3, 9))])
        async with db.transaction() as session:
            assert list(await session.scalars(PENDING_CHATS)) == ["tg:5", "tg:3", "tg:9"]
        query = str(PENDING_CHATS.compile(db.engine, compile_kwargs={"literal_binds": True}))
        async with db.engine.connect() as connection:
            if db.is_sqlite:
                plan = [str(row) for row in await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")]
            else:  # a table this small would be read whole anyway: is the index usable for the look?
                await connection.exec_driver_sql("SET enable_seqscan = off")
                plan = [str(row) for row in await connection.exec_driver_sql(f"EXPLAIN {query}")]
    finally:
        await db.dispose()
    assert any("ix_inbox_pending" in line for line in plan), plan


async def test_the_service_handles_only_pending_inbox_rows(settings: Any, database_url: str) -> None:
    """An inbox row is marked done in the handling transaction, and only a pending one is
    handled: a row already done (redelivered, re-read) or given up (failed) has no effect."""
    service = await make_service(settings, database_url)
    now = SystemClock().now()
    try:
        await add_invites(service.db)
        await add_patients(service.db, [41, 42, 43])
        async with service.db.transaction() as session:
            session.add_all([InboxUpdate(update_id=chat, chat_key=f"tg:{chat}", payload={}, status=status,
                                         attempts=attempts, received_at=now)
                             for chat, status, attempts in ((41, "pending", 0), (42, "done", 1), (43, "failed", 3))])
        await asyncio.gather(*(service.receive(Inbound(chat_key=f"tg:{chat}", text="/help", inbox_update_id=chat))
                               for chat in (41, 42, 43)))
        async with service.db.transaction() as session:
            rows = {row.update_id: row for row in await session.scalars(select(InboxUpdate))}
            replies = [row.recipient for row in await session.scalars(select(Outbox))]
    finally:
        await service.close()
    assert {n: (row.status, row.attempts) for n, row in rows.items()} == {
        41: ("done", 1), 42: ("done", 1), 43: ("failed", 3)}
    assert rows[41].processed_at is not None
    assert replies == ["patient:tg41"]


async def test_handled_updates_are_forgotten_after_a_week_in_chunks(settings: Any, database_url: str) -> None:
    """What patients wrote is not kept past INBOX_RETENTION; an update still pending is kept
    however old (it has not been handled yet), and the deletes go a chunk at a time."""
    service = await make_service(settings, database_url)
    inbox = Inbox(service, Bot("123:abc"), WriteGuard(service.db))
    now = SystemClock().now()
    old, recent = now - INBOX_RETENTION - timedelta(hours=1), now - INBOX_RETENTION + timedelta(hours=1)
    rows = ([(n, "done", old) for n in range(1, 13)] + [(13, "failed", old)]
            + [(14, "pending", old), (15, "pending", old)] + [(n, "done", recent) for n in (16, 17, 18)])
    deletes: list[str] = []
    try:
        async with service.db.transaction() as session:
            session.add_all([InboxUpdate(update_id=n, chat_key="tg:1", payload={}, status=status, attempts=1,
                                         received_at=at) for n, status, at in rows])
        event.listen(service.db.engine.sync_engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_: deletes.append(statement) if "DELETE" in statement else None)
        assert await inbox.forget_old(chunk=5) == 13
        async with service.db.transaction() as session:
            left = sorted(await session.scalars(select(InboxUpdate.update_id)))
        async with service.db.engine.connect() as connection:
            indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("inbox"))
    finally:
        await service.close()
    assert len(deletes) == 3  # 5, 5, then 3
    assert left == [14, 15, 16, 17, 18]
    assert ("ix_inbox_received_at", ["received_at"]) in [(index["name"], index["column_names"]) for index in indexes]


def _strangers_hang(bot: BotUnderTest, ours: set[str]) -> asyncio.Event:
    """Handling a stranger's update hangs (before it writes anything) until the returned event
    is set."""
    assert bot.channel is not None
    release = asyncio.Event()
    process = bot.channel.inbox._process

    async def hangs_for_strangers(update_id: int, payload: dict[str, Any]) -> bool:
        if chat_key_of_payload(payload) not in ours:
            await release.wait()
        return await process(update_id, payload)

    bot.channel.inbox._process = hangs_for_strangers  # type: ignore[method-assign]
    return release


async def _flood_of_strangers(bot: BotUnderTest, emulator: BotApiEmulator) -> None:
    """More strangers than the inbox works chats at once, each stuck in handling."""
    assert bot.channel is not None
    for n in range(bot.channel.inbox.options.max_concurrent_chats + 8):
        emulator.user_sends(900_000 + n, "hello?")
    await emulator.wait_until(lambda: not emulator.queue, what="strangers' updates fetched")


async def _answered_while_strangers_are_stuck(bot: BotUnderTest, emulator: BotApiEmulator, chat: int) -> None:
    """With more strangers stuck in handling than the inbox works at once, `chat` (one of ours)
    writes and is answered; then the strangers go on."""
    release = _strangers_hang(bot, ours={f"tg:{chat}"})
    await _flood_of_strangers(bot, emulator)
    emulator.user_sends(chat, "/help")
    await emulator.wait_for_text(chat, "Here's what I can do")
    release.set()
    await bot.settled()


async def test_a_flood_of_strangers_never_holds_back_a_patient(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    """Strangers wait in a lane of their own (STRANGER_CHATS): with every one of them stuck, an
    enrolled patient (known from the start) is still answered. Before, the strangers took all
    of the inbox's places and the patient waited behind them."""
    first = await bots().start()
    await add_invites(first.db)
    await add_patients(first.db, [42])
    await first.stop()
    await _answered_while_strangers_are_stuck(await bots().start(), emulator, 42)


async def test_someone_who_enrols_joins_the_patients_lane(
    bot: BotUnderTest, emulator: BotApiEmulator,
) -> None:
    """Enrolling makes a stranger one of ours: their next message no longer waits with strangers."""
    await enrol(bot, emulator, 43)
    await _answered_while_strangers_are_stuck(bot, emulator, 43)
