"""What one /metrics scrape costs the database: `bot.metrics.read_queues` on PostgreSQL as the
tables grow (outbox, inbox and jobs of SIZE rows each, a tenth of them waiting, vacuumed as
autovacuum would), median and slowest of 7 reads per size.

    python bench/metrics_bench.py [--sizes 1000,10000,100000,1000000]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

A throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.metrics import read_queues
from bot.storage.db import Database

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
READS = 7

OUTBOX = """INSERT INTO outbox (recipient, kind, text, buttons, priority, status, attempts, parts_sent,
    next_attempt_at, created_at)
  SELECT 'patient:' || (g % 50000), 'message', 'x', '[]', (ARRAY[0, 1, 2, 5, 5, 5, 8, 9])[1 + g % 8],
         CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'sent' END, 0, 0,
         $1::timestamptz + (g % 100) * interval '1 second', $1::timestamptz
  FROM generate_series($2::int, $3::int) g"""
INBOX = """INSERT INTO inbox (update_id, chat_key, payload, status, attempts, received_at)
  SELECT g, 'tg:' || g, '{}', CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'done' END, 0, $1::timestamptz
  FROM generate_series($2::int, $3::int) g"""
JOBS = """INSERT INTO jobs (kind, due_at, payload, status, attempts)
  SELECT 'daily', $1::timestamptz + (g % 1000) * interval '1 minute', '{}',
         CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'done' END, 0
  FROM generate_series($2::int, $3::int) g"""


async def run(sizes: list[int], admin_url: str) -> None:
    name = f"coachbot_metrics_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = admin_url.rsplit("/", 1)[0]
    db = Database(f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}")
    try:
        await db.migrate()
        raw = await asyncpg.connect(f"{base}/{name}")
        now = datetime.now(UTC)
        have = 0
        for size in sorted(sizes):
            await raw.execute(OUTBOX, now - timedelta(minutes=5), have, size - 1)
            await raw.execute(INBOX, now - timedelta(minutes=1), have, size - 1)
            await raw.execute(JOBS, now - timedelta(minutes=500), have, size - 1)
            for table in ("outbox", "inbox", "jobs"):
                await raw.execute(f"VACUUM ANALYZE {table}")
            have = size
            await read_queues(db, now)
            took: list[float] = []
            for _ in range(READS):
                started = time.perf_counter()
                queues = await read_queues(db, now)
                took.append(time.perf_counter() - started)
            took.sort()
            print(f"{size:>9,} rows a table: scrape's reads median {took[READS // 2] * 1000:6.1f} ms, slowest "
                  f"{took[-1] * 1000:6.1f} ms (outbox counted {sum(queues.outbox_pending.values()):,}, inbox "
                  f"waiting {queues.inbox_pending:,}, jobs due {queues.jobs_due:,})", flush=True)
        await raw.close()
    finally:
        await db.dispose()
        admin = await asyncpg.connect(admin_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    asyncio.run(run([int(s) for s in args.sizes.split(",")], args.admin_url))


if __name__ == "__main__":
    main()
