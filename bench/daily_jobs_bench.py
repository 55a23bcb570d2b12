"""Daily jobs benchmark: N patients whose check-ins are all due at the same minute, on PostgreSQL.

Each size gets a database of its own: N active patients in groups of ten (encouragement on,
as a group opts in), enrolled a few days ago with those days' history (`HISTORY`), each with
its daily job due now. Timed: the scheduler's rounds (`Coachbot.run_due_jobs`, as
bot.telegram.channel calls it) until no job is due. Printed: patients/s, seconds in all,
outbox rows written, the CPU the database's backends for this run used (PostgreSQL CPU, from
/proc), and this process's CPU. With
--with-sender the outbox sender drains the outbox into the Bot API emulator (its own process)
while the jobs run, as in production: within Telegram's limits (30 messages/s), or with
--sender-unlimited as fast as it can (the emulator counts, never refuses).

    python bench/daily_jobs_bench.py [--patients 10000 ...] [--with-sender | --sender-unlimited] [--limit N]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

`--patients` repeats (or takes a comma list: 1000,10000,100000). Databases are dropped
afterwards. Figures, not assertions (the target in issue #23: >= 1,000 patients/s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres import admin
from bot import PROJECT_ROOT, eventloop
from bot.config import load_settings

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN = "123456:TEST-token_emulator"
GROUP_SIZE = 10
FIRST_CHAT = 300_000


def backend_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) these processes have used so far (0 for one that is gone)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
    return total


async def backends(admin_url: str, name: str) -> list[int]:
    """The PostgreSQL backends serving database `name` now."""
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
        return [int(row["pid"]) for row in rows]
    finally:
        await conn.close()


async def seed(service: Any, patients: int, now: Any) -> None:
    """Patients, groups and their due daily jobs, written with one INSERT per table."""
    from sqlalchemy import insert

    from bot.storage.models import Clinician, Group, GroupClinician, Job, Patient

    enrolled = now - timedelta(days=3, hours=1)
    hhmm = f"{now.hour:02d}:{now.minute:02d}"
    groups = (patients + GROUP_SIZE - 1) // GROUP_SIZE
    async with service.db.transaction() as session:
        session.add(Clinician(id="c1", name="Dr Ada", chat_key="tg:99", created_at=now))
        await session.flush()
        await session.execute(insert(Group), [
            {"id": f"g{g}", "name": f"Group {g}", "programme": "default", "encouragement": True,
             "created_at": now} for g in range(groups)])
        await session.execute(insert(GroupClinician), [
            {"group_id": f"g{g}", "clinician_id": "c1"} for g in range(groups)])
        for start in range(0, patients, 10_000):
            chunk = range(start, min(patients, start + 10_000))
            await session.execute(insert(Patient), [
                {"id": f"tg{FIRST_CHAT + i}", "chat_key": f"tg:{FIRST_CHAT + i}", "name": f"P{i}",
                 "group_id": f"g{i // GROUP_SIZE}", "status": "active", "crisis_open": False,
                 "blocked": False, "enrolled_at": enrolled, "timezone": "UTC", "checkin_time": hhmm,
                 "locale": "en" if i % 3 else "de"} for i in chunk])
            await session.execute(insert(Job), [
                {"kind": "daily", "due_at": now, "patient_id": f"tg{FIRST_CHAT + i}", "payload": {},
                 "status": "pending", "unique_key": f"daily:tg{FIRST_CHAT + i}:{now.isoformat()}",
                 "attempts": 0} for i in chunk])


HISTORY_DAYS = 3
HISTORY = """
INSERT INTO conversations (patient_id, dialogue, version, state, seq, vars, status, reminded, started_at, updated_at)
  SELECT p.id, 'daily_checkin', 'seed', 'end', 3, '{{}}', 'finished', false,
         $1::timestamptz - make_interval(days => d), $1::timestamptz - make_interval(days => d) + interval '5 minutes'
  FROM patients p, generate_series(1, {days}) d;
INSERT INTO audit (at, actor, action, patient_id, detail)
  SELECT $1::timestamptz - make_interval(days => d) + make_interval(mins => n), 'coachbot', 'unprompted', p.id,
         '{{"kind": "checkin", "what": "daily_checkin"}}'
  FROM patients p, generate_series(1, {days}) d, generate_series(0, 1) n;
INSERT INTO answers (patient_id, dialogue, key, value, at)
  SELECT p.id, CASE WHEN n = 0 THEN 'daily_checkin' ELSE 'daily_exercise' END,
         CASE WHEN n = 0 THEN 'checkin.mood' ELSE 'exercise.outcome' END,
         (CASE WHEN n = 0 THEN '"ok"' ELSE '"done"' END)::json,
         $1::timestamptz - make_interval(days => d) + interval '3 minutes'
  FROM patients p, generate_series(1, {days}) d, generate_series(0, 1) n
  WHERE right(p.id, 2) <> '00';
