"""Outbox delivery: every row ends `sent`, `failed` or `blocked`, within Telegram's limits.

How a row goes out:
1. *Claim* (one statement, which on PostgreSQL also resolves the recipients' chats): the
   head row of each recipient (lowest priority, then id, among its pending rows) that is
   due, crisis rows first (then, within a priority, the one due longest), `FOR UPDATE SKIP
   LOCKED` on PostgreSQL. It reads only rows that may be a head (`Outbox.head`), the due ones,
   and stops when it has enough, so it costs the same with 1,000 rows queued or 1,000,000
   (`claim_statement`, bench/claim_bench.py). Claiming pushes
   `next_attempt_at` forward by a short lease, which the sender renews while the row is in
   flight (however long a 429 pause or a slow request takes), so no other sender takes it;
   after a crash the lease runs out within seconds and the row is sent by the next sender.
   Only a recipient's head is taken, so one chat's messages go out in order.
2. *Send* with `sendMessage` / `sendPhoto`, paced by the rate limiter (30/s overall, 1/s per
   chat, 20/min per group).
3. *Mark* right after Telegram's answer: `sent` with the message id, or rescheduled (429:
   after `retry_after`, that chat only; network error or 5xx: exponential backoff, then
   `failed` after MAX_SEND_ATTEMPTS), `blocked` on 403 (and the patient marked blocked), or
   `failed` at once when Telegram refuses the message itself (400).

The one window for a duplicate: Telegram accepted a message and the process died (or the
database was unreachable for good) before step 3 committed (`sent` marks are batched, so the
window is the request's round trip plus MARK_BATCH_S). Then that row is sent again when its
lease ends (CLAIM_LEASE_S) — at most once more, never lost; only rows whose request was in
flight at the crash (at most MAX_IN_FLIGHT, one per chat) can be duplicated. Nothing can
close this window from the client side: the Bot API has no idempotency key.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, and_, any_, bindparam, exists, func, literal_column, or_, select, tuple_, update
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot import metrics
from bot.clock import Clock
from bot.errors import StorageError
from bot.outbox import PRIORITY_REPLY, PRIORITY_SCHEDULED
from bot.safety.escalation import audit_alert_deliveries
from bot.storage.db import Database
from bot.storage.indexed import indexed_by
from bot.storage.lists import in_list
from bot.storage.models import Clinician, Outbox, Patient
from bot.telegram.botapi import TelegramBot
from bot.telegram.chats import chat_id_of
from bot.telegram.keyboard import inline_keyboard
from bot.telegram.limits import (
    GLOBAL_MESSAGES_PER_SECOND,
    GROUP_INTERVAL_S,
    MAX_CAPTION_CHARS,
    MAX_MESSAGE_CHARS,
    PER_CHAT_INTERVAL_S,
)
from bot.telegram.locking import SenderLeadership, WriteGuard
from bot.telegram.ratelimit import RATE_SAFETY_MARGIN_S, RateLimiter

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 8
"""Network errors and 5xx: this many attempts (about 4 minutes of backoff), then `failed`."""
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 120.0
CLAIM_LEASE_S = 5.0
"""A claimed row is not claimed again for this long, and the sender renews the lease of each
row it is still sending every LEASE_RENEW_SHARE of it: after a crash (kill -9, power) a chat
waits at most this long for its next message (it was 60 s without renewal)."""
LEASE_RENEW_SHARE = 1 / 3
"""Renew leases this far into them: two renewals may fail (a slow database) before one ends."""
MAX_IN_FLIGHT = 16
"""Rows being sent at once (each to a different chat); fills 30/s up to 0.5 s of latency."""
IDLE_POLL_S = 0.25
"""How often an idle sender looks for rows written by other processes (own rows wake it)."""
CLAIM_GATHER_S = 0.0
"""After a wake-up, wait this long before claiming, so that rows written together are claimed
together. 0 still yields once, so that the other inputs of a batch, which finish at the same
moment, have woken the sender too before it claims. Measured with bench/e2e_bench.py at 500
updates/s, in paired runs: 2 ms gave p50 22-24 ms and p99 31-34 ms; 0 gives p50 20-21 and
p99 29-31, at the same CPU per update (a batch's replies are written in one transaction, so
one wake-up claims them all). At 20 updates/s, 5 ms had given a p50 of 26 ms, 2 ms 20 ms."""
LEADER_RETRY_S = 2.0
LEADER_CHECK_S = 5.0
MARK_RETRY_S = 1.0
MARK_BATCH_S = 0.005
"""`sent` marks arriving within this long share one transaction."""
SHUTDOWN_GRACE_S = 10.0


STRANGER_SLOTS = 2
"""Of the MAX_IN_FLIGHT sending slots, this many are kept for replies to people who are not
enrolled (recipient `chat:…`), and while patients' or clinicians' rows wait, strangers get no
more: a flood of strangers cannot crowd out patients, and strangers still get a share while a
broadcast drains (bot.outbox.PRIORITY_STRANGER). With nobody else waiting they get every slot."""
STRANGER_CLAIM_S = 0.2
"""Look for strangers' rows at most this often (a second claim; patients' rows are looked for
at every wake-up)."""
STRANGERS = "chat:"


OUTBOX = cast(Table, Outbox.__table__)
CLAIMED_COLUMNS = (OUTBOX.c.id, OUTBOX.c.recipient, OUTBOX.c.kind, OUTBOX.c.text, OUTBOX.c.buttons,
                   OUTBOX.c.photo_path, OUTBOX.c.attempts, OUTBOX.c.parts_sent, OUTBOX.c.priority,
                   OUTBOX.c.alert_id)
PENDING: Any = literal_column("'pending'")
STRANGERS_LIKE: Any = literal_column("'chat:%'")
"""Written out, not parameters: so each database sees the predicates of its partial indexes
(bot.storage.models.OUTBOX_HEADS) in the claim, and may use them."""
WALK_ROWS = 500
"""A claim looks at this many rows at most. It stops much earlier as a rule (at the `limit`th
row it can take); only rows it cannot take make it go on: rows queued behind another of their
recipient's (it clears their `head`, so the next claim does not see them again), rows of
recipients being sent to. The bound also keeps PostgreSQL's estimate of the claim small, as its
cost is: above 100,000 units of estimate it compiles the statement (JIT), 200 ms each time."""


def _lane(table: Any, strangers: bool) -> Any:
    """Rows that may be their recipient's next message, among strangers' or everyone else's:
    the predicate of ix_outbox_stranger_heads or ix_outbox_heads, word for word."""
    recipient = table.c.recipient
    return and_(table.c.status == PENDING, table.c.head,
                recipient.like(STRANGERS_LIKE) if strangers else recipient.not_like(STRANGERS_LIKE))


def _heads_index(strangers: bool) -> str:
    """The index of the rows `_lane` is about (named for SQLite: bot.storage.indexed)."""
    return "ix_outbox_stranger_heads" if strangers else "ix_outbox_heads"


def _priorities(strangers: bool) -> Any:
    """The priorities such rows have, smallest first, one index probe each (a loose index
    scan: a recursive query takes the next larger one until there is none)."""
    index = _heads_index(strangers)
    first, later = indexed_by(OUTBOX, "first_priority", index), indexed_by(OUTBOX, "next_priority", index)
    found = (select(func.min(first.c.priority).label("priority")).where(_lane(first, strangers))
             .cte("priorities", recursive=True))
    larger = select(func.min(later.c.priority)).where(_lane(later, strangers), later.c.priority > found.c.priority)
    found = found.union_all(select(larger.scalar_subquery()).where(found.c.priority.is_not(None)))
    return select(found.c.priority).where(found.c.priority.is_not(None))


def _behind(row: Any) -> Any:
    """SQL: `row` has an earlier pending row of its recipient's (by priority, then id: the order
    one recipient's messages go in): one probe of ix_outbox_pending_recipient."""
    earlier = indexed_by(OUTBOX, "earlier", "ix_outbox_pending_recipient")
    return exists().where(earlier.c.recipient == row.c.recipient, earlier.c.status == PENDING,
                          tuple_(earlier.c.priority, earlier.c.id) < tuple_(row.c.priority, row.c.id))


