"""WAL checkpoints in their own thread (bot.storage.checkpoints): the log is copied back into
the database file without a commit doing it, and the thread stops with the database."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.storage.checkpoints import FALLBACK_PAGES, Checkpoints
from bot.storage.db import Database


def wait_for(condition: object, within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the checkpoint thread did nothing"
        time.sleep(0.01)


def written(path: Path) -> sqlite3.Connection:
    """A WAL database with a few hundred pages in its log, none copied back yet."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE t (x TEXT)")
    connection.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,) for _ in range(1000)])
    connection.commit()
    return connection


def test_the_thread_copies_the_log_back(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = written(path)
    assert path.stat().st_size < 100_000  # the rows are in the log only
    checkpoints = Checkpoints(str(path), interval_s=0.01)
    checkpoints.start()
    try:
        wait_for(lambda: path.stat().st_size > 1_000_000)
    finally:
        checkpoints.stop()
    assert checkpoints.done >= 1 and not checkpoints.running
    assert writer.execute("SELECT count(*) FROM t").fetchone() == (1000,)


def test_a_file_that_cannot_be_opened_stops_the_thread_quietly(tmp_path: Path) -> None:
    checkpoints = Checkpoints(str(tmp_path / "no such folder" / "db.sqlite3"), interval_s=0.01)
    checkpoints.start()
    wait_for(lambda: not checkpoints.running)
    assert checkpoints.done == 0
    checkpoints.stop()


async def test_a_database_file_has_checkpoints_until_disposed(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    assert db.checkpoints is not None
    await db.migrate()
    async with db.engine.connect() as connection:
        level = await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")
        assert level.scalar() == FALLBACK_PAGES
    assert db.checkpoints.running
    await db.dispose()
    assert not db.checkpoints.running
    async with db.engine.connect() as connection:  # used again after dispose: checkpoints again
        await connection.exec_driver_sql("SELECT 1")
    assert db.checkpoints.running
    await db.dispose()
    assert not db.checkpoints.running


def test_an_in_memory_database_has_none() -> None:
    assert Database("sqlite+aiosqlite:///:memory:").checkpoints is None
