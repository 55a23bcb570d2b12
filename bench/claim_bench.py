"""Outbox claim benchmark: what one claim costs PostgreSQL as the queue grows.

For each size, a fresh database gets that many pending outbox rows (set-based INSERT ... SELECT
generate_series): a quarter as many patients' chats (so four rows each, on average), mixed
priorities (crisis 0.5%, replies 10%, alerts 5%, scheduled 64.5%, bulk 15%), 5% strangers'
rows (`chat:…`, priority 9), 5% set for tomorrow, the rest due over the last hour. Then the
sender's claim of patients' rows (16 at a time, as bot.telegram.sender.Sender) runs again and
again, in steady state: after each claim its rows are marked sent (MARK_SENT, on another
connection) and as many new rows are queued, so the queue stays at its size. Measured per
claim, on the claim's own connection only: the PostgreSQL backend's CPU time
(/proc/<pid>/schedstat, nanoseconds; postgres runs on this machine) and the round trip's wall
time. Also the other connection's CPU per row marked sent and per row queued: what the marks
and indexes the new claim relies on cost the writes.

With --old, a second database filled the same way but migrated only to 0007 (the schema before
the claim's indexes and triggers) runs the claim of that time (a window ranking every pending
row; kept here only), in blocks alternating with the new one's. Each block stops after
--claims claims or --budget seconds (at least 3 claims).

    python bench/claim_bench.py [--sizes 1000,10000,100000,1000000] [--claims 200] [--rounds 2]
        [--old] [--old-sizes 1000,10000,100000] [--budget 30] [--jit on|off]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Prints one line per size and claim: backend CPU per claim (median over all its claims, and
the range of its blocks' medians, and the mean), wall time per claim (the same), rows per
claim, then CPU per row marked sent and per row queued. Creates its databases and drops them
afterwards. Figures, not assertions; a shared machine is noisy: compare the blocks of one run,
and repeat runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command
from sqlalchemy import Table, bindparam, func, select, text, update

from bench.postgres import admin
from bot import eventloop
from bot.clock import SystemClock
from bot.storage.db import Database, alembic_config
from bot.storage.lists import not_in_list
from bot.storage.models import Outbox
from bot.telegram.sender import CLAIMED_COLUMNS, MARK_SENT, STRANGERS, claim_statement, with_recipients

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LIMIT = 16
OUTBOX = cast(Table, Outbox.__table__)


def old_claim_statement(db: Database, strangers: bool = False) -> Any:
    """The claim as it was before migration 0008 (its PostgreSQL form, recipients resolved as
    in the new one): every pending row of the lane ranked per recipient by a window, the first
    of each kept, then ordered by priority and id."""
    of_strangers = Outbox.recipient.startswith(STRANGERS)
    ranked = select(
        Outbox.id, Outbox.recipient, Outbox.priority, Outbox.next_attempt_at,
        func.row_number().over(partition_by=Outbox.recipient, order_by=(Outbox.priority, Outbox.id)).label("place"),
    ).where(Outbox.status == "pending", of_strangers if strangers else ~of_strangers).subquery()
    heads = (select(ranked.c.id)
             .where(ranked.c.place == 1, ranked.c.next_attempt_at <= bindparam("now"),
                    not_in_list(ranked.c.recipient, "busy"))
             .order_by(ranked.c.priority, ranked.c.id).limit(bindparam("limit")))
    claimable = db.locked(select(OUTBOX.c.id).where(
        OUTBOX.c.id.in_(heads.scalar_subquery()), OUTBOX.c.status == "pending",
        OUTBOX.c.next_attempt_at <= bindparam("now")), skip_locked=True)
    return with_recipients((update(OUTBOX).where(OUTBOX.c.id.in_(claimable.scalar_subquery()))
                            .values(next_attempt_at=bindparam("lease")).returning(*CLAIMED_COLUMNS)).cte("claimed"))


ROWS = """
INSERT INTO outbox (recipient, kind, text, buttons, priority, status, attempts, parts_sent,
                    next_attempt_at, created_at)
SELECT CASE WHEN g % 20 = 0 THEN 'chat:tg:s' || (g % :strangers)
            ELSE 'patient:bench' || ((g * 7919) % :chats) END,
       'message', 'Good morning! How did the exercise go?', '[]',
       CASE WHEN g % 20 = 0 THEN 9
            WHEN h < 5 THEN 0 WHEN h < 105 THEN 1 WHEN h < 155 THEN 2 WHEN h < 850 THEN 5 ELSE 8 END,
       'pending', 0, 0,
       CASE WHEN :fresh THEN now()
            WHEN g % 20 = 7 THEN now() + interval '1 day'
            ELSE now() - make_interval(secs => g % 3600) END,
       now()