def walk_statement(db: Database, strangers: bool) -> Any:
    """The rows a claim looks at, in the order they go: by priority, then by when they became
    due, then by id; among strangers' rows or everyone else's; at most WALK_ROWS. Each says
    why it cannot be taken now when it cannot: `behind` an earlier pending row of its recipient
    (by priority, then id: the order one recipient's messages go in), or its recipient `busy`
    (being sent to by this sender).

    Why it is cheap whatever the queue's length: it reads ix_outbox_heads (or the strangers'),
    which holds only rows that may be their recipient's next, and of each priority only the
    due ones: `priority = ANY(...)` (SQLite: IN) makes the database walk the index once per
    priority present, each from its start to `now`, and the rows still come in order, so the
    reader can stop early (`claim_statement`, `claim`). `behind` is one probe of
    ix_outbox_pending_recipient. Rows not yet due, however many (a message a clinician set
    for tomorrow, to a whole group), are never read: that is why rows of one priority go by
    when they became due rather than by id (for a row queued to go at once, the same)."""
    row = indexed_by(OUTBOX, "o", _heads_index(strangers))
    priorities = _priorities(strangers)
    of_priority = (row.c.priority.in_(priorities) if db.is_sqlite
                   else row.c.priority == any_(func.array(priorities.scalar_subquery())))
    return (select(row.c.id, row.c.recipient, row.c.priority, row.c.next_attempt_at, _behind(row).label("behind"),
                   in_list(row.c.recipient, "busy").label("busy"))
            .where(_lane(row, strangers), row.c.next_attempt_at <= bindparam("now"), of_priority)
            .order_by(row.c.priority, row.c.next_attempt_at, row.c.id).limit(literal_column(str(WALK_ROWS))))


