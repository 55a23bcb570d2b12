"""bot.telegram.locking.ChatLocks: one process per chat, many chats per statement, and a
chat's pending inbox rows read with its lock.

Two Database objects on one PostgreSQL stand for two `coachbot run` processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import event, text

from bot.clock import SystemClock
from bot.errors import StorageError
from bot.storage.db import Database
from bot.storage.models import InboxUpdate
from bot.telegram.inbox import BATCH
from bot.telegram.locking import ChatLocks


@pytest.fixture
async def databases(database_url: str) -> AsyncIterator[Callable[[], Database]]:
    """Database objects on one migrated database (taking a chat reads its inbox rows)."""
    schema = Database(database_url)
    await schema.migrate()
    await schema.dispose()
    made: list[Database] = []

    def make() -> Database:
        made.append(Database(database_url))
        return made[-1]

    yield make
    for db in made:
        await db.dispose()


@pytest.fixture
def postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite is single-process: nothing to lock against")


def count_statements(db: Database) -> list[str]:
    seen: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(statement))
    return seen


async def test_a_chat_is_worked_by_one_process_at_a_time(postgres_only: None,
                                                         databases: Callable[[], Database]) -> None:
    first, second = ChatLocks(databases(), BATCH), ChatLocks(databases(), BATCH)
    assert await first.take("tg:1") == []
    assert await second.take("tg:1") is None
    assert await second.take("tg:2") == []
    await first.release("tg:1")
    assert await second.take("tg:1") == []
    await first.close()
    await second.close()


async def test_chats_wanting_their_lock_together_share_one_statement(
        postgres_only: None, databases: Callable[[], Database]) -> None:
    db = databases()
    locks = ChatLocks(db, BATCH)
    statements = count_statements(db)
    keys = [f"tg:{n}" for n in range(16)]
    assert await asyncio.gather(*(locks.take(key) for key in keys)) == [[]] * 16
    assert len(statements) <= 2  # the first starts at once, alone; the rest go together
    statements.clear()
    await asyncio.gather(*(locks.release(key) for key in keys))
    assert len(statements) <= 2
    other = ChatLocks(databases(), BATCH)
    assert await asyncio.gather(*(other.take(key) for key in keys)) == [[]] * 16
    await locks.close()
    await other.close()


async def test_a_chat_taken_twice_stays_held_until_released_twice(
        postgres_only: None, databases: Callable[[], Database]) -> None:
    mine, theirs = ChatLocks(databases(), BATCH), ChatLocks(databases(), BATCH)
    assert await mine.take("tg:7") == []
    assert await mine.take("tg:7") == []
    await mine.release("tg:7")
    assert await theirs.take("tg:7") is None
    await mine.release("tg:7")
    assert await theirs.take("tg:7") == []
    await mine.close()
    await theirs.close()


async def test_hold_gives_the_chat_back_when_the_work_fails(postgres_only: None,
                                                            databases: Callable[[], Database]) -> None:
    mine, theirs = ChatLocks(databases(), BATCH), ChatLocks(databases(), BATCH)
    with pytest.raises(ZeroDivisionError):
        async with mine.hold("tg:3") as rows:
            assert rows == []
            raise ZeroDivisionError
    assert await theirs.take("tg:3") == []
    async with mine.hold("tg:3") as rows:  # held by the other: nothing to give back
        assert rows is None
    assert await mine.take("tg:3") is None
    await mine.close()
    await theirs.close()


async def test_a_lost_lock_connection_frees_its_chats_and_is_replaced(
        postgres_only: None, databases: Callable[[], Database]) -> None:
    db = databases()
    mine, theirs = ChatLocks(db, BATCH), ChatLocks(databases(), BATCH)
    assert await mine.take("tg:5") == []
    async with databases().engine.connect() as admin:  # the connection dies (network, restart)
        await admin.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid <> pg_backend_pid()"))
        await admin.commit()
    for _ in range(50):
        if await theirs.take("tg:5") is not None:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the chat stayed locked after its connection died")
    with pytest.raises(StorageError):
        await mine.take("tg:6")
    assert await mine.take("tg:6") == []  # a new connection
    await mine.close()
    await theirs.close()


async def test_sqlite_has_one_process_so_a_chat_is_always_free(database_url: str,
                                                               databases: Callable[[], Database]) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    db = databases()
    statements = count_statements(db)
    locks = ChatLocks(db, BATCH)
    assert await locks.take("tg:1") == []
    assert await locks.take("tg:1") == []
    assert all("inbox" in statement for statement in statements)  # reads, no locks
    statements.clear()
    await locks.release("tg:1")
    assert statements == []


async def test_a_chat_comes_with_its_pending_rows_read_in_the_same_statement(
        databases: Callable[[], Database]) -> None:
    db = databases()
    now = SystemClock().now()
    async with db.transaction() as session:
        session.add_all([InboxUpdate(update_id=n, chat_key=key, payload={"update_id": n}, status=status,
                                     attempts=0, received_at=now)
                         for n, key, status in ((9, "tg:1", "pending"), (3, "tg:1", "pending"),
                                                (2, "tg:1", "done"), (5, "tg:2", "pending"),
                                                (4, "tg:1", "pending"), (6, "tg:3", "failed"))])
    locks = ChatLocks(db, rows_per_chat=2)
    statements = count_statements(db)
    first, second, third = await asyncio.gather(*(locks.take(key) for key in ("tg:1", "tg:2", "tg:3")))
    assert first == [(3, {"update_id": 3}), (4, {"update_id": 4})]  # oldest first, at most 2
    assert second == [(5, {"update_id": 5})]
    assert third == []  # held, with nothing pending
    assert len(statements) <= 2  # the first starts at once, alone; the rest go together
    if not db.is_sqlite:  # held elsewhere: not taken, nothing read
        theirs = ChatLocks(databases(), BATCH)
        assert await theirs.take("tg:1") is None
        await theirs.close()
    await locks.close()
