"""Who may do what, across coroutines and across processes.

PostgreSQL: advisory locks (`pg_try_advisory_xact_lock` per chat for the inbox, a session
lock for the one active sender), so several `coachbot run` processes share one database
safely; no in-process lock is the only guard there. SQLite is single-process and has a single
writer: one asyncio lock serialises this process's writes (two write transactions racing on
SQLite would fail with "database is locked" instead of waiting).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import StorageError
from bot.storage.db import Database

log = logging.getLogger(__name__)

INBOX_LOCK_NAMESPACE = 0x434F4101
"""First key of the per-chat advisory lock (the second is hashtext(chat_key))."""
SENDER_LOCK_NAMESPACE = 0x434F4102
"""The one sender across processes holds this advisory lock."""


class WriteGuard:
    """Serialises writes on SQLite; does nothing on PostgreSQL, which has row locks."""

    def __init__(self, db: Database) -> None:
        self._lock = asyncio.Lock() if db.is_sqlite else None

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield


@asynccontextmanager
async def chat_lock(db: Database, key: str) -> AsyncIterator[AsyncConnection | None]:
    """Try to become the one processor of chat `key`: yields a connection in an open
    transaction (to read the chat's pending updates with), or None when another process has it.

    On PostgreSQL the lock belongs to that transaction, held open until the block ends, and
    disappears with the connection if this process dies.
    """
    try:
        async with db.engine.connect() as connection, connection.begin():
            if not db.is_sqlite:
                got = await connection.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:ns, hashtext(:key))"),
                    {"ns": INBOX_LOCK_NAMESPACE, "key": key})
                if not got:
                    yield None
                    return
            yield connection
    except (OperationalError, DBAPIError, OSError) as exc:
        raise StorageError(f"database unavailable: {exc.__class__.__name__}: {exc}") from exc


class SenderLeadership:
    """At most one process sends at a time, so the global 30 messages/s holds for the bot.

    The others wait as hot standbys: when the leader's connection dies, PostgreSQL releases
    the lock and the next one takes over. SQLite (one process) always leads.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: AsyncConnection | None = None

    @property
    def is_leader(self) -> bool:
        return self.db.is_sqlite or self._connection is not None

    async def try_lead(self) -> bool:
        if self.is_leader:
            return await self._still_leading()
        connection = await self.db.engine.connect()
        try:
            got = await connection.scalar(text("SELECT pg_try_advisory_lock(:ns, 0)"),
                                          {"ns": SENDER_LOCK_NAMESPACE})
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        log.info("this process is now the sender")
        return True

    async def _still_leading(self) -> bool:
        if self._connection is None:
            return True
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
            return True
        except Exception as exc:
            log.warning("lost the sender lock (%s); another process may take over", exc)
            await self._drop()
            return False

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT pg_advisory_unlock(:ns, 0)"),
                                           {"ns": SENDER_LOCK_NAMESPACE})
            await self._connection.commit()
        except Exception:
            log.debug("could not release the sender lock; closing its connection releases it")
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                log.debug("closing the sender lock connection failed", exc_info=True)
