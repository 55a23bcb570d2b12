"""End-to-end benchmark: simulated patients talking to the real bot through the Bot API emulator.

The bot runs as its own process (the production TelegramChannel, long polling, PostgreSQL);
this process runs the emulator and the patients. Printed:
- saturated: every patient sends again as soon as answered (closed loop): updates/s handled
  end to end, and update -> reply latency (mostly queueing, at this load);
- offered rates: updates arrive at a fixed rate, patients in turn (open loop): update -> reply
  latency when the bot keeps up;
- for each, CPU per update: the bot's process, and the PostgreSQL backends serving its database.
Latency runs from the update being available at "Telegram" to the reply arriving there; the
emulator answers at once, so Telegram's own latency is excluded. It is also split in two: the
wait until the bot's getUpdates took the update (the poll's gather), and fetched -> reply. The sender's Telegram limits
are lifted for this run (they cap replies at 30/s; bench/sender_bench.py measures the sender
within them). Both processes run on the loop `coachbot run` serves on (bot.eventloop: uvloop
where installed).

    python bench/e2e_bench.py [--patients 1000] [--messages 3] [--rate N ...] [--seconds 10]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--rasa-url URL[,URL...]]

--rasa-url: the bot reads each message's intents from these Rasa workers, as it runs with
RASA_URL (every patient message is free text: a short note, "note 3 from 100042"). Printed at
the end, from the bot's own metrics: how many messages got Rasa's intents and how many went
without (saturated, timeout, error, skipped with the breakers open), and how often a breaker
opened.

Creates a database of its own and drops it afterwards. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres import admin
from bot import PROJECT_ROOT, eventloop
from bot.config import Settings, load_settings

if TYPE_CHECKING:
    from tests.e2e.emulator import BotApiEmulator

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "project"
FIRST_CHAT = 100_000


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_settings(rasa_url: str | None = None) -> Settings:
    return replace(load_settings({}), dialogues_dir=FIXTURE / "dialogues", content_dir=FIXTURE / "content",
                   rasa_url=rasa_url)


def nlu_summary() -> str:
    """What the bot's Rasa client did, from its metrics (bot.metrics): one line."""
    from bot.metrics import NLU_OUTCOMES, REGISTRY

    samples = [s for metric in REGISTRY.collect() for s in metric.samples]

    def total(name: str, **labels: str) -> int:
        return int(sum(s.value for s in samples
                       if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())))

    outcomes = ", ".join(f"{o} {total('coachbot_nlu_seconds_count', outcome=o)}" for o in NLU_OUTCOMES)
    return (f"bot's Rasa requests: {outcomes}; not sent, every worker busy "
            f"{total('coachbot_nlu_saturated_total', reason='busy')}; skipped with every breaker open "
            f"{total('coachbot_nlu_skipped_total')}; breaker opens {total('coachbot_nlu_circuit_opens_total')}")


# --- the bot side (a child process) -------------------------------------------------------------

async def serve_bot(database_url: str, api: str, token: str, data_dir: Path, rasa_url: str | None) -> None:
    from bot.app import settle
    from bot.telegram.channel import ChannelOptions, TelegramChannel, build_application
    from bot.telegram.sender import SenderOptions
    from tests.e2e.conftest import make_service

    settings = replace(bench_settings(rasa_url), data_dir=data_dir)
    options = ChannelOptions(sender=SenderOptions(messages_per_second=0, chat_interval_s=0, margin_s=0))
    service = await make_service(settings, database_url)
    application = build_application(token, api, options.http)
    await application.initialize()
    channel = TelegramChannel(service, application, options)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await channel.start()
    settle(service)  # as `coachbot run` does once it serves
    print("ready", flush=True)
    await stop.wait()
    if rasa_url:
        print(nlu_summary(), flush=True)
    await channel.stop()
    await service.close()
    await application.shutdown()


# --- the Telegram side (this process) ------------------------------------------------------------

