"""Engine benchmark: 10,000 patients each in a conversation.

Prints inputs/s and p50/p99 latency for
  1. the engine alone (compiled machines, conversations as plain data, no I/O), and
  2. the engine with its state in SQLite (the service's pipeline: load the patient and the
     conversation, triage the text, step, store state, answers and outbox rows, commit),
     one input at a time and at offered loads (inputs arriving evenly, as from many phones),
     where inputs that arrive together share a transaction (bot.batching),
plus the memory used. Figures, not assertions:  python bench/engine_bench.py [--patients N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import PROJECT_ROOT, eventloop
from bot.clock import SimulatedClock
from bot.config import load_settings
from bot.content.bundle import build_bundle, collect_files
from bot.engine.engine import Conversation, Engine, Input
from bot.isotime import parse_time

SHIPPED = PROJECT_ROOT


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, latencies: list[float], elapsed: float) -> None:
    print(f"{name}: {len(latencies) / elapsed:,.0f} inputs/s; "
          f"p50 {percentile(latencies, 0.5) * 1000:.3f} ms, p99 {percentile(latencies, 0.99) * 1000:.3f} ms, "
          f"mean {statistics.fmean(latencies) * 1000:.3f} ms over {len(latencies):,} inputs")


def engine_alone(project: Path, patients: int, rounds: int) -> None:
    bundle = build_bundle(collect_files([project / "dialogues", project / "content"]))
    engine = Engine()
    dialogue = "daily_checkin"
    context = {"name": "Sam", "locale": "en"}
    conversations: list[Conversation] = []
    for _ in range(patients):
        conversations.append(engine.start(bundle, dialogue, context).conversation)
    rng = random.Random(7)
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(rounds):
        for i, conversation in enumerate(conversations):
            t0 = time.perf_counter()
            if conversation.finished:
                conversation = engine.start(bundle, dialogue, context).conversation
            else:
                spec = engine.compiled(bundle, dialogue).spec.states[conversation.state]
                if spec.buttons:
                    step = Input(kind="press", index=rng.randrange(len(spec.buttons)), seq=conversation.seq)
                else:
                    step = Input(kind="text", text="a note for today")
                conversation = engine.handle(bundle, conversation, step, context).conversation
            conversations[i] = conversation
            latencies.append(time.perf_counter() - t0)
    report("engine alone", latencies, time.perf_counter() - started)


async def with_sqlite(project: Path, patients: int, inputs: int, rates: list[float]) -> None:
    """Every input goes to a patient in a conversation; when too few are left in one, the
    clock moves to the next day's check-ins (not timed)."""
    from bot.app import build_service, settle
    from bot.seed import apply_seed

    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(load_settings({}), dialogues_dir=project / "dialogues",
                           content_dir=project / "content", data_dir=Path(tmp), rasa_url=None)
        clock = SimulatedClock(parse_time("2026-03-02T07:00:00Z"))
        bot = await build_service(settings, f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", clock, Path(tmp))
        seed = {"clinicians": [{"id": "c1", "name": "C"}], "groups": [{"id": "g1", "clinicians": ["c1"]}],
                "patients": [{"id": f"p{i}", "name": f"P{i}", "group": "g1", "timezone": "UTC",
                              "checkin_time": "08:00"} for i in range(patients)]}
        async with bot.db.transaction() as session:
            await apply_seed(bot._work(session), seed)
        day = parse_time("2026-03-02T08:00:00Z")
        clock.set(day)
        t0 = time.perf_counter()
        await bot.run_due_jobs(limit=patients * 2)
        print(f"started {patients:,} conversations in {time.perf_counter() - t0:.1f} s")
        rng = random.Random(7)
        for rate in rates:
            settle(bot)  # as `coachbot run` does once it serves; the set-up's objects stay out of GC
            waiting = await in_conversation(bot)
            if len(waiting) < inputs:  # most have finished today's: the next day's check-ins
                day += timedelta(days=1)
                clock.set(day)
                await bot.run_due_jobs(limit=patients * 4)
                waiting = await in_conversation(bot)
            chosen = dict(rng.sample(sorted(waiting.items()), min(inputs, len(waiting))))
            latencies, elapsed, batches = await offered_load(bot, rng, chosen, rate)
            label = "one at a time" if rate == 0 else f"offered {rate:,.0f}/s"
            report(f"engine + SQLite, full pipeline, {label} ({batches})", latencies, elapsed)
        await bot.close()


async def offered_load(bot: Any, rng: random.Random, chosen: dict[str, list[str]],
                       rate: float) -> tuple[list[float], float, str]:
    """One input from each chosen patient (a press on their question's buttons, or words where
    it takes words), arriving evenly at `rate` a second (0: each after the last is answered).
    Latency runs from an input's arrival to its commit."""
    from bot.service import Inbound

    arrivals = [Inbound(chat_key=key, press=rng.choice(buttons)) if buttons
                else Inbound(chat_key=key, text=f"a note for today, {key}") for key, buttons in chosen.items()]
    rng.shuffle(arrivals)
    before = (bot.batcher.batches, bot.batcher.items)
    latencies: list[float] = []

    async def one(inbound: Any, due: float) -> None:
        await bot.receive(inbound)
        latencies.append(time.perf_counter() - due)

    started = time.perf_counter()
    if rate == 0:
        for inbound in arrivals:
            await one(inbound, time.perf_counter())
    else:
        tasks = []
        for n, inbound in enumerate(arrivals):
            due = started + n / rate
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(inbound, due)))
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    batches, items = bot.batcher.batches - before[0], bot.batcher.items - before[1]
    return latencies, elapsed, f"mean batch {items / max(batches, 1):.1f} inputs"


async def in_conversation(bot: Any) -> dict[str, list[str]]:
    """Patients in a conversation, with the button data of their newest message (empty when
    the question takes words), read in two queries before a load level (not timed)."""
    from sqlalchemy import func, select

    from bot.storage.models import ConversationRow, Outbox

    async with bot.db.transaction() as session:
        active = set(await session.scalars(
            select(ConversationRow.patient_id).where(ConversationRow.status == "active")))
        newest = select(func.max(Outbox.id)).where(Outbox.recipient.like("patient:%")).group_by(Outbox.recipient)
        rows = await session.scalars(select(Outbox).where(Outbox.id.in_(newest.scalar_subquery())))
        return {row.recipient: [b["data"] for line in row.buttons for b in line]
                for row in rows if row.recipient.removeprefix("patient:") in active}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inputs", type=int, default=5_000,
                        help="inputs per load level, each from a different patient in a conversation")
    parser.add_argument("--rates", default="0,250,500,750,1000,1500,2000,3000",
                        help="offered loads in inputs/s, comma-separated; 0 = one at a time")
    parser.add_argument("--project", type=Path, default=SHIPPED,
                        help="folder holding dialogues/ and content/ (default: the shipped ones)")
    parser.add_argument("--loop", choices=["serving", "asyncio"], default="serving",
                        help="the event loop: the one `coachbot run` serves on (uvloop where installed, "
                             "bot.eventloop), or asyncio's own (its timers pace arrivals finer than "
                             "uvloop's millisecond ones)")
    args = parser.parse_args()
    engine_alone(args.project, args.patients, args.rounds)
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    load = with_sqlite(args.project, args.patients, args.inputs, rates)
    if args.loop == "asyncio":
        asyncio.run(load)
    else:
        eventloop.run(load)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
