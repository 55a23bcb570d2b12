"""The inbox: every update is stored before it counts as received, then handled exactly once.

- `store()` inserts updates (unique on update_id; a duplicate is ignored) and commits. Only
  then is an update acknowledged to Telegram: the polling loop confirms its offset on the next
  getUpdates, the webhook answers 200. A crash after that leaves a pending row, which the next
  start processes.
- Processing is per chat: one chat's updates in update_id order, different chats at once.
  A chat is worked by one task in this process and, on PostgreSQL, by one process at a time
  (an advisory lock per chat, see locking.ChatLocks). The chats worked at the same moment
  take their locks and read their pending rows with one statement. The service marks the
  row `done` in the same transaction as the handling (`Inbound.inbox_update_id`) and skips a
  row already done, so a redelivered or re-run update has no second effect.
- Rows that fail to process are retried (MAX_INBOX_ATTEMPTS), then marked `failed` with a
  sorry note, so one bad update never blocks a chat for good.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import metrics, outbox
from bot.batching import Batcher
from bot.engine.engine import render
from bot.errors import StorageError
from bot.outbox import PRIORITY_REPLY, PRIORITY_STRANGER
from bot.service import MAX_TEXT, Coachbot, Inbound
from bot.storage import queued
from bot.storage.models import AuditEntry, Clinician, InboxUpdate, Outbox, Patient
from bot.telegram.chats import chat_key_of_payload
from bot.telegram.inbound import NOTE_TOO_LONG, Interpretation, Note, read
from bot.telegram.locking import ChatLocks, Pending, WriteGuard
from bot.telegram.sender import retry_after_seconds
from bot.work import audit_entry

log = logging.getLogger(__name__)

MAX_CONCURRENT_CHATS = 32
"""Chats processed at once, so inputs of up to this many share a transaction (bot.batching,
whose MAX_BATCH is as large). A chat holds no connection of its own while it is worked (its
lock is on the one ChatLocks connection); only what it writes outside the batch, such as a
note or a failure count, takes a pooled one. Measured with bench/e2e_bench.py at 500 updates/s
offered: 16 gave p99 767 ms (the bot short of CPU), 32 gave 151 ms."""
STRANGER_CHATS = 4
"""Of those, at most this many may be chats of strangers (nobody enrolled or invited as a
clinician) at once: a flood of strangers or forged updates waits in a lane of its own and never
holds a patient's or clinician's message back. Someone enrolling is a stranger until their
/start is handled."""
SCAN_INTERVAL_S = 1.0
"""How often pending rows are looked for: crash recovery, other processes' rows, retries."""
SCAN_CHATS = 500
BATCH = 50
"""Pending rows of one chat read at a time."""
MAX_INBOX_ATTEMPTS = 3
FAILURE_RETRY_S = 5.0
STORAGE_RETRY_S = 2.0
LOCK_RETRY_S = 0.2
"""Another process holds a chat: look again this soon (it may have missed our row)."""
DIRECT_SEND_ATTEMPTS = 3
CALLBACK_ANSWER_WINDOW_S = 10.0
"""How long a failed answer to a button press is tried again: Telegram accepts an answer only
for a short while after the press (and the spinner stops on its own)."""
INBOX_RETENTION = timedelta(days=7)
"""Handled updates are kept this long (Telegram redelivers for at most a day), then deleted:
they hold what patients wrote."""
FORGET_CHUNK = 5000
"""Old updates deleted per transaction: an hour's worth at 500 updates/s is 1.8 million rows,
which in one transaction would hold its locks (and, on SQLite, the one writer) for long."""
OLDEST_HANDLED = (select(InboxUpdate.update_id)
                  .where(InboxUpdate.received_at < bindparam("cutoff"), InboxUpdate.status != "pending")
                  .order_by(InboxUpdate.received_at).limit(bindparam("chunk")))
FORGET_OLD = (delete(InboxUpdate).where(InboxUpdate.update_id.in_(OLDEST_HANDLED.scalar_subquery()))
              .execution_options(synchronize_session=False))
"""The oldest :chunk handled updates received before :cutoff (found through
ix_inbox_received_at)."""
PENDING_CHATS = (select(InboxUpdate.chat_key).where(InboxUpdate.status == "pending")
                 .group_by(InboxUpdate.chat_key).order_by(func.min(InboxUpdate.update_id)).limit(SCAN_CHATS))
"""Chats with updates still pending, oldest first: read through the partial index
ix_inbox_pending, which holds only pending rows (the table keeps a week of handled ones)."""
SORRY = Note("telegram.failed", "Sorry — something went wrong on my side with your last message. "
             "Could you try again in a moment? If you need urgent help, please call your local "
             "emergency number.")