def _up_to_limit(walk: Any) -> Any:
    """PostgreSQL: the walk's rows up to and including the `limit`th one that can be taken.
    The count of takeable rows so far can only grow, so PostgreSQL stops reading the walk as
    soon as it passes `limit` (a window "run condition"), and the walk stops reading the index.
    (SQLite has no such thing: `claim` reads the walk row by row and stops there itself.)"""
    walk = walk.subquery("walk")
    ranked = select(walk.c.id, walk.c.recipient, walk.c.priority, walk.c.behind, walk.c.busy,
                    func.count().filter(and_(~walk.c.behind, ~walk.c.busy)).over(
                        order_by=(walk.c.priority, walk.c.next_attempt_at, walk.c.id)).label("place")
                    ).subquery("ranked")
    return select(ranked.c.id, ranked.c.recipient, ranked.c.priority, ranked.c.behind, ranked.c.busy
                  ).where(ranked.c.place <= bindparam("limit"))


LEASE = (update(OUTBOX).where(in_list(OUTBOX.c.id, "ids"))
         .values(next_attempt_at=bindparam("lease")).returning(*CLAIMED_COLUMNS, OUTBOX.c.status))
"""SQLite: lease the heads the walk found, by id alone; `claim` keeps those still pending (the
walk and this statement are two transactions: another process may have written between).
Checking status and due time here made SQLite read them through ix_outbox_status_next (8 ms
at 100,000 pending rows, without statistics)."""
NOT_HEADS = update(OUTBOX).where(in_list(OUTBOX.c.id, "ids"), _behind(OUTBOX)).values(head=False)
"""SQLite: clear `head` on the rows the walk found behind another, if they still are (checked
again in this write, which no other write can overlap on SQLite: so a row that has just become
its recipient's first, its trigger run, is not cleared after)."""


def claim_statement(db: Database, strangers: bool = False) -> Any:
    """Lease the queue heads and return them, in one statement (so, on PostgreSQL, without a
    transaction around it: `Database.single_statement`): each recipient's first pending row
    (lowest priority, then id), if it is due and its recipient is not `busy`, lowest priority
    first, up to `limit`, among strangers' rows or among everyone else's (`walk_statement`).
    The heads are read without locks, then locked with SKIP LOCKED and checked again, so two
    processes never claim one row. Only a recipient's first row is taken, and the sender takes
    none of a recipient it is sending to, so one chat's messages go out one at a time, in order.

    The same statement clears `head` on the rows the walk found behind an earlier row of their
    recipient, so that later claims walk past none of them (a trigger sets it again once the row
    is its recipient's first: migration 0008). It clears it only while it holds a share lock on
    the earlier row (SKIP LOCKED: or not at all this time): that row cannot leave the queue
    before this statement commits, so the trigger that then runs sees the cleared row and marks
    it, instead of marking it first and having it cleared after.

    On PostgreSQL the statement also resolves each row's recipient (`recipient_of`), so a
    claim is one round trip, on the way of every reply. On SQLite, whose UPDATE cannot be a
    CTE, this is the walk alone; `claim` clears and leases what it found (NOT_HEADS, LEASE)
    and the sender resolves the recipients (`Sender._resolve`) with further statements."""
    walk = walk_statement(db, strangers)
    if db.is_sqlite:
        return walk
    seen = _up_to_limit(walk).cte("seen")
    earlier = OUTBOX.alias("earlier")
    still_behind = (select(earlier.c.id)
                    .where(earlier.c.recipient == seen.c.recipient, earlier.c.status == PENDING,
                           tuple_(earlier.c.priority, earlier.c.id) < tuple_(seen.c.priority, seen.c.id))
                    .with_for_update(read=True, skip_locked=True).exists())
    cleared = (update(OUTBOX).where(_one_of(OUTBOX.c.id, select(seen.c.id).where(seen.c.behind, still_behind)))
               .values(head=False).returning(OUTBOX.c.id).cte("cleared"))
    claimable = db.locked(select(OUTBOX.c.id).where(
        _one_of(OUTBOX.c.id, select(seen.c.id).where(~seen.c.behind, ~seen.c.busy)), OUTBOX.c.status == "pending",
        OUTBOX.c.next_attempt_at <= bindparam("now")), skip_locked=True)
    claim = (update(OUTBOX).where(_one_of(OUTBOX.c.id, claimable))
             .values(next_attempt_at=bindparam("lease")).returning(*CLAIMED_COLUMNS))
    return with_recipients(claim.cte("claimed")).add_cte(cleared)


