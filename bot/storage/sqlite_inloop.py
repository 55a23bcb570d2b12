"""SQLite for SQLAlchemy's asyncio engine, run in the event loop's own thread.

aiosqlite hands every statement to a worker thread and waits for the answer, which costs
about 0.1-0.3 ms a statement on a busy machine, while SQLite itself (WAL, synchronous=NORMAL)
answers our statements in microseconds: the hand-over was most of the time of an input. This
adapter offers the small part of aiosqlite's interface that SQLAlchemy's aiosqlite dialect
uses, and runs each call directly.

What makes this safe: a statement never waits on another connection of this process, because
this process's SQLite writes are serialised by `bot.telegram.locking.WriteGuard` (and the
simulator and terminal chat have a single flow). Only another process writing the same file
can make a statement wait, for at most `busy_timeout_s`, which is kept short for that reason.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any


class InLoopCursor:
    """aiosqlite's Cursor, minus the thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InLoopCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InLoopCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, seq_of_parameters: Any) -> InLoopCursor:
        self._cursor.executemany(sql, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunNow:
    """Stands in for aiosqlite's request queue (SQLAlchemy sets the isolation level through it)."""

    @staticmethod
    def put_nowait(item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InLoopConnection:
    """aiosqlite's Connection, minus the thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._open = True
        self._tx = _RunNow()

    @property
    def _connection(self) -> sqlite3.Connection | None:
        """SQLAlchemy checks this to know the connection is still open (None once closed)."""
        return self._conn if self._open else None

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InLoopCursor:
        return InLoopCursor(self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def stop(self) -> None:
        """Close now (also SQLAlchemy's terminate)."""
        self._open = False
        self._conn.close()


def creator(path: str, busy_timeout_s: float) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine`: a fresh in-loop connection to `path`."""

    async def connect() -> InLoopConnection:
        return InLoopConnection(sqlite3.connect(path, timeout=busy_timeout_s, check_same_thread=False))

    return connect