SORRY_BUTTON = "Sorry, something went wrong. Please try again."


@dataclass(frozen=True)
class InboxOptions:
    max_concurrent_chats: int = MAX_CONCURRENT_CHATS
    scan_interval_s: float = SCAN_INTERVAL_S
    failure_retry_s: float = FAILURE_RETRY_S
    max_attempts: int = MAX_INBOX_ATTEMPTS


class Inbox:
    def __init__(
        self, service: Coachbot, bot: Bot, guard: WriteGuard, *,
        on_outbox: Callable[[], None] = lambda: None,
        on_start_command: Callable[[int], Awaitable[None]] | None = None,
        options: InboxOptions | None = None,
    ) -> None:
        self.service = service
        self.db = service.db
        self.bot = bot
        self.guard = guard
        self.on_outbox = on_outbox
        self.on_start_command = on_start_command
        self.options = options or InboxOptions()
        self._semaphore = asyncio.Semaphore(self.options.max_concurrent_chats)
        self._strangers = asyncio.Semaphore(min(STRANGER_CHATS, self.options.max_concurrent_chats))
        self._known: set[str] = set()
        """Chat keys of patients and clinicians (bot.telegram.chats): read at start, and a
        stranger's key is added once handling made them one of ours (see `_work_chat`)."""
        self._known_loaded = False
        self._active: set[str] = set()
        self._again: set[str] = set()
        self._not_before: dict[str, float] = {}
        self._direct_sent: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self.locks = ChatLocks(self.db, rows_per_chat=BATCH)
        self._arrivals: Batcher[dict[str, Any], bool] = Batcher(
            self._store_together, key=lambda payload: repr(payload.get("update_id")),
            what="webhook updates")

    # --- receiving -------------------------------------------------------------------------

    async def store(self, payloads: list[dict[str, Any]]) -> list[int]:
        """Insert updates; returns the ids that were new. Raises StorageError (then the caller
        must not acknowledge the updates, so Telegram delivers them again)."""
        now = self.service.clock.now()
        rows: list[dict[str, Any]] = []
        for payload in payloads:
            update_id = payload.get("update_id") if isinstance(payload, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
                log.warning("update without a valid update_id ignored")
                continue
            rows.append({"update_id": update_id, "chat_key": chat_key_of_payload(payload),
                         "payload": payload, "status": "pending", "attempts": 0, "received_at": now})
        if not rows:
            return []
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        statement = (insert(InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"])
                     .returning(InboxUpdate.update_id))
        try:
            async with self.guard.hold(), self.db.single_statement() as connection:
                new = set(await connection.scalars(statement, rows))
        except StorageError:
            await self._safety_net(rows)
            raise
        metrics.INBOX_RECEIVED.inc(len(new))
        for row in rows:
            if row["update_id"] in new:
                self.kick(str(row["chat_key"]))
        if len(new) < len(rows):
            log.info("%d duplicate update(s) ignored", len(rows) - len(new))
        return sorted(new)

    async def refuse(self, reason: str) -> None:
        """An update that can never be stored (bot.telegram.webhook): logged and audited by its
        reason alone, never its content. Best effort: the audit row is not worth a retry."""
        log.warning("update refused: %s", reason)
        try:
            async with self.db.transaction() as session:
                session.add(AuditEntry(**audit_entry(self.service.clock.now(), "telegram", "update_refused",
                                                     detail={"reason": reason})))
        except StorageError:
            log.warning("could not audit a refused update (database unavailable)")

    async def store_arrival(self, payload: dict[str, Any]) -> bool:
        """One update from one webhook request. Requests that arrive while an insert is under
        way share the next one (a webhook, unlike a long poll, brings updates one at a time).
        True when the update was new. Raises StorageError, as `store` does, for each update
        that could not be stored (a failed shared insert is tried again for each on its own)."""
        return await self._arrivals.submit(payload)

    async def _store_together(self, payloads: list[dict[str, Any]]) -> list[bool]:
        new = set(await self.store(payloads))
        return [payload.get("update_id") in new for payload in payloads]

    # --- scheduling work per chat --------------------------------------------------------------

    def kick(self, key: str) -> None:
        """Make sure chat `key` gets processed soon (by this process, unless another has it)."""
        if self._stopping:
            return
        if key in self._active:
            self._again.add(key)
            return
        if self._not_before.get(key, 0.0) > time.monotonic():
            return
        self._not_before.pop(key, None)
        self._active.add(key)
        task = asyncio.create_task(self._work_chat(key), name=f"inbox-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _later(self, key: str, delay_s: float) -> None:
        self._not_before[key] = time.monotonic() + delay_s

        def again() -> None:
            self._not_before.pop(key, None)
            self.kick(key)

        asyncio.get_running_loop().call_later(delay_s, again)

    async def run(self) -> None:
        """Scan for pending rows now (crash recovery) and every SCAN_INTERVAL_S."""
        while not self._stopping:
            try:
                if not self._known_loaded:
                    self._known |= await self.known_chats()
                    self._known_loaded = True
                for key in await self.pending_chats():
                    self.kick(key)
            except StorageError as exc:
                log.warning("inbox: database unavailable (%s); retrying", exc)
            try:
                await asyncio.wait_for(self._wake.wait(), self.options.scan_interval_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def pending_chats(self) -> list[str]:
        async with self.db.transaction() as session:
            return list(await session.scalars(PENDING_CHATS))

    async def known_chats(self, key: str | None = None) -> set[str]:
        """Chat keys of patients and clinicians (or, given `key`, that one if it is theirs)."""
        keys = [select(Patient.chat_key), select(Clinician.chat_key)]
        if key is not None:
            keys = [keys[0].where(Patient.chat_key == key), keys[1].where(Clinician.chat_key == key)]
        async with self.db.transaction() as session:
            return {found for query in keys for found in await session.scalars(query) if found}

    async def stop(self, grace_s: float) -> None:
        """Stop taking new work; let chats in progress finish their current update."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        await self.locks.close()

    async def _work_chat(self, key: str) -> None:
        try:
            if key in self._known:
                async with self._semaphore:
                    await self._work_locked(key)
                return
            async with self._strangers, self._semaphore:
                await self._work_locked(key)
                if await self.known_chats(key):
                    self._known.add(key)  # they enrolled (or a clinician joined)
        except StorageError as exc:
            log.warning("inbox %s: database unavailable (%s); retrying", key, exc)
            self._later(key, STORAGE_RETRY_S)
        except Exception:
            log.exception("inbox %s: unexpected error; retrying later", key)
            self._later(key, self.options.failure_retry_s)
        finally:
            self._active.discard(key)

    async def _work_locked(self, key: str) -> None:
        """Drain chat `key` under its lock, again while more arrives."""
        while not self._stopping:
            self._again.discard(key)
            async with self.locks.hold(key) as rows:
                if rows is None:
                    self._later(key, LOCK_RETRY_S)
                    return
                more = await self._drain(rows)
            if not more and key not in self._again:
                return

    async def _drain(self, rows: Pending) -> bool:
        """Process a chat's pending rows (read with its lock) in order; True when there may be more."""
        for update_id, payload in rows:
            if self._stopping:
                return False
            if not await self._process(update_id, payload):
                return False
        return len(rows) == BATCH

    # --- one update ----------------------------------------------------------------------------

    async def _process(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Handle one row; False stops this chat for now (it is retried later, in order)."""
        try:
            meaning = read(payload, self.bot, MAX_TEXT)
        except Exception as exc:
            log.warning("update %s could not be read (%s: %s); marked failed", update_id,
                        exc.__class__.__name__, exc)
            await self._close(update_id, "failed")
            metrics.INBOX_HANDLED.labels("unreadable").inc()
            return True
        try:
            await self._act(update_id, meaning)
            metrics.INBOX_HANDLED.labels("handled").inc()
            return True
        except StorageError as exc:
            # Usually the database is down, and then counting fails too (so it is retried
            # without limit); a write the database refuses counts like any other failure.
            log.warning("update %s: %s; will retry", update_id, exc)
        except Exception:
            log.exception("update %s: processing failed", update_id)
        if await self._count_failure(update_id, meaning):
            metrics.INBOX_HANDLED.labels("failed").inc()
            await self._answer(meaning, SORRY_BUTTON)
            return True
        self._later(meaning.chat_key, self.options.failure_retry_s)
        return False

    async def _act(self, update_id: int, meaning: Interpretation) -> None:
        action = meaning.action
        if action == "inbound":
            assert meaning.inbound is not None
            await self._deliver(update_id, meaning, meaning.inbound)
        elif action == "edited":
            await self._edited(update_id, meaning)
        elif action == "note":
            assert meaning.note is not None
            await self._close(update_id, "done", note=(meaning.chat_key, meaning.note))
        elif action in ("blocked", "unblocked"):
            await self._close(update_id, "done", blocked=(meaning.chat_key, action == "blocked"))
        else:
            if meaning.reason:
                log.debug("update %s ignored: %s", update_id, meaning.reason)
            await self._close(update_id, "done")
            await self._answer(meaning, meaning.callback_answer)
            if action == "leave" and meaning.chat_id is not None:
                await self._leave(meaning.chat_id, meaning.reason)

    async def _deliver(self, update_id: int, meaning: Interpretation, inbound: Inbound) -> None:
        inbound = replace(inbound, inbox_update_id=update_id, idempotency_key=f"tg-update:{update_id}",
                          safety_response_sent=update_id in self._direct_sent)
        async with self.guard.hold():
            reply = await self.service.receive(inbound)
        if reply.direct:
            # The database failed during a crisis message: the safety response goes out now,
            # the escalation is spooled by the service, and the update is retried later.
            if update_id not in self._direct_sent and meaning.chat_id is not None:
                self._direct_sent.add(update_id)
                for text in reply.direct:
                    await self._send_now(meaning.chat_id, text)
            await self._answer(meaning, reply.callback_answer or "")
            raise StorageError("database unavailable while handling a crisis message")
        self._direct_sent.discard(update_id)
        if reply.outbox_ids:
            self.on_outbox()
        await self._answer(meaning, reply.callback_answer or "")
        if meaning.truncated:
            await self._note_after(meaning.chat_key, NOTE_TOO_LONG, limit=MAX_TEXT)
        text = (inbound.text or "").lstrip()
        if text.startswith("/start") and meaning.chat_id is not None and self.on_start_command:
            await self.on_start_command(meaning.chat_id)

    async def _edited(self, update_id: int, meaning: Interpretation) -> None:
        """An edit is not a new answer, so it is ignored — unless it now reads as a crisis."""
        text = meaning.edited_text or ""
        try:
            crisis = (await self.service.triage.assess(text, intents=False)).risk == "crisis"
        except Exception:
            log.warning("update %s: triage of an edited message failed; passing it on", update_id)
            crisis = True
        if not crisis:
            await self._close(update_id, "done")
            return
        inbound = Inbound(chat_key=meaning.chat_key, text=text,
                          new_id=f"tg{meaning.chat_id}" if meaning.chat_id is not None else None)
        await self._deliver(update_id, meaning, inbound)

    # --- effects outside the service -----------------------------------------------------------

    async def _close(
        self, update_id: int, status: str, *, note: tuple[str, Note] | None = None,
        blocked: tuple[str, bool] | None = None,
    ) -> bool:
        """Mark a row handled (with an optional note or block flag) in one transaction;
        False if it was already handled."""
        now = self.service.clock.now()
        async with self.guard.hold(), self.db.transaction() as session:
            row = await session.scalar(self.db.locked(
                select(InboxUpdate).where(InboxUpdate.update_id == update_id)))
            if row is None or row.status != "pending":
                return False
            row.status, row.processed_at, row.attempts = status, now, row.attempts + 1
            if note is not None:
                await self._add_note(session, note[0], note[1])
            if blocked is not None:
                await self._set_blocked(session, blocked[0], blocked[1])
        if note is not None:
            self.on_outbox()
        return True

    async def _count_failure(self, update_id: int, meaning: Interpretation) -> bool:
        """One more failed attempt; True when the row is now `failed` for good."""
        now = self.service.clock.now()
        async with self.guard.hold(), self.db.transaction() as session:
            row = await session.scalar(self.db.locked(
                select(InboxUpdate).where(InboxUpdate.update_id == update_id)))
            if row is None or row.status != "pending":
                return True
            row.attempts += 1
            if row.attempts < self.options.max_attempts:
                return False
            row.status, row.processed_at = "failed", now
            log.error("update %s failed %d times; marked failed", update_id, row.attempts)
            if meaning.action in ("inbound", "edited", "note"):
                await self._add_note(session, meaning.chat_key, SORRY)
        self.on_outbox()
        return True

    async def _note_after(self, key: str, note: Note, **variables: Any) -> None:
        try:
            async with self.guard.hold(), self.db.transaction() as session:
                await self._add_note(session, key, note, **variables)
            self.on_outbox()
        except StorageError:
            log.warning("could not queue the note %s for %s", note.key, key)

    async def _add_note(self, session: Any, key: str, note: Note, **variables: Any) -> None:
        now = self.service.clock.now()
        patient = await session.scalar(select(Patient).where(Patient.chat_key == key))
        locale = patient.locale if patient is not None else "en"
        try:
            template = self.service.content.current().message(note.key, locale) or note.default
        except Exception:
            template = note.default
        queued.queue(session, Outbox, outbox.message(
            f"patient:{patient.id}" if patient is not None else f"chat:{key}",
            render(template, variables), now, priority=PRIORITY_REPLY if patient is not None else PRIORITY_STRANGER,
            patient_id=patient.id if patient is not None else None))

    async def _set_blocked(self, session: Any, key: str, blocked: bool) -> None:
        now = self.service.clock.now()
        patient = await session.scalar(select(Patient).where(Patient.chat_key == key))
        if patient is None or patient.blocked == blocked:
            return
        patient.blocked = blocked
        queued.queue(session, AuditEntry, audit_entry(
            now, f"patient:{patient.id}", "blocked_bot" if blocked else "unblocked_bot", patient.id))
        log.info("patient %s %s the bot", patient.id, "blocked" if blocked else "unblocked")

    async def _answer(self, meaning: Interpretation, text: str) -> None:
        """Answer a button press (Telegram shows a spinner until then). A failed answer is
        tried again in the background while the press is still valid (CALLBACK_ANSWER_WINDOW_S),
        so the chat's next update does not wait on it."""
        if meaning.callback_query_id is None:
            return
        if (wait := await self._try_answer(meaning.callback_query_id, text)) is not None:
            task = asyncio.create_task(self._answer_again(meaning.callback_query_id, text, wait))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _try_answer(self, query_id: str, text: str) -> float | None:
        """None when answered, or when trying again cannot help (the press is too old); else
        how long to wait before trying again (a 429's retry_after, or 0)."""
        try:
            await self.bot.answer_callback_query(query_id, text=text or None)
            return None
        except BadRequest as exc:
            log.debug("callback answer refused (%s); the press was likely too old", exc)
            return None
        except RetryAfter as exc:
            return retry_after_seconds(exc)
        except TelegramError as exc:
            log.info("callback answer failed (%s); trying again", exc.__class__.__name__)
            return 0.0

    async def _answer_again(self, query_id: str, text: str, wait: float) -> None:
        deadline = time.monotonic() + CALLBACK_ANSWER_WINDOW_S
        pause = 0.25
        while True:
            wait = max(pause, wait)
            if time.monotonic() + wait > deadline:
                log.info("callback answer given up: the press is no longer valid")
                return
            await asyncio.sleep(wait)
            if (next_wait := await self._try_answer(query_id, text)) is None:
                return
            wait, pause = next_wait, pause * 2

    async def _leave(self, chat_id: int, reason: str) -> None:
        log.info("leaving chat %s (%s): coachbot only talks one to one", chat_id, reason)
        try:
            await self.bot.leave_chat(chat_id)
        except TelegramError as exc:
            log.info("could not leave chat %s: %s", chat_id, exc)

    async def _safety_net(self, rows: list[dict[str, Any]]) -> None:
        """The database refused the updates, so Telegram will deliver them again later. A crisis
        among them cannot wait that long: its safety response goes out now (once per update)."""
        for row in rows:
            update_id = int(row["update_id"])
            if update_id in self._direct_sent:
                continue
            try:
                meaning = read(row["payload"], self.bot, MAX_TEXT)
            except Exception:
                continue
            if meaning.inbound is None or meaning.chat_id is None:
                continue
            reply = self.service.crisis_before_storage(
                replace(meaning.inbound, idempotency_key=f"tg-update:{update_id}"))
            if reply.direct:
                self._direct_sent.add(update_id)
                for text in reply.direct:
                    await self._send_now(meaning.chat_id, text)

    async def _send_now(self, chat_id: int, text: str) -> None:
        """Bypass the outbox: only for the safety response while the database is down."""
        for attempt in range(DIRECT_SEND_ATTEMPTS):
            try:
                await self.bot.send_message(chat_id, text)
                return
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_seconds(exc))
            except Forbidden:
                return
            except NetworkError as exc:
                log.warning("direct send to %s failed (%s), attempt %d", chat_id, exc, attempt + 1)
                await asyncio.sleep(2 ** attempt)
        log.critical("could not send the safety response directly to chat %s", chat_id)

    async def forget_old(self, chunk: int = FORGET_CHUNK) -> int:
        """Delete handled updates older than INBOX_RETENTION, `chunk` rows per transaction;
        returns how many. A pending update is never deleted, however old."""
        cutoff = self.service.clock.now() - INBOX_RETENTION
        forgotten = 0
        while not self._stopping:
            async with self.guard.hold(), self.db.transaction() as session:
                result = await session.execute(FORGET_OLD, {"cutoff": cutoff, "chunk": chunk})
            deleted = int(getattr(result, "rowcount", 0) or 0)
            forgotten += deleted
            if deleted < chunk:
                break
        return forgotten

