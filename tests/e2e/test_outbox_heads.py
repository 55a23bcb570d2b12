"""The outbox claim on its own, on both databases: which rows it takes, and the `head` marks
that let it read only the rows that may go next (bot.telegram.sender.claim_statement,
migration 0008).

What it must keep: one recipient's messages go one at a time, in order (lowest priority, then
id, among its pending rows), whatever happens to the one before (sent, failed, blocked,
retried later, deleted, its lease running out); lower priorities first across recipients;
strangers' rows only by their own claim; a recipient being sent to gets nothing more.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, event, insert, select, update

from bot.clock import SystemClock
from bot.outbox import PRIORITY_CRISIS, PRIORITY_REPLY, PRIORITY_SCHEDULED, PRIORITY_STRANGER
from bot.storage.db import Database, alembic_config
from bot.storage.models import Outbox
from bot.telegram.sender import MARK_SENT, RENEW_LEASES, WALK_ROWS, claim, claim_statement, walk_statement

T0 = SystemClock().now().replace(microsecond=0)
LEASE_S = 5.0


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


async def add(db: Database, recipient: str, *, priority: int = PRIORITY_SCHEDULED, due: datetime = T0,
              text: str = "") -> int:
    """One pending row, as the handlers write them (one INSERT, no `head` given)."""
    async with db.transaction() as session:
        return int((await session.execute(insert(Outbox).values(
            recipient=recipient, kind="message", text=text, buttons=[], priority=priority, status="pending",
            attempts=0, parts_sent=0, next_attempt_at=due, created_at=T0).returning(Outbox.id))).scalar_one())


async def take(db: Database, now: datetime = T0, *, limit: int = 16, busy: tuple[str, ...] = (),
               strangers: bool = False) -> list[int]:
    """Claim as the sender does; the ids leased, lowest priority first."""
    async with db.single_statement() as connection:
        rows = await claim(db, connection, claim_statement(db, strangers), {
            "now": now, "busy": sorted(busy), "limit": limit, "lease": now + timedelta(seconds=LEASE_S)})
    return [r.id for r in sorted(rows, key=lambda r: (r.priority, r.id))]


async def finish(db: Database, row: int, status: str) -> None:
    """Mark a row's outcome as the sender does: `sent` with MARK_SENT (no transaction around
    it on PostgreSQL), the others with an UPDATE in a transaction."""
    if status == "sent":
        async with db.single_statement() as connection:
            await connection.execute(MARK_SENT, [{"row": row, "status": "sent", "sent_at": T0, "external_id": "1",
                                                  "last_error": None, "attempts": 1}])
        return
    async with db.transaction() as session:
        await session.execute(update(Outbox).where(Outbox.id == row).values(status=status))


async def retry_at(db: Database, row: int, at: datetime) -> None:
    """The sender's reschedule (a 429 or a network error): still pending, due later."""
    async with db.transaction() as session:
        await session.execute(update(Outbox).where(Outbox.id == row).values(next_attempt_at=at))


async def heads(db: Database) -> dict[int, bool]:
    async with db.transaction() as session:
        return {r.id: r.head for r in await session.execute(select(Outbox.id, Outbox.head))}


async def check_first_rows_marked(db: Database) -> None:
    """The invariant the claim relies on: each recipient's first pending row has `head`."""
    async with db.transaction() as session:
        rows = list(await session.execute(select(Outbox.id, Outbox.recipient, Outbox.priority, Outbox.head)
                                          .where(Outbox.status == "pending")))
    first: dict[str, Any] = {}
    for r in rows:
        if r.recipient not in first or (r.priority, r.id) < (first[r.recipient].priority, first[r.recipient].id):
            first[r.recipient] = r
    unmarked = [r.id for r in first.values() if not r.head]
    assert not unmarked, f"first pending rows without head: {unmarked}"


async def test_one_recipients_rows_go_one_at_a_time_in_order(db: Database) -> None:
    a1, a2 = await add(db, "patient:a"), await add(db, "patient:a")
    reply = await add(db, "patient:a", priority=PRIORITY_REPLY)  # queued last, goes first
    b1 = await add(db, "patient:b")
    assert await take(db) == [reply, b1]
    assert await take(db) == []  # leased: nothing of a or b until they are done
    marks = await heads(db)
    assert (marks[a1], marks[a2]) == (False, False), "seen behind the reply: not read again"
    await finish(db, reply, "sent")
    assert (await heads(db))[a1], "the next row is marked as soon as the one before has gone"
    assert await take(db) == [a1]
    await finish(db, a1, "sent")
    await finish(db, b1, "sent")
    assert await take(db) == [a2]
    await check_first_rows_marked(db)


