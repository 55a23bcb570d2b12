"""Queued rows (bot.storage.queued): written before a query and when their transaction
commits, whatever path queued them; gone when it rolls back; ids known once written; a new
conversation's id in their rows and buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import outbox
from bot.isotime import parse_time
from bot.storage import queued
from bot.storage.db import Database
from bot.storage.models import Answer, ConversationRow, Group, Outbox, Patient

NOW = parse_time("2026-03-02T08:00:00Z")


def message(text: str, **fields: Any) -> dict[str, Any]:
    return outbox.message("patient:p1", text, NOW, patient_id="p1", **fields)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    async with database.transaction() as session:  # conversations belong to a patient
        session.add(Group(id="g1", name="Group", programme="default", encouragement=False, created_at=NOW))
        await session.flush()
        session.add(Patient(id="p1", chat_key="tg:1", name="Maria", group_id="g1", status="active",
                            crisis_open=False, blocked=False, enrolled_at=NOW, timezone="UTC",
                            checkin_time="09:00", locale="en"))
    yield database
    await database.dispose()


async def stored(db: Database) -> list[Outbox]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Outbox).order_by(Outbox.id)))


async def test_queued_messages_are_written_when_the_transaction_commits(db: Database) -> None:
    async with db.transaction() as session:
        first = queued.queue(session, Outbox, message("one"))
        second = queued.queue(session, Outbox, message("two"))
        assert (first.id, second.id) == (None, None)  # nothing written yet
    rows = await stored(db)
    assert [row.text for row in rows] == ["one", "two"]
    assert [first.id, second.id] == [row.id for row in rows]


async def test_written_early_their_ids_match_their_rows(db: Database) -> None:
    async with db.transaction() as session:
        forty = [queued.queue(session, Outbox, message(f"m{n}")) for n in range(40)]
        await queued.write_queued(session)
        ids = [m.id for m in forty]
        queued.queue(session, Outbox, message("after"))  # queued after the early write: written at commit
    by_id = {row.id: row.text for row in await stored(db)}
    assert [by_id[i] for i in ids if i is not None] == [f"m{n}" for n in range(40)]
    assert list(by_id.values()).count("after") == 1 and len(by_id) == 41


async def test_a_rolled_back_transaction_writes_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            queued.queue(session, Outbox, message("never"))
            raise RuntimeError("the handler failed")
    async with db.transaction() as session:
        queued.queue(session, Outbox, message("later"))
    assert [row.text for row in await stored(db)] == ["later"]


def conversation() -> ConversationRow:
    return ConversationRow(patient_id="p1", dialogue="daily_checkin", version="v1", state="mood",
                           seq=1, vars={}, status="active", started_at=NOW, updated_at=NOW)


def answer(value: int) -> dict[str, Any]:
    return {"patient_id": "p1", "conversation_id": None, "dialogue": "daily_checkin", "key": "mood",
            "value": value, "at": NOW}


async def test_a_new_conversations_id_completes_its_buttons(db: Database) -> None:
    async with db.transaction() as session:
        row = conversation()
        session.add(row)  # not flushed: no id yet
        buttons = [[{"label": "Good", "data": f"d:{queued.NEW_CONVERSATION}:1:0"}]]
        queued.queue(session, Outbox, message("How are you?", buttons=buttons), row)
        queued.queue(session, Outbox, message("Plain"), row)
    [question, plain] = await stored(db)
    assert question.conversation_id == row.id and plain.conversation_id == row.id
    assert question.buttons == [[{"label": "Good", "data": f"d:{row.id}:1:0"}]]


async def test_a_conversation_with_an_id_is_named_at_once(db: Database) -> None:
    async with db.transaction() as session:
        row = conversation()
        session.add(row)
        await session.flush()
        queued.queue(session, Outbox, message("Later", not_before=NOW + timedelta(hours=1)), row)
    [later] = await stored(db)
    assert later.conversation_id == row.id and later.next_attempt_at == NOW + timedelta(hours=1)


async def test_a_query_in_the_same_transaction_sees_queued_rows(db: Database) -> None:
    async with db.transaction() as session:
        row = conversation()
        session.add(row)
        queued.queue(session, Answer, answer(3), row)
        queued.queue(session, Outbox, message("Noted"), row)
        answers = list(await session.scalars(select(Answer)))  # autoflush, then the queue
        assert [(a.value, a.conversation_id) for a in answers] == [(3, row.id)]
        assert [m.text for m in await session.scalars(select(Outbox))] == ["Noted"]


async def test_under_no_autoflush_queries_see_only_what_was_stored_before(db: Database) -> None:
    """As for pending objects: bot.signals reads the history before the answer it checks."""
    async with db.transaction() as session:
        row = conversation()
        session.add(row)
        await session.flush()
        queued.queue(session, Answer, answer(3), row)
        with session.no_autoflush:
            assert list(await session.scalars(select(Answer))) == []
        assert [a.value for a in await session.scalars(select(Answer))] == [3]
        queued.queue(session, Outbox, message("first"))
        with session.no_autoflush:
            await session.scalars(select(Outbox))
        queued.queue(session, Outbox, message("second"))
    assert [m.text for m in await stored(db)] == ["first", "second"]