async def seed(database_url: str, patients: int, data_dir: Path) -> None:
    from bot.clock import SystemClock
    from bot.storage.models import Clinician, Group, GroupClinician, Patient
    from tests.e2e.conftest import make_service

    service = await make_service(replace(bench_settings(), data_dir=data_dir), database_url)
    now = SystemClock().now()
    async with service.db.transaction() as session:
        session.add(Clinician(id="c1", name="Dr Ada", chat_key="tg:99", created_at=now))
        session.add(Group(id="g1", name="Group", programme="default", encouragement=False, created_at=now))
        await session.flush()
        session.add(GroupClinician(group_id="g1", clinician_id="c1"))
        for i in range(patients):
            chat = FIRST_CHAT + i
            session.add(Patient(id=f"tg{chat}", chat_key=f"tg:{chat}", name=f"P{i}", group_id="g1",
                                status="active", crisis_open=False, blocked=False, enrolled_at=now,
                                timezone="UTC", checkin_time="09:00", locale="en"))
    await service.close()


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc (None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def postgres_cpu(admin_url: str, database: str) -> dict[int, float]:
    """CPU time so far of each PostgreSQL backend serving `database` (the bot's pool), by pid;
    empty where /proc cannot be read. Backends that close meanwhile are missed."""
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        pids = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
    finally:
        await conn.close()
    return {pid: used for (pid,) in pids if (used := cpu_seconds(pid)) is not None}


def report_cpu(pid: int, before: float | None, updates: int, elapsed: float,
               postgres: tuple[dict[int, float], dict[int, float]] | None = None) -> None:
    """How busy the bot's process was: it runs on one core, so near 100% means CPU-bound.
    With `postgres` (backends' CPU before and after), the database's share beside it."""
    after = cpu_seconds(pid)
    if before is None or after is None or not updates:
        return
    used = after - before
    print(f"    bot process CPU: {used / updates * 1000:.2f} ms per update, "
          f"{used / elapsed * 100:.0f}% of one core")
    if postgres and postgres[1]:
        start, end = postgres
        db_used = sum(cpu - start.get(backend, 0.0) for backend, cpu in end.items())
        print(f"    PostgreSQL backends CPU: {db_used / updates * 1000:.2f} ms per update, "
              f"{db_used / elapsed * 100:.0f}% of one core ({len(end)} backends)")


@dataclass(frozen=True)
class Timing:
    """One update, from being available at "Telegram" (injected) to its reply arriving there."""

    total: float
    waiting: float
    """Until the bot's getUpdates took it: the poll's gather (bot.telegram.polling)."""


def report(name: str, timings: list[Timing]) -> None:
    def figures(latencies: list[float]) -> str:
        return (f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
                f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms")

    totals = [t.total for t in timings]
    print(f"{name}: {figures(totals)}, mean {statistics.fmean(totals) * 1000:.1f} ms, "
          f"max {max(totals) * 1000:.1f} ms")
    print(f"      waiting to be fetched {figures([t.waiting for t in timings])}; "
          f"fetched -> reply {figures([t.total - t.waiting for t in timings])}")


async def run(patients: int, messages: int, admin_url: str, rates: list[int], paced_seconds: float,
              rasa_url: str | None = None) -> None:
    from tests.e2e.emulator import BotApiEmulator, Sent

    name = f"coachbot_bench_{uuid.uuid4().hex[:8]}"
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    database_url = f"{base}/{name}"
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    data_dir = Path(f"/tmp/{name}")
    emulator = BotApiEmulator()
    await emulator.start()
    child: asyncio.subprocess.Process | None = None
    try:
        await seed(database_url, patients, data_dir)
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "LOG_LEVEL": "WARNING"}
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve-bot", database_url, emulator.base_url, emulator.token,
            str(data_dir), rasa_url or "", env=env, stdout=asyncio.subprocess.PIPE)
        assert child.stdout is not None
        await asyncio.wait_for(child.stdout.readline(), 60)

        replies: dict[int, asyncio.Queue[Sent]] = {FIRST_CHAT + i: asyncio.Queue() for i in range(patients)}
        emulator.on_send.append(lambda sent: replies[sent.chat_id].put_nowait(sent)
                                if sent.chat_id in replies else None)
        chats = list(replies)

        async def say(chat: int, n: int) -> Timing:
            update_id = emulator.user_sends(chat, f"note {n} from {chat}")
            reply = await asyncio.wait_for(replies[chat].get(), 300)
            injected, fetched = emulator.injected_at[update_id], emulator.fetched_at[update_id]
            return Timing(reply.at - injected, fetched - injected)

        async def patient(chat: int, rounds: int, into: list[Timing]) -> None:
            for n in range(rounds):
                into.append(await say(chat, n))

        await asyncio.gather(*(patient(chat, 1, []) for chat in chats))  # warm-up
        # This process (emulator and patients) keeps a record of every message; its own garbage
        # collections then pause it for up to 130 ms (measured), which would count as the bot's
        # latency. The set-up stays out of the collector's sight, and it does not run meanwhile.
        gc.collect()
        gc.freeze()
        gc.disable()
        print(f"e2e: {patients} patients, PostgreSQL, bot in its own process (sender limits lifted), "
              f"{os.cpu_count()} CPUs, {'Rasa at ' + rasa_url if rasa_url else 'no Rasa'}")

        saturated: list[Timing] = []
        db_cpu = await postgres_cpu(admin_url, name)
        cpu = cpu_seconds(child.pid)
        started = time.monotonic()
        await asyncio.gather(*(patient(chat, messages, saturated) for chat in chats))
        elapsed = time.monotonic() - started
        db_cpu_after = await postgres_cpu(admin_url, name)
        capacity = len(saturated) / elapsed
        print(f"  saturated (every patient sends again as soon as answered, {messages} each): "
              f"{capacity:,.0f} updates/s ({len(saturated)} updates in {elapsed:.1f} s)")
        report("    update -> reply", saturated)
        report_cpu(child.pid, cpu, len(saturated), elapsed, (db_cpu, db_cpu_after))

        sent = 0
        for rate in rates or [round(capacity * 0.5)]:
            paced: list[Timing] = []
            count = max(int(rate * paced_seconds), 1)
            tasks = []
            db_cpu = await postgres_cpu(admin_url, name)
            cpu = cpu_seconds(child.pid)
            started = time.monotonic()
            for k in range(count):
                await asyncio.sleep(max(started + k / rate - time.monotonic(), 0))
                tasks.append(asyncio.create_task(patient(chats[k % len(chats)], 1, paced)))
            await asyncio.gather(*tasks)
            elapsed = time.monotonic() - started
            db_cpu_after = await postgres_cpu(admin_url, name)
            sent += count
            print(f"  offered {rate} updates/s for {paced_seconds:.0f} s ({count} updates, patients in turn):")
            report("    update -> reply", paced)
            report_cpu(child.pid, cpu, count, elapsed, (db_cpu, db_cpu_after))
        await check(database_url, emulator, patients * (messages + 1) + sent)
    finally:
        if child is not None and child.returncode is None:
            child.send_signal(signal.SIGTERM)
            assert child.stdout is not None
            last_words = await asyncio.wait_for(child.stdout.read(), 60)
            await asyncio.wait_for(child.wait(), 60)
            if last_words.strip():
                print(f"  {last_words.decode().strip()}")
        await emulator.stop()
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def check(database_url: str, emulator: BotApiEmulator, expected: int) -> None:
    """Exactly once: every update handled once, every reply sent once."""
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for _ in range(100):  # the sender records a message's status just after sending it
            if not await conn.fetchval("SELECT count(*) FROM outbox WHERE status = 'pending'"):
                break
            await asyncio.sleep(0.1)
        inbox = await conn.fetch("SELECT status, count(*) AS n FROM inbox GROUP BY status")
        outbox = await conn.fetch("SELECT status, count(*) AS n FROM outbox GROUP BY status")
    finally:
        await conn.close()
    sent = sum(len(v) for v in emulator.sent.values())
    print(f"  check: {expected} updates expected; inbox {dict(inbox)}; outbox {dict(outbox)}; "
          f"messages received by the emulator {sent}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-bot":
        database_url, api, token, data_dir, rasa_url = sys.argv[2:7]
        eventloop.run(serve_bot(database_url, api, token, Path(data_dir), rasa_url or None))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=3, help="saturated: messages per patient")
    parser.add_argument("--rate", type=int, action="append", default=[],
                        help="also offer this many updates/s and measure latency (default: half the "
                             "saturated rate; repeat for several)")
    parser.add_argument("--seconds", type=float, default=10, help="how long each offered rate runs")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--rasa-url", default=None,
                        help="Rasa workers for the bot (one URL or several, comma-separated)")
    args = parser.parse_args()
    eventloop.run(run(args.patients, args.messages, args.admin_url, args.rate, args.seconds, args.rasa_url))


if __name__ == "__main__":
    main()
