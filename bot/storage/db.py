"""Database access: one async engine, sessions, migrations, and dialect-aware locking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Select, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.errors import StorageError
from bot.storage import sqlite_inloop
from bot.storage.checkpoints import FALLBACK_PAGES, Checkpoints

Query = TypeVar("Query", bound=Select)
"""Any select statement: `Database.locked` gives back the type it was given."""

MIGRATIONS = Path(__file__).parent / "migrations"
POSTGRES_POOL_SIZE = 20
"""Connections kept per process, and as many more at peaks: the inbox's batch, pending-row
reads and chat locks one each, a chat's own writes (notes, failure counts) one each of up to
bot.telegram.inbox.MAX_CONCURRENT_CHATS, the sender's claims and marks, its leadership and
jobs one each. Two processes at their peak stay under PostgreSQL's default of 100 connections."""
DATABASE_FAULTS = (OperationalError, DBAPIError, OSError)
"""What the drivers raise when the database is down, slow or refuses: one StorageError for callers."""
SQLITE_BUSY_TIMEOUT_S = 3.0
"""How long a write waits for another process holding the SQLite file (an admin command):
no longer than a crisis message may wait before its safety response goes out directly."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class Database:
    """Owns the engine; `session()` is the only way code touches tables."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.checkpoints: Checkpoints | None = None
        """SQLite files: WAL checkpoints in a thread of their own (bot.storage.checkpoints)."""
        if self.is_sqlite:
            path = make_url(url).database or ":memory:"
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: AsyncEngine = create_async_engine(
                url, echo=echo, hide_parameters=True,
                async_creator=sqlite_inloop.creator(path, SQLITE_BUSY_TIMEOUT_S))
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            if path != ":memory:":
                checkpoints = self.checkpoints = Checkpoints(path)
                event.listen(self.engine.sync_engine, "first_connect", lambda *_: checkpoints.start())
        else:
            self.engine = create_async_engine(url, echo=echo, pool_size=POSTGRES_POOL_SIZE,
                                              max_overflow=POSTGRES_POOL_SIZE, hide_parameters=True)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        """The same pool, without BEGIN/COMMIT (PostgreSQL): for `single_statement` and for
        connections that only hold advisory locks."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on error; DB faults -> StorageError."""
        try:
            async with self.sessions() as session, session.begin():
                yield session
        except DATABASE_FAULTS as exc:
            raise unavailable(exc) from exc

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection for work that is one statement, atomic on its own (plus reads), or
        one statement run for many rows that each stand alone (the sender's `sent` marks).

        On PostgreSQL it runs in autocommit: no BEGIN and no COMMIT, two round trips fewer of
        three, for the inbox's insert and reads and the sender's claim and marks, which run
        for every update. Each statement commits as it completes. SQLite has no round trips
        to save: a transaction, as `transaction()`. DB faults -> StorageError."""
        try:
            if self.is_sqlite:
                async with self.engine.begin() as connection:
                    yield connection
            else:
                async with self.autocommit.connect() as connection:
                    yield connection
        except DATABASE_FAULTS as exc:
            raise unavailable(exc) from exc

    def locked(self, query: Query, skip_locked: bool = False, of: Any = None) -> Query:
        """Row locks on PostgreSQL (SQLite has one writer, so the statement runs as is);
        `of`: only this table's rows (a query that outer-joins another)."""
        if self.is_sqlite:
            return query
        return query.with_for_update(skip_locked=skip_locked, of=of)

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        async with self.engine.begin() as connection:
            await connection.run_sync(self._upgrade)

    def _upgrade(self, connection: Connection) -> None:
        config = alembic_config(self.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.checkpoints is not None:
            self.checkpoints.stop()


def unavailable(exc: BaseException) -> StorageError:
    """The StorageError for a driver fault (one of DATABASE_FAULTS), naming it."""
    return StorageError(f"database unavailable: {exc.__class__.__name__}: {exc}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