@pytest.mark.parametrize("outcome", ["failed", "blocked", "deleted"])
async def test_the_next_row_follows_whatever_ends_the_one_before(db: Database, outcome: str) -> None:
    first, second, third = [await add(db, "patient:a") for _ in range(3)]
    assert await take(db) == [first]
    if outcome == "deleted":
        async with db.transaction() as session:
            await session.execute(delete(Outbox).where(Outbox.id == first))
    else:
        await finish(db, first, outcome)
    assert await take(db) == [second]
    await finish(db, second, "sent")
    assert await take(db) == [third]


async def test_a_retry_later_or_a_lease_holds_up_the_chat_and_only_it(db: Database) -> None:
    first, second = await add(db, "patient:a"), await add(db, "patient:a")
    other = await add(db, "patient:b")
    assert await take(db) == [first, other]
    await retry_at(db, first, T0 + timedelta(seconds=30))  # a 429 for this chat
    later = await add(db, "patient:b")
    await finish(db, other, "sent")
    assert await take(db, T0 + timedelta(seconds=10)) == [later], "a waits for its first row"
    await finish(db, later, "sent")
    assert await take(db, T0 + timedelta(seconds=31)) == [first], "then the same row, not the next"
    # the sender died while sending `first`: its lease runs out, and it is taken again
    assert await take(db, T0 + timedelta(seconds=31 + LEASE_S / 2)) == []
    assert await take(db, T0 + timedelta(seconds=31 + LEASE_S)) == [first]
    await finish(db, first, "sent")
    assert await take(db, T0 + timedelta(seconds=40)) == [second]


async def test_a_lease_renewed_keeps_the_row(db: Database) -> None:
    first = await add(db, "patient:a")
    await add(db, "patient:a")
    assert await take(db) == [first]
    async with db.single_statement() as connection:
        await connection.execute(RENEW_LEASES, {"ids": [first], "lease": T0 + timedelta(seconds=60)})
    assert await take(db, T0 + timedelta(seconds=30)) == []


async def test_a_lease_renewal_skips_a_row_another_transaction_is_writing(db: Database) -> None:
    """Its `sent` mark is being written: renewing it is not needed, and waiting for it while
    that transaction waited for a row locked here would be a deadlock."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer at a time and no row locks")
    marked, other = await add(db, "patient:a"), await add(db, "patient:b")
    assert await take(db) == [marked, other]
    lease = T0 + timedelta(seconds=60)
    async with db.transaction() as marking:
        await marking.execute(update(Outbox).where(Outbox.id == marked).values(status="sent"))
        async with db.single_statement() as connection:
            await asyncio.wait_for(connection.execute(RENEW_LEASES, {"ids": [marked, other], "lease": lease}), 10)
    async with db.transaction() as session:
        due = dict((await session.execute(select(Outbox.id, Outbox.next_attempt_at))).all())
    assert due[other] == lease and due[marked] < lease


async def test_a_row_set_for_later_holds_up_its_recipients_later_rows(db: Database) -> None:
    """As before: a recipient's messages keep their order even when the first one waits (a
    clinician's alert held until their quiet hours end)."""
    morning = T0 + timedelta(hours=8)
    held = await add(db, "clinician:c1", priority=PRIORITY_SCHEDULED, due=morning)
    after = await add(db, "clinician:c1", priority=PRIORITY_SCHEDULED)
    crisis = await add(db, "clinician:c1", priority=PRIORITY_CRISIS)
    assert await take(db) == [crisis], "a crisis goes first all the same"
    await finish(db, crisis, "sent")
    assert await take(db) == []
    assert await take(db, morning) == [held]
    await finish(db, held, "sent")
    assert await take(db, morning) == [after]


async def test_lower_priorities_first_then_the_row_due_longest(db: Database) -> None:
    scheduled = [await add(db, f"patient:s{n}", due=T0 - timedelta(minutes=10 - n)) for n in range(5)]
    reply = await add(db, "patient:r", priority=PRIORITY_REPLY)
    crisis = await add(db, "patient:c", priority=PRIORITY_CRISIS)
    late_but_due_first = await add(db, "patient:x", due=T0 - timedelta(hours=1))
    assert await take(db, limit=1) == [crisis]
    assert await take(db, limit=1) == [reply]
    assert await take(db, limit=1) == [late_but_due_first], "of one priority, the row due longest, whatever its id"
    assert await take(db, limit=2) == scheduled[:2]
    assert await take(db, limit=10) == scheduled[2:]