def with_recipients(claimed: Any) -> Any:
    """PostgreSQL: the claimed rows (a CTE of an UPDATE ... RETURNING CLAIMED_COLUMNS) with
    their recipients resolved, so the claim is one round trip (`recipient_of` reads these)."""
    recipient = claimed.c.recipient
    of_patient = or_(and_(recipient.startswith("patient:"), Patient.id == _after(recipient, "patient:")),
                     and_(recipient.startswith("chat:"), Patient.chat_key == _after(recipient, "chat:")))
    of_clinician = and_(recipient.startswith("clinician:"), Clinician.id == _after(recipient, "clinician:"))
    return (select(claimed, Patient.id.label("patient_id"), Patient.chat_key.label("patient_chat_key"),
                   Patient.blocked.label("patient_blocked"), Clinician.chat_key.label("clinician_chat_key"))
            .select_from(claimed).outerjoin(Patient, of_patient).outerjoin(Clinician, of_clinician))


def _one_of(column: Any, ids: Any) -> Any:
    """PostgreSQL: `column = ANY(ARRAY(ids))`, the few rows by their primary key. As `IN (ids)`
    the planner, which expects the walk to return a good share of its WALK_ROWS, joined them
    by reading the whole outbox (a hash join, at 10,000 rows 2 ms and growing)."""
    return column == any_(func.array(ids.scalar_subquery()))


async def claim(db: Database, connection: Any, statement: Any, params: dict[str, Any]) -> list[Any]:
    """Run a `claim_statement` (params: now, busy, limit, lease): the rows leased.

    On SQLite: read the walk row by row up to the `limit`th row that can be taken (SQLite
    computes each row as it is read, so the rest is never looked at), then clear `head` on the
    rows found behind another (NOT_HEADS) and lease the others (LEASE)."""
    if not db.is_sqlite:
        return list(await connection.execute(statement, params))
    heads: list[int] = []
    behind: list[int] = []
    result = await connection.stream(statement, params)
    try:
        async for row in result:
            if row.behind:
                behind.append(row.id)
            elif not row.busy:
                heads.append(row.id)
                if len(heads) >= params["limit"]:
                    break
    finally:
        await result.close()
    if behind:
        await connection.execute(NOT_HEADS, {"ids": behind})
    if not heads:
        return []
    leased = await connection.execute(LEASE, {"ids": heads, "lease": params["lease"]})
    return [r for r in leased if r.status == "pending"]


def _after(recipient: Any, prefix: str) -> Any:
    """SQL: the recipient's id after its prefix ("patient:" + id)."""
    return func.substr(recipient, len(prefix) + 1)


_RENEWABLE = (select(OUTBOX.c.id)
              .where(in_list(OUTBOX.c.id, "ids"), OUTBOX.c.status == "pending",
                     OUTBOX.c.next_attempt_at < bindparam("lease"))
              .with_for_update(skip_locked=True))
RENEW_LEASES = (update(OUTBOX).where(OUTBOX.c.id.in_(_RENEWABLE.scalar_subquery()))
                .values(next_attempt_at=bindparam("lease")))
"""Extend the leases of rows in flight (never shortening a later retry the send has set).
A row another transaction is writing (its `sent` mark, a retry) is skipped, not waited for:
it needs no renewal, and waiting on it while that transaction waited on a row locked here was
a deadlock PostgreSQL reported at 100,000 same-minute check-ins (bench/daily_jobs_bench.py)."""
MARK_SENT = (update(OUTBOX).where(OUTBOX.c.id == bindparam("row"))
             .values(status=bindparam("status"), sent_at=bindparam("sent_at"),
                     external_id=bindparam("external_id"), last_error=bindparam("last_error"),
                     attempts=bindparam("attempts")))
"""`sent` marks, many rows per statement: a Core UPDATE run once per row by the driver (the
ORM's bulk update by primary key did the same with more work per row)."""
RECIPIENT_PATIENTS = select(Patient.id, Patient.chat_key, Patient.blocked).where(
    in_list(Patient.id, "ids") | in_list(Patient.chat_key, "keys"))
RECIPIENT_CLINICIANS = select(Clinician.id, Clinician.chat_key).where(
    in_list(Clinician.id, "ids"))


@dataclass(frozen=True)
class SenderOptions:
    messages_per_second: float = GLOBAL_MESSAGES_PER_SECOND
    """0 lifts the overall limit (benchmarks of the rest of the pipeline only)."""
    chat_interval_s: float = PER_CHAT_INTERVAL_S
    group_interval_s: float = GROUP_INTERVAL_S
    margin_s: float = RATE_SAFETY_MARGIN_S
    max_in_flight: int = MAX_IN_FLIGHT
    max_attempts: int = MAX_SEND_ATTEMPTS
    backoff_base_s: float = BACKOFF_BASE_S
    backoff_max_s: float = BACKOFF_MAX_S
    lease_s: float = CLAIM_LEASE_S
    idle_poll_s: float = IDLE_POLL_S
    paid_broadcast: bool = False
    """Every message goes with `allow_paid_broadcast`, and `messages_per_second` may then be up
    to PAID_BROADCAST_MESSAGES_PER_SECOND: Telegram charges only for what goes beyond its free
    30 a second, so a quiet hour costs nothing and a 10,000-patient morning drains in seconds."""


