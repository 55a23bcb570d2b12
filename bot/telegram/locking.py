"""Who may do what, across coroutines and across processes.

PostgreSQL: advisory locks (a session lock per chat for the inbox, another for the one
active sender), so several `coachbot run` processes share one database
safely; no in-process lock is the only guard there. SQLite is single-process and has a single
writer: one asyncio lock serialises this process's writes (two write transactions racing on
SQLite would fail with "database is locked" instead of waiting).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import JSON, BigInteger, String, bindparam, column, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.batching import Batcher
from bot.storage.db import DATABASE_FAULTS, Database, unavailable
from bot.storage.lists import in_list
from bot.storage.models import InboxUpdate

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


Pending = list[tuple[int, Any]]
"""A chat's pending inbox rows, (update_id, payload), oldest first."""


class ChatLocks:
    """Who processes which chat, across processes: a PostgreSQL session advisory lock per
    chat, taken and given back for many chats per statement. Taking a chat also reads its
    pending inbox rows, in the same statement.

    Why batched: a transaction of its own per update, only to take its chat's lock, was the
    one database round trip the inbox still paid per update, whatever the load. Here the
    chats that want their lock at the same moment (the inbox works up to 32 at once) share
    one statement, and so do those giving it back. Why read with the lock: the rows are read
    right after the lock is taken anyway, and one round trip fewer is one less on the way of
    every reply.

    The statement's snapshot is taken before its locks, so a row another process handled
    just before giving the chat up may still read as pending here. That costs nothing: the
    handling transaction marks a row done only if it is still pending (`Coachbot`'s
    HANDLE_INBOX_ROWS, and `Inbox._close`), so it is not handled twice.

    The locks belong to one connection kept for them (autocommit). If this process dies, or
    that connection breaks, PostgreSQL releases them all, and the chats are free for another
    process; the same check keeps an update from being handled twice even then. A lock taken
    twice by this process counts twice, so every successful `take` is matched by one
    `release`. SQLite is single-process: `take` always succeeds (the inbox works a chat with
    one task) and only reads.
    """

    def __init__(self, db: Database, rows_per_chat: int) -> None:
        self.db = db
        self.rows_per_chat = rows_per_chat
        self._connection: AsyncConnection | None = None
        self._requests: Batcher[tuple[str, str], Pending | None] = Batcher(
            self._together, key=lambda r: r[1], what="chat lock requests")

    async def take(self, key: str) -> Pending | None:
        """Chat `key`'s first `rows_per_chat` pending rows if this process now holds the chat;
        None if another process does."""
        return await self._requests.submit(("take", key))

    async def release(self, key: str) -> None:
        if not self.db.is_sqlite:
            await self._requests.submit(("release", key))

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[Pending | None]:
        """`take`, and `release` afterwards even if the work in between fails or is cancelled."""
        rows = await self.take(key)
        try:
            yield rows
        finally:
            if rows is not None:
                await asyncio.shield(self.release(key))

    async def close(self) -> None:
        """Give every lock back at once (closing the connection releases them)."""
        connection, self._connection = self._connection, None
        await _close_quietly(connection, "chat lock")

    async def _together(self, requests: list[tuple[str, str]]) -> list[Pending | None]:
        """Releases first, then takes: a batch holds at most one request per chat."""
        if self.db.is_sqlite:  # only takes come here
            return list(await self._pending([key for _op, key in requests]))
        releasing = [key for op, key in requests if op == "release"]
        taking = [key for op, key in requests if op == "take"]
        taken: dict[str, Pending] = {}
        try:
            connection = await self._connect()
            if releasing:
                await connection.execute(RELEASE_CHATS, {"ns": INBOX_LOCK_NAMESPACE, "keys": releasing})
            if taking:
                for key, update_id, payload in await connection.execute(TAKE_CHATS, {
                        "ns": INBOX_LOCK_NAMESPACE, "keys": taking, "limit": self.rows_per_chat}):
                    rows = taken.setdefault(key, [])
                    if update_id is not None:
                        rows.append((update_id, payload))
        except DATABASE_FAULTS as exc:
            log.warning("chat lock connection failed (%s); its locks are released", exc)
            await self.close()
            raise unavailable(exc) from exc
        return [[] if op == "release" else taken.get(key) for op, key in requests]

    async def _pending(self, keys: list[str]) -> list[Pending]:
        """SQLite: the pending rows of `keys` (no locks: one process)."""
        async with self.db.single_statement() as connection:
            rows = await connection.execute(PENDING_OF_CHATS, {"keys": keys, "limit": self.rows_per_chat})
        of_chat: dict[str, Pending] = {key: [] for key in keys}
        for update_id, chat, payload in rows:
            of_chat[chat].append((update_id, payload))
        return [of_chat[key] for key in keys]

    async def _connect(self) -> AsyncConnection:
        if self._connection is None or self._connection.closed:
            self._connection = await self.db.autocommit.connect()
        return self._connection


_RANKED = select(InboxUpdate.update_id, InboxUpdate.chat_key, InboxUpdate.payload,
                 func.row_number().over(partition_by=InboxUpdate.chat_key,
                                        order_by=InboxUpdate.update_id).label("rank")
                 ).where(in_list(InboxUpdate.chat_key, "keys"),
                         InboxUpdate.status == "pending").subquery()
PENDING_OF_CHATS = (select(_RANKED.c.update_id, _RANKED.c.chat_key, _RANKED.c.payload)
                    .where(_RANKED.c.rank <= bindparam("limit")).order_by(_RANKED.c.update_id))
"""SQLite: pending rows of several chats at once, at most :limit of each, oldest first."""
TAKE_CHATS = text("""
    WITH taken AS MATERIALIZED (
        SELECT k FROM unnest(CAST(:keys AS text[])) AS k WHERE pg_try_advisory_lock(:ns, hashtext(k)))
    SELECT taken.k, pending.update_id, pending.payload FROM taken LEFT JOIN LATERAL (
        SELECT update_id, payload FROM inbox WHERE chat_key = taken.k AND status = 'pending'
        ORDER BY update_id LIMIT :limit) AS pending ON true
    ORDER BY pending.update_id""").columns(
    column("k", String), column("update_id", BigInteger), column("payload", JSON))
"""PostgreSQL: the chats among :keys whose lock this connection now holds (a try-lock never
waits), each with its first :limit pending rows, oldest first (a chat without any: one row
of NULLs). MATERIALIZED: the locks are tried exactly once per key."""
RELEASE_CHATS = text("SELECT pg_advisory_unlock(:ns, hashtext(k)) FROM unnest(CAST(:keys AS text[])) AS k")


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
        await _close_quietly(connection, "sender lock")


async def _close_quietly(connection: AsyncConnection | None, what: str) -> None:
    """A lock connection is closed to release its locks; if closing fails, it is gone anyway."""
    if connection is not None:
        try:
            await connection.close()
        except Exception as exc:  # expected after a crash or a dropped connection: no traceback
            log.debug("closing the %s connection failed (%s)", what, exc.__class__.__name__)