async def test_a_busy_recipient_gets_nothing_more(db: Database) -> None:
    first = await add(db, "patient:a")
    await add(db, "patient:a")
    other = await add(db, "patient:b")
    assert await take(db, busy=("patient:a",)) == [other]
    assert await take(db) == [first]


async def test_strangers_rows_are_claimed_apart(db: Database) -> None:
    patient = await add(db, "patient:a")
    stranger = await add(db, "chat:tg:9", priority=PRIORITY_STRANGER)
    stranger_again = await add(db, "chat:tg:9", priority=PRIORITY_STRANGER)
    stranger_crisis = await add(db, "chat:tg:8", priority=PRIORITY_CRISIS)
    assert await take(db) == [patient]
    assert await take(db, strangers=True) == [stranger_crisis, stranger]
    await finish(db, stranger, "sent")
    assert await take(db, strangers=True) == [stranger_again]


async def test_a_long_queue_for_one_chat_is_read_once(db: Database) -> None:
    """The rows queued behind a chat's first are read by one claim and then left alone: the
    next claims find the other chats' rows at once, however long that chat's queue."""
    flood = [await add(db, "patient:flood") for _ in range(40)]
    others = [await add(db, f"patient:o{n}") for n in range(3)]
    assert await take(db, limit=1) == [flood[0]]
    assert await take(db, limit=1) == [others[0]]
    marks = await heads(db)
    assert not any(marks[row] for row in flood[1:])
    async with db.single_statement() as connection:
        walked = list(await connection.execute(walk_statement(db, strangers=False), {"now": T0, "busy": []}))
    assert [r.id for r in walked] == others[1:], "the flood is not read again"