@dataclass
class Delivery:
    """One claimed outbox row, with its recipient already resolved to a chat."""

    id: int
    recipient: str
    kind: str
    text: str
    buttons: list[Any]
    photo_path: str | None
    attempts: int
    priority: int = PRIORITY_SCHEDULED
    parts_sent: int = 0
    """Pieces already delivered by an earlier attempt (see `pieces`)."""
    alert: bool = False
    """A clinician alert: its delivery (or failure) goes into the audit trail."""
    chat_id: int | None = None
    problem: str | None = None
    """Why this row cannot be sent at all (no Telegram chat); it is marked failed."""
    blocked: bool = False
    patient_id: str | None = None
    started: bool = field(default=False, repr=False)


def recipient_of(d: Delivery, patient: tuple[str, str | None, bool] | None,
                 clinician_chat_key: str | None) -> None:
    """Where the row goes: its recipient's Telegram chat, given the patient it names (id,
    chat_key, blocked) or the clinician's chat_key; `problem` when there is none."""
    if d.recipient.startswith("chat:"):
        key: str | None = d.recipient[len("chat:"):]
    elif d.recipient.startswith("clinician:"):
        key = clinician_chat_key
    else:
        key = patient[1] if patient is not None else None
    if patient is not None:
        d.patient_id, d.blocked = patient[0], bool(patient[2])
    d.chat_id = chat_id_of(key)
    if d.chat_id is None:
        d.problem = (f"{d.recipient} has no Telegram chat (chat key {key!r}); "
                     "they can't be reached on Telegram")