FROM (SELECT g, (g * 2654435761) % 1000 AS h FROM generate_series(CAST(:first AS bigint), :last) AS g) AS s
"""
"""`:last - :first + 1` rows as described in the module's docstring; `fresh` ones due now."""
PATIENTS = """
INSERT INTO patients (id, chat_key, name, timezone, checkin_time, locale, status, crisis_open,
                      blocked, enrolled_at)
SELECT 'bench' || c, 'tg:' || (1000000 + c), 'P', 'UTC', '09:00', 'en', 'active', false, false, now()
FROM generate_series(0, :chats - 1) AS c
"""


@dataclass
class Block:
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    claimed: int = 0
    mark_ms: float = 0.0
    """The other connection's CPU marking the claimed rows sent (all of them)."""
    queue_ms: float = 0.0
    """The other connection's CPU queueing as many new rows (all of them)."""


def backend_cpu_ns(pid: int) -> int:
    """CPU time of a process so far, from /proc/<pid>/schedstat (ns); else utime+stime."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


class Queue:
    """A filled database, its claim, and the two connections the bench uses on it."""

    def __init__(self, name: str, db: Database, size: int, old: bool) -> None:
        self.name, self.db, self.size = name, db, size
        self.chats, self.strangers = max(size // 4, 10), max(size // 80, 5)
        self.statement = old_claim_statement(db) if old else claim_statement(db)
        self.next_row = size + 1
        self.claiming: Any = None
        self.other: Any = None
        self.pids = (0, 0)

    async def open(self, jit: bool) -> None:
        self.claiming = await self.db.autocommit.connect()
        self.other = await self.db.autocommit.connect()
        pid = "SELECT pg_backend_pid()"
        self.pids = (int((await self.claiming.execute(text(pid))).scalar_one()),
                     int((await self.other.execute(text(pid))).scalar_one()))
        backend_cpu_ns(self.pids[0])  # readable, or fail now
        if not jit:
            await self.claiming.execute(text("SET jit = off"))

    async def close(self) -> None:
        for connection in (self.claiming, self.other):
            if connection is not None:
                await connection.close()
        await self.db.dispose()

    async def claim(self, block: Block) -> None:
        now = SystemClock().now()
        params = {"now": now, "busy": [], "limit": LIMIT, "lease": now + timedelta(seconds=5)}
        cpu = backend_cpu_ns(self.pids[0])
        started = time.perf_counter()
        rows = list(await self.claiming.execute(self.statement, params))
        block.wall_ms.append((time.perf_counter() - started) * 1000)
        block.cpu_ms.append((backend_cpu_ns(self.pids[0]) - cpu) / 1e6)
        block.claimed += len(rows)
        await self._replace([r.id for r in rows], block)

    async def _replace(self, ids: list[int], block: Block) -> None:
        """The claimed rows are sent; as many new ones are queued (due now)."""
        if not ids:
            return
        now = SystemClock().now()
        cpu = backend_cpu_ns(self.pids[1])
        await self.other.execute(MARK_SENT, [{"row": i, "status": "sent", "sent_at": now, "external_id": "1",
                                              "last_error": None, "attempts": 1} for i in ids])
        marked = backend_cpu_ns(self.pids[1])
        first, self.next_row = self.next_row, self.next_row + len(ids)
        await self.other.execute(text(ROWS), {"first": first, "last": self.next_row - 1, "chats": self.chats,
                                              "strangers": self.strangers, "fresh": True})
        block.mark_ms += (marked - cpu) / 1e6
        block.queue_ms += (backend_cpu_ns(self.pids[1]) - marked) / 1e6

    async def block(self, claims: int, budget_s: float) -> Block:
        block = Block()
        deadline = time.monotonic() + budget_s
        for n in range(claims):
            await self.claim(block)
            if n >= 2 and time.monotonic() > deadline:
                break
        return block

    async def pending(self) -> int:
        async with self.db.transaction() as session:
            return int(await session.scalar(select(func.count()).where(Outbox.status == "pending")) or 0)


async def filled(admin_url: str, size: int, old: bool) -> Queue:
    """A database of its own, at the newest schema (or 0007 for the old claim), filled."""
    name = f"coachbot_claim_{uuid.uuid4().hex[:8]}"
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    db = Database(f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}")
    queue = Queue(name, db, size, old)
    revision = "0007" if old else "head"

    def migrate(connection: Any) -> None:
        config = alembic_config(db.url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    started = time.monotonic()
    async with db.engine.begin() as connection:
        await connection.run_sync(migrate)
    async with db.transaction() as session:
        await session.execute(text(PATIENTS), {"chats": queue.chats})
        await session.execute(text(ROWS), {"first": 1, "last": size, "chats": queue.chats,
                                           "strangers": queue.strangers, "fresh": False})
    await admin(f"{base}/{name}", "VACUUM ANALYZE")
    print(f"  {size:,} rows ({queue.chats:,} patients' chats, {queue.strangers:,} strangers'), schema {revision}: "
          f"filled in {time.monotonic() - started:.1f} s", flush=True)
    return queue


def summary(blocks: list[Block]) -> str:
    def part(values: list[list[float]], unit: str) -> str:
        medians = [statistics.median(v) for v in values if v]
        every = [x for v in values for x in v]
        return (f"{unit} {statistics.median(every):.3f} ms (blocks {min(medians):.3f}-{max(medians):.3f}, "
                f"mean {statistics.fmean(every):.3f})")

    claims = sum(len(b.wall_ms) for b in blocks)
    rows = sum(b.claimed for b in blocks)
    marks = sum(b.mark_ms for b in blocks) / max(rows, 1) * 1000
    queued = sum(b.queue_ms for b in blocks) / max(rows, 1) * 1000
    return (f"{part([b.cpu_ms for b in blocks], 'CPU')}; {part([b.wall_ms for b in blocks], 'wall')}; "
            f"{claims} claims of {rows / max(claims, 1):.1f} rows; per row marked sent {marks:.0f} us CPU, "
            f"per row queued {queued:.0f} us")


async def bench_size(admin_url: str, size: int, claims: int, rounds: int, old: bool, budget_s: float,
                     jit: bool) -> None:
    queues = {"new": await filled(admin_url, size, old=False)}
    if old:
        queues["old"] = await filled(admin_url, size, old=True)
    try:
        for queue in queues.values():
            await queue.open(jit)
            await queue.block(20 if queue is queues["new"] else 3, budget_s)  # warm: prepared statements, caches
        results: dict[str, list[Block]] = {which: [] for which in queues}
        for _ in range(rounds):
            for which, queue in queues.items():
                results[which].append(await queue.block(claims, budget_s))
        for which, blocks in results.items():
            print(f"{size:>9,} pending ({await queues[which].pending():,} at the end)  {which}: {summary(blocks)}",
                  flush=True)
    finally:
        for queue in queues.values():
            await queue.close()
            await admin(admin_url, f'DROP DATABASE IF EXISTS "{queue.name}" WITH (FORCE)')


async def run(sizes: list[int], old_sizes: set[int], claims: int, rounds: int, budget_s: float, jit: bool,
              admin_url: str) -> None:
    print(f"claim of {LIMIT} patients' rows, steady state; {rounds} round(s) of blocks of up to {claims} claims "
          f"or {budget_s:.0f} s{', new and old alternating' if old_sizes else ''}; "
          f"JIT {'on' if jit else 'off'} on the claim's connection", flush=True)
    for size in sizes:
        await bench_size(admin_url, size, claims, rounds, size in old_sizes, budget_s, jit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000",
                        help="pending rows, comma-separated (default 1000,10000,100000,1000000)")
    parser.add_argument("--claims", type=int, default=200, help="claims per block")
    parser.add_argument("--rounds", type=int, default=2, help="blocks per claim, alternating")
    parser.add_argument("--old", action="store_true", help="also the claim before migration 0008, on its schema")
    parser.add_argument("--old-sizes", default=None,
                        help="with --old: only at these sizes (default: all; the old claim takes seconds at 1M)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per block at most")
    parser.add_argument("--jit", choices=("on", "off"), default="on",
                        help="PostgreSQL's JIT on the claim's connection (on: the server's default)")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()

    def numbers(text: str) -> list[int]:
        return [int(s.replace("_", "")) for s in text.split(",") if s]

    sizes = numbers(args.sizes)
    old_sizes = set(numbers(args.old_sizes) if args.old_sizes else sizes) if args.old else set()
    eventloop.run(run(sizes, old_sizes, args.claims, args.rounds, args.budget, args.jit == "on", args.admin_url))


if __name__ == "__main__":
    main()