"""
"""What the patients did on the days before (their earlier check-ins, the budget they spent,
their answers and exercises; one in a hundred never answered, so their missed-days nudge
and the team's alert come today), written by the database itself: the tables are the size
they would be, and the planner knows it (ANALYZE)."""


async def history(url: str, now: Any) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in HISTORY.format(days=HISTORY_DAYS).split(";"):
            if statement.strip():
                await conn.execute(statement, now)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def one_size(patients: int, admin_url: str, limit: int, with_sender: bool, unlimited: bool) -> None:
    from sqlalchemy import func, select

    from bot.app import build_service
    from bot.clock import SimulatedClock, SystemClock
    from bot.storage.models import Job, Outbox

    name = f"coachbot_bench_{uuid.uuid4().hex[:8]}"
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    data_dir = Path(f"/tmp/{name}")
    now = SystemClock().now().replace(second=0, microsecond=0)
    settings = replace(load_settings({}), rasa_url=None, data_dir=data_dir)
    service = await build_service(settings, f"{base}/{name}", SimulatedClock(now), data_dir)
    emulator: asyncio.subprocess.Process | None = None
    sender_task: asyncio.Task[None] | None = None
    sender: Any = None
    application: Any = None
    try:
        await seed(service, patients, now)
        await history(f"{admin_url.rsplit('/', 1)[0]}/{name}", now)
        await service.db.dispose()  # the run's backends are new ones: their CPU is the run's
        if with_sender:
            from bot.telegram.channel import build_application
            from bot.telegram.locking import WriteGuard
            from bot.telegram.sender import Sender, SenderOptions

            emulator = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.e2e.emulator", "--token", TOKEN, cwd=str(PROJECT_ROOT),
                stdout=asyncio.subprocess.PIPE)
            assert emulator.stdout is not None
            port = int((await asyncio.wait_for(emulator.stdout.readline(), 30)).decode())
            application = build_application(TOKEN, f"http://127.0.0.1:{port}/bot")
            await application.initialize()
            options = SenderOptions(messages_per_second=0, chat_interval_s=0, margin_s=0) if unlimited \
                else SenderOptions()
            sender = Sender(application.bot, service.db, SystemClock(), WriteGuard(service.db), options)
            sender_task = asyncio.create_task(sender.run())
        started, own = time.monotonic(), time.process_time()
        rounds = 0
        while True:
            ran = await service.run_due_jobs(worker="bench", limit=limit)
            rounds += 1
            if sender is not None and ran:
                sender.wake()
            if ran == 0:
                break
        elapsed, own = time.monotonic() - started, time.process_time() - own
        cpu = backend_cpu(await backends(admin_url, name))
        async with service.db.transaction() as session:
            left = await session.scalar(select(func.count()).select_from(Job).where(
                Job.status == "pending", Job.due_at <= now))
            outbox = dict((await session.execute(
                select(Outbox.status, func.count()).group_by(Outbox.status))).all())
        mode = "no sender" if not with_sender else \
            f"the sender draining the outbox{', limits lifted' if unlimited else ' at 30/s'}"
        print(f"{patients:,} patients due at one minute ({mode}): {patients / elapsed:,.0f} patients/s, "
              f"{elapsed:.1f} s ({rounds} rounds of up to {limit}); due jobs left {left}; outbox {outbox}; "
              f"PostgreSQL CPU {cpu:.1f} s ({cpu / patients * 1000:.2f} ms per patient, "
              f"{cpu / elapsed * 100:.0f}% of a core); this process's CPU {own:.1f} s "
              f"({own / patients * 1000:.2f} ms per patient)", flush=True)
    finally:
        if sender is not None:
            await sender.stop()
        if sender_task is not None:
            sender_task.cancel()
            await asyncio.gather(sender_task, return_exceptions=True)
        if application is not None:
            await application.shutdown()
        await service.close()
        if emulator is not None:
            emulator.terminate()
            await emulator.wait()
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(sizes: list[int], admin_url: str, limit: int, with_sender: bool, unlimited: bool) -> None:
    for patients in sizes:
        await one_size(patients, admin_url, limit, with_sender or unlimited, unlimited)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", action="append", default=[],
                        help="patients due at the same minute (repeat, or 1000,10000; default 10000)")
    parser.add_argument("--with-sender", action="store_true",
                        help="the sender drains the outbox meanwhile, within Telegram's limits (30/s)")
    parser.add_argument("--sender-unlimited", action="store_true",
                        help="the sender drains it as fast as it can (limits lifted): the heaviest sender")
    parser.add_argument("--limit", type=int, default=0,
                        help="jobs per run_due_jobs call (default: the scheduler's on PostgreSQL)")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    sizes = [int(n) for arg in args.patients for n in arg.split(",") if n.strip()] or [10_000]
    from bot.telegram import channel

    per_turn = getattr(channel, "JOBS_PER_TURN_ROW_LOCKS", channel.JOBS_PER_TURN)  # (older trees: 20)
    eventloop.run(run(sizes, args.admin_url, args.limit or per_turn, args.with_sender, args.sender_unlimited))


if __name__ == "__main__":
    main()