class Sender:
    def __init__(
        self, bot: TelegramBot, db: Database, clock: Clock, guard: WriteGuard,
        options: SenderOptions | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.guard = guard
        self.options = options or SenderOptions()
        self.limiter = RateLimiter(self.options.messages_per_second, self.options.chat_interval_s,
                                   self.options.group_interval_s, self.options.margin_s)
        self.leadership = SenderLeadership(db)
        # built once: building a statement cost more than running it, at every wake-up
        self._claim_statement = claim_statement(db)
        self._claim_strangers = claim_statement(db, strangers=True)
        self._next_stranger_claim = 0.0
        self._wake = asyncio.Event()
        self._stopping = False
        self._busy: set[str] = set()
        self._tasks: dict[asyncio.Task[None], Delivery] = {}
        self._next_leader_check = 0.0
        self._next_renewal = 0.0
        self._sent_marks: list[dict[str, Any]] = []
        self._sent_alerts: list[int] = []
        self._marks_written: asyncio.Future[None] | None = None
        self._writers: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """New rows were written in this process: look now rather than at the next poll."""
        self._wake.set()

    # --- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                if not await self._leading(loop.time()):
                    await self._sleep(LEADER_RETRY_S)
                    continue
                await self._renew_leases(loop.time())
                free = self.options.max_in_flight - len(self._tasks) - self._strangers_reserve()
                claimed = await self._claim(free) if free > 0 else []
                for delivery in claimed:
                    self._spawn(delivery)
                for delivery in await self._claim_for_strangers(loop.time(), others_waiting=len(claimed) >= free):
                    self._spawn(delivery)
            except StorageError as exc:
                log.warning("sender: database unavailable (%s); retrying", exc)
                await self._sleep(self.options.idle_poll_s * 4)
                continue
            if len(claimed) < free or free <= 0:
                await self._sleep(self.options.idle_poll_s)

    async def _leading(self, now: float) -> bool:
        """Whether this process sends; checked (or tried) every few seconds, not per wake-up."""
        if self.db.is_sqlite:
            return True
        if now < self._next_leader_check:
            return self.leadership.is_leader
        try:
            leading = await self.leadership.try_lead()
        except Exception as exc:
            self._next_leader_check = now + LEADER_RETRY_S
            raise StorageError(f"sender lock: {exc}") from exc
        self._next_leader_check = now + (LEADER_CHECK_S if leading else LEADER_RETRY_S)
        return leading

    async def _renew_leases(self, now: float) -> None:
        """Keep the rows in flight leased (one statement for all of them), every
        LEASE_RENEW_SHARE of a lease."""
        if now < self._next_renewal:
            return
        self._next_renewal = now + self.options.lease_s * LEASE_RENEW_SHARE
        ids = sorted(d.id for d in self._tasks.values())
        if not ids:
            return
        lease = self.clock.now() + timedelta(seconds=self.options.lease_s)
        async with self.guard.hold(), self.db.single_statement() as connection:
            await connection.execute(RENEW_LEASES, {"ids": ids, "lease": lease})

    def _spawn(self, delivery: Delivery) -> None:
        self._busy.add(delivery.recipient)
        task = asyncio.create_task(self._deliver(delivery), name=f"send-{delivery.id}")
        self._tasks[task] = delivery
        task.add_done_callback(lambda done: self._tasks.pop(done, None))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
            await asyncio.sleep(CLAIM_GATHER_S)
        except TimeoutError:
            pass
        self._wake.clear()

    async def stop(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Stop claiming; sends not yet started are put back at once, sends in flight may
        finish (then are cancelled); give up the sender lock."""
        self._stopping = True
        self._wake.set()
        for task, delivery in list(self._tasks.items()):
            if not delivery.started:
                task.cancel()
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        await self.leadership.release()

    # --- claim -----------------------------------------------------------------------------

    def _strangers_reserve(self) -> int:
        """Slots kept from patients' and clinicians' rows for strangers' (STRANGER_SLOTS, and
        never the last slot)."""
        in_flight = sum(1 for d in self._tasks.values() if d.recipient.startswith(STRANGERS))
        return max(0, min(STRANGER_SLOTS, self.options.max_in_flight - 1) - in_flight)

    async def _claim_for_strangers(self, now: float, others_waiting: bool) -> list[Delivery]:
        """Strangers' rows into the slots left: their reserve while a backlog drains
        (`others_waiting`: the claim of everyone else's rows just before filled every slot it
        could, or had none to fill), all free slots when there is none (every STRANGER_CLAIM_S).
        Without that check a send finishing between the two claims would hand its slot to a
        stranger while patients wait."""
        free = self.options.max_in_flight - len(self._tasks)
        if others_waiting:
            free = min(free, self._strangers_reserve())
        if free <= 0 or now < self._next_stranger_claim:
            return []
        self._next_stranger_claim = now + STRANGER_CLAIM_S
        return await self._claim(free, self._claim_strangers)

    async def _claim(self, limit: int, statement: Any = None) -> list[Delivery]:
        """Lease up to `limit` rows to send now (patients' and clinicians', or with the
        strangers' `statement` theirs), their recipients resolved. Should the database fail
        between the lease and resolving the recipients (SQLite), the rows are sent once their
        lease ends."""
        now = self.clock.now()
        lease = now + timedelta(seconds=self.options.lease_s)
        async with self.guard.hold(), self.db.single_statement() as connection:
            rows = await claim(self.db, connection, self._claim_statement if statement is None else statement, {
                "now": now, "busy": sorted(self._busy), "limit": limit, "lease": lease})
            if not rows:
                return []
            rows.sort(key=lambda r: (r.priority, r.id))
            deliveries = [Delivery(r.id, r.recipient, r.kind, r.text or "", list(r.buttons or []),
                                   r.photo_path, r.attempts, r.priority, r.parts_sent or 0,
                                   alert=r.alert_id is not None)
                          for r in rows]
            if self.db.is_sqlite:
                await self._resolve(connection, deliveries)
            else:
                for d, r in zip(deliveries, rows, strict=True):
                    patient = (r.patient_id, r.patient_chat_key, r.patient_blocked) if r.patient_id else None
                    recipient_of(d, patient, r.clinician_chat_key)
            return deliveries

    async def _resolve(self, connection: Any, deliveries: list[Delivery]) -> None:
        """SQLite: recipient -> Telegram chat, patients and clinicians by their chat_key."""
        wanted: dict[str, set[str]] = {"patient": set(), "clinician": set(), "chat": set()}
        for d in deliveries:
            kind, _, ident = d.recipient.partition(":")
            wanted.setdefault(kind, set()).add(ident)
        patients: dict[str, tuple[str, str | None, bool]] = {}
        if wanted["patient"] or wanted["chat"]:
            for row in await connection.execute(
                    RECIPIENT_PATIENTS, {"ids": sorted(wanted["patient"]), "keys": sorted(wanted["chat"])}):
                patients[f"patient:{row.id}"] = patient = (row.id, row.chat_key, row.blocked)
                if row.chat_key:
                    patients[f"chat:{row.chat_key}"] = patient
        clinicians: dict[str, str | None] = {}
        if wanted["clinician"]:
            for row in await connection.execute(RECIPIENT_CLINICIANS, {"ids": sorted(wanted["clinician"])}):
                clinicians[f"clinician:{row.id}"] = row.chat_key
        for d in deliveries:
            recipient_of(d, patients.get(d.recipient), clinicians.get(d.recipient))

    # --- send ------------------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            await self._attempt(delivery)
        except asyncio.CancelledError:
            if not delivery.started:
                await self._release(delivery)
            raise
        except StorageError as exc:
            log.error("outbox %s: could not record the outcome (%s); it may be sent again after "
                      "its lease", delivery.id, exc)
        except Exception:
            log.exception("outbox %s: unexpected error while sending", delivery.id)
        finally:
            self._busy.discard(delivery.recipient)
            self._wake.set()

    async def _attempt(self, d: Delivery) -> None:
        if d.problem is not None:
            log.warning("outbox %s: %s", d.id, d.problem)
            await self._finish(d, "failed", error=d.problem, attempted=False)
            return
        if d.blocked:
            await self._finish(d, "blocked", error="the patient has blocked the bot", attempted=False)
            return
        assert d.chat_id is not None
        started = time.perf_counter()
        try:
            message_id = await self._send(d, d.chat_id)
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            everyone = self.limiter.too_many_requests(d.chat_id, seconds)
            metrics.TELEGRAM_429.labels("bot" if everyone else "chat").inc()
            metrics.OUTBOX_RETRIES.labels("429").inc()
            log.warning("outbox %s: 429, retry after %ss (%s)", d.id, seconds,
                        "whole bot paused" if everyone else "this chat only")
            await self._reschedule(d, seconds, f"429 retry after {seconds}s", count=False)
        except Forbidden as exc:
            log.info("outbox %s: %s is unreachable (403 %s)", d.id, d.recipient, exc)
            await self._finish(d, "blocked", error=f"403: {exc}", mark_blocked=True)
        except (BadRequest, ChatMigrated) as exc:
            log.error("outbox %s: Telegram refused the message (%s)", d.id, exc)
            await self._finish(d, "failed", error=f"400: {exc}")
        except InvalidToken as exc:
            log.error("outbox %s: Telegram rejected the bot token (%s); retrying later", d.id, exc)
            await self._retry_or_fail(d, f"token rejected: {exc}")
        except (NetworkError, TelegramError) as exc:
            log.warning("outbox %s: %s: %s", d.id, exc.__class__.__name__, exc)
            await self._retry_or_fail(d, f"{exc.__class__.__name__}: {exc}")
        except OSError as exc:
            log.error("outbox %s: cannot read %s (%s)", d.id, d.photo_path, exc)
            await self._finish(d, "failed", error=f"photo unreadable: {exc}", attempted=False)
        else:
            metrics.TELEGRAM_SEND_SECONDS.observe(time.perf_counter() - started)
            await self._finish(d, "sent", external_id=str(message_id))

    async def _send(self, d: Delivery, chat_id: int) -> int:
        """Send the row's pieces in order (a photo, then text parts; buttons on the last); the
        last message's id. Each piece that arrives is recorded before the next goes, so a retry
        after a failure part-way sends only what is still missing."""
        pieces = await self._pieces(d)
        markup = inline_keyboard(d.buttons)
        message_id = 0
        for index, (photo, text) in enumerate(pieces):
            if index < d.parts_sent:
                continue
            last = index == len(pieces) - 1
            paid = self.options.paid_broadcast
            slot = await self.limiter.acquire(chat_id, urgent=d.priority <= PRIORITY_REPLY)
            d.started = True
            try:
                if photo is not None:
                    message_id = (await self.bot.send_photo(
                        chat_id, photo, caption=text or None, reply_markup=markup if last else None,
                        allow_paid_broadcast=paid or None)).message_id
                else:
                    message_id = await self.bot.send_text(chat_id, text, markup if last else None, paid)
            finally:
                self.limiter.done(slot)
            if not last:
                d.parts_sent = index + 1
                await self._update(d, {"parts_sent": d.parts_sent})
        return message_id

    async def _pieces(self, d: Delivery) -> list[tuple[bytes | None, str]]:
        """(photo bytes or None, text) for each Telegram message this row becomes. A caption
        too long for a photo goes out as text after it."""
        parts: list[tuple[bytes | None, str]] = []
        text = d.text
        if d.kind == "photo" and d.photo_path:
            photo = await self._photo(d)
            caption = text if len(text) <= MAX_CAPTION_CHARS else ""
            parts.append((photo, caption))
            text = "" if caption or not text else text
            if not text:
                return parts
        parts.extend((None, part) for part in split_text(text or "…", MAX_MESSAGE_CHARS))
        return parts

    async def _photo(self, d: Delivery) -> bytes:
        """The image stored with the row; the file it was drawn to only for older rows."""
        async with self.db.transaction() as session:
            stored = await session.scalar(select(Outbox.photo).where(Outbox.id == d.id))
        if stored is not None:
            return bytes(stored)
        assert d.photo_path is not None
        return await asyncio.to_thread(Path(d.photo_path).read_bytes)

    # --- outcomes --------------------------------------------------------------------------

    async def _retry_or_fail(self, d: Delivery, error: str) -> None:
        attempts = d.attempts + 1
        if attempts >= self.options.max_attempts:
            log.error("outbox %s: giving up after %d attempts: %s", d.id, attempts, error)
            await self._finish(d, "failed", error=error)
            return
        metrics.OUTBOX_RETRIES.labels("error").inc()
        delay = min(self.options.backoff_base_s * 2 ** (attempts - 1), self.options.backoff_max_s)
        await self._reschedule(d, delay * random.uniform(0.8, 1.2), error, count=True)

    async def _reschedule(self, d: Delivery, delay_s: float, error: str, count: bool) -> None:
        at = self.clock.now() + timedelta(seconds=delay_s)
        values: dict[str, Any] = {"next_attempt_at": at, "last_error": error[:2000]}
        if count:
            values["attempts"] = Outbox.attempts + 1
        await self._update(d, values)

    async def _release(self, d: Delivery) -> None:
        """Shutting down before this row was sent: make it due again at once."""
        try:
            await self._update(d, {"next_attempt_at": self.clock.now()}, persist=False)
        except Exception:
            log.debug("outbox %s: lease kept (will be retried after it ends)", d.id)

    async def _finish(
        self, d: Delivery, status: str, *, external_id: str | None = None, error: str | None = None,
        mark_blocked: bool = False, attempted: bool = True,
    ) -> None:
        metrics.OUTBOX_FINISHED.labels(status, metrics.priority_name(d.priority)).inc()
        if status == "sent":
            await self._mark_sent(d, external_id)
            return
        values: dict[str, Any] = {"status": status}
        if attempted:
            values["attempts"] = Outbox.attempts + 1
        if error is not None:
            values["last_error"] = error[:2000]
        await self._update(d, values, block_patient=mark_blocked)

    async def _mark_sent(self, d: Delivery, external_id: str | None) -> None:
        """`sent` marks are written together, MARK_BATCH_S apart: one transaction for many
        messages. The send's task waits until its mark is committed."""
        self._sent_marks.append({"row": d.id, "status": "sent", "sent_at": self.clock.now(),
                                 "external_id": external_id, "last_error": None,
                                 "attempts": d.attempts + 1})
        if d.alert:
            self._sent_alerts.append(d.id)
        if self._marks_written is None:
            self._marks_written = asyncio.get_running_loop().create_future()
            writer = asyncio.create_task(self._write_marks())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        await asyncio.shield(self._marks_written)

    async def _write_marks(self) -> None:
        await asyncio.sleep(MARK_BATCH_S)
        marks, self._sent_marks = self._sent_marks, []
        alerts, self._sent_alerts = self._sent_alerts, []
        written, self._marks_written = self._marks_written, None
        assert written is not None
        while True:
            try:
                if alerts:  # the marks and the audit trail's entries, together
                    async with self.guard.hold(), self.db.transaction() as session:
                        await (await session.connection()).execute(MARK_SENT, marks)
                        await audit_alert_deliveries(session, alerts, "delivered", self.clock.now())
                else:  # each mark stands alone: no transaction around them (one round trip)
                    async with self.guard.hold(), self.db.single_statement() as connection:
                        await connection.execute(MARK_SENT, marks)
                written.set_result(None)
                return
            except StorageError as exc:
                if self._stopping:
                    written.set_exception(exc)
                    return
                log.warning("database unavailable while recording %d sent message(s); retrying", len(marks))
                await asyncio.sleep(MARK_RETRY_S)
            except Exception as exc:
                written.set_exception(exc)
                return

    async def _update(self, d: Delivery, values: dict[str, Any], persist: bool = True,
                      block_patient: bool = False) -> None:
        """Record an outcome; while the database is down, keep trying (a lost mark means a
        duplicate send later), unless shutting down."""
        while True:
            try:
                async with self.guard.hold(), self.db.transaction() as session:
                    await session.execute(update(Outbox).where(Outbox.id == d.id).values(**values))
                    if d.alert and values.get("status") in ("failed", "blocked"):
                        await audit_alert_deliveries(session, [d.id], "delivery_failed", self.clock.now())
                    if block_patient:
                        await self._block(session, d)
                return
            except StorageError:
                if not persist or self._stopping:
                    raise
                log.warning("outbox %s: database unavailable while recording; retrying", d.id)
                await asyncio.sleep(MARK_RETRY_S)

    async def _block(self, session: Any, d: Delivery) -> None:
        if d.patient_id is not None:
            await session.execute(update(Patient).where(Patient.id == d.patient_id).values(blocked=True))
            log.info("patient %s blocked the bot; no more messages until they come back", d.patient_id)
        elif d.recipient.startswith("clinician:"):
            log.error("clinician %s has blocked the bot: alerts can't reach them on Telegram",
                      d.recipient.split(":", 1)[1])


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter's seconds (PTB 22 holds a timedelta; the public property may warn)."""
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, timedelta):
        return max(value.total_seconds(), 0.0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = exc.retry_after
    return max(raw.total_seconds() if isinstance(raw, timedelta) else float(raw), 0.0)


def split_text(text: str, limit: int) -> list[str]:
    """Text cut into messages of at most `limit` characters, at line ends where possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts
