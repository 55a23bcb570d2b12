"""SQLite in the event loop's thread: no worker thread, and another holder of the file makes a
write fail fast (StorageError) rather than hang."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.errors import StorageError
from bot.storage import db as db_module
from bot.storage.db import Database
from bot.storage.sqlite_inloop import InLoopConnection


async def test_statements_run_without_a_worker_thread(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/a.sqlite3")
    threads = set(threading.enumerate())
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (1), (2)"))
        async with database.transaction() as session:
            assert (await session.execute(text("SELECT sum(x) FROM t"))).scalar() == 3
        new = [t.name for t in set(threading.enumerate()) - threads]
        assert new == ["sqlite-checkpoints"]  # the WAL's (bot.storage.checkpoints), not statements'
    finally:
        await database.dispose()


async def test_a_write_while_another_process_holds_the_file_fails_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "b.sqlite3"
    database = Database(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
        other.execute("BEGIN IMMEDIATE")  # an admin command in the middle of a write
        with pytest.raises(StorageError):
            async with database.transaction() as session:
                await session.execute(text("INSERT INTO t VALUES (1)"))
        other.execute("ROLLBACK")
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        other.close()
        await database.dispose()


async def test_a_closed_connection_says_so() -> None:
    connection = InLoopConnection(sqlite3.connect(":memory:"))
    assert connection._connection is not None
    await connection.close()
    assert connection._connection is None