async def test_the_walk_is_bounded(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(insert(Outbox), [dict(
            recipient=f"patient:p{n}", kind="message", text="", buttons=[], priority=PRIORITY_SCHEDULED,
            status="pending", attempts=0, parts_sent=0, next_attempt_at=T0, created_at=T0)
            for n in range(WALK_ROWS + 10)])
    async with db.single_statement() as connection:
        walked = list(await connection.execute(walk_statement(db, strangers=False), {"now": T0, "busy": []}))
    assert len(walked) == WALK_ROWS
    assert len(await take(db)) == 16


async def test_the_claim_reads_the_heads_index(db: Database) -> None:
    """The claim's conditions must match the partial indexes' predicates word for word, or the
    database reads the whole queue (bot.storage.models.OUTBOX_HEADS)."""
    await add(db, "patient:a")
    plans: dict[bool, list[str]] = {}
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "

    def prefix(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> tuple[str, Any]:
        return explain + statement, parameters

    for strangers in (False, True):
        async with db.single_statement() as connection:
            if not db.is_sqlite:  # a table this small would be read whole anyway: is the index usable?
                await connection.exec_driver_sql("SET enable_seqscan = off")
            event.listen(db.engine.sync_engine, "before_cursor_execute", prefix, retval=True)
            try:
                plan = [str(row) for row in await connection.execute(
                    walk_statement(db, strangers), {"now": T0, "busy": ["patient:b"]})]
            finally:
                event.remove(db.engine.sync_engine, "before_cursor_execute", prefix)
            if not db.is_sqlite:
                await connection.exec_driver_sql("RESET enable_seqscan")
        plans[strangers] = plan
    assert any("ix_outbox_heads" in line for line in plans[False]), plans[False]
    assert any("ix_outbox_stranger_heads" in line for line in plans[True]), plans[True]
    assert any("ix_outbox_pending_recipient" in line for line in plans[False]), plans[False]


async def test_a_row_is_not_cleared_behind_one_leaving_the_queue(db: Database) -> None:
    """PostgreSQL: the claim clears a row's mark only while it holds a lock on the earlier
    row. Here the earlier row is being marked sent by another transaction as the claim runs:
    the claim must leave the later row marked, or no one would mark it again."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer: nothing runs beside the claim")
    first, second = await add(db, "patient:a"), await add(db, "patient:a")
    assert await take(db) == [first]
    async with db.engine.connect() as other:
        await other.execute(update(Outbox).where(Outbox.id == first).values(status="sent"))  # not committed
        assert await take(db, T0 + timedelta(seconds=LEASE_S)) == [], "first is still pending for the claim"
        await other.commit()
    assert (await heads(db))[second]
    assert await take(db, T0 + timedelta(seconds=LEASE_S)) == [second]


async def test_random_traffic_keeps_every_guarantee(db: Database) -> None:
    """Rows queued, claimed, sent, failed, retried later, left to their lease, at random:
    after every step each recipient's first pending row is marked, and every claim takes
    exactly what the rule says, computed here from all the pending rows."""
    rng = random.Random(20240611)
    recipients = [f"patient:p{n}" for n in range(6)] + ["clinician:c1", "chat:tg:1", "chat:tg:2"]
    priorities = [PRIORITY_CRISIS, PRIORITY_REPLY, PRIORITY_SCHEDULED, 8, PRIORITY_STRANGER]
    now = T0
    in_flight: dict[int, str] = {}
    for _step in range(120):
        for _ in range(rng.randrange(4)):
            due = now + timedelta(seconds=rng.choice([0, 0, 0, -20, 3, 40]))
            await add(db, rng.choice(recipients), priority=rng.choice(priorities), due=due)
        for row in list(in_flight):
            fate = rng.random()
            if fate < 0.45:
                await finish(db, row, "sent")
            elif fate < 0.55:
                await finish(db, row, rng.choice(["failed", "blocked"]))
            elif fate < 0.65:
                await retry_at(db, row, now + timedelta(seconds=rng.choice([1, 4, 12])))
            elif fate < 0.75:
                pass  # the sender died: its lease runs out
            else:
                continue  # still being sent
            del in_flight[row]
        await check_first_rows_marked(db)
        strangers = rng.random() < 0.3
        limit = rng.choice([1, 2, 3, 16])
        busy = tuple(sorted(set(in_flight.values())))
        expected = await expected_claim(db, now, limit, busy, strangers)
        got = await take(db, now, limit=limit, busy=busy, strangers=strangers)
        assert sorted(got) == sorted(expected), (now, limit, busy, strangers)
        async with db.transaction() as session:
            in_flight.update({r.id: r.recipient for r in await session.execute(
                select(Outbox.id, Outbox.recipient).where(Outbox.id.in_(got)))})
        await check_first_rows_marked(db)
        now += timedelta(seconds=rng.choice([0.5, 1, 2, 6]))


async def expected_claim(db: Database, now: datetime, limit: int, busy: tuple[str, ...],
                         strangers: bool) -> list[int]:
    """The rule, from all the pending rows: each recipient's first (priority, id); those due and
    not busy, of strangers or of the others; by priority, then due time, then id; `limit`."""
    async with db.transaction() as session:
        rows = list(await session.execute(select(Outbox.id, Outbox.recipient, Outbox.priority,
                                                 Outbox.next_attempt_at).where(Outbox.status == "pending")))
    first: dict[str, Any] = {}
    for r in rows:
        if r.recipient not in first or (r.priority, r.id) < (first[r.recipient].priority, first[r.recipient].id):
            first[r.recipient] = r
    ready = [r for r in first.values() if r.next_attempt_at <= now and r.recipient not in busy
             and r.recipient.startswith("chat:") == strangers]
    ready.sort(key=lambda r: (r.priority, r.next_attempt_at, r.id))
    return [r.id for r in ready[:limit]]


async def test_the_migration_marks_the_rows_already_queued(database_url: str) -> None:
    """Rows queued before 0008 get `head` exactly (the first pending row of each recipient);
    and 0008 can be undone and done again."""
    db = Database(database_url)

    def migrate(revision: str, down: bool = False) -> Any:
        def run(connection: Any) -> None:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
        return run

    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate("0007"))
        rows = [("patient:a", 5, "pending"), ("patient:a", 1, "pending"), ("patient:a", 5, "sent"),
                ("patient:b", 5, "sent"), ("patient:b", 5, "pending"), ("chat:tg:1", 9, "pending")]
        async with db.engine.begin() as connection:
            for recipient, priority, status in rows:
                await connection.execute(insert(Outbox).values(
                    recipient=recipient, kind="message", text="", buttons=[], priority=priority, status=status,
                    attempts=0, parts_sent=0, next_attempt_at=T0, created_at=T0))
            await connection.run_sync(migrate("head"))
        assert await heads(db) == {1: False, 2: True, 3: True, 4: True, 5: True, 6: True}
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate("0007", down=True))
            await connection.run_sync(migrate("head"))
        await check_first_rows_marked(db)
        assert await take(db) == [2, 5]
    finally:
        await db.dispose()
