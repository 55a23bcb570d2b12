"""Engine benchmark: 10,000 patients each in a conversation.

Prints inputs/s and p50/p99 latency for
  1. the engine alone (compiled machines, conversations as plain data, no I/O), and
  2. the engine with its state in SQLite (the service's pipeline: load the patient and the
     conversation, triage the text, step, store state, answers and outbox rows, commit),
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import PROJECT_ROOT
from bot.clock import SimulatedClock
from bot.config import load_settings
from bot.content.bundle import build_bundle, collect_files
from bot.engine.engine import Conversation, Engine, Input
from bot.isotime import parse_time

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "project"


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


async def with_sqlite(project: Path, patients: int, inputs: int) -> None:
    from sqlalchemy import select

    from bot.app import build_service
    from bot.seed import apply_seed
    from bot.service import Inbound
    from bot.storage.models import Outbox

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
        clock.set(parse_time("2026-03-02T08:00:00Z"))
        t0 = time.perf_counter()
        await bot.run_due_jobs(limit=patients * 2)
        print(f"started {patients:,} conversations in {time.perf_counter() - t0:.1f} s")
        rng = random.Random(7)
        latencies: list[float] = []
        started = time.perf_counter()
        for n in range(inputs):
            who = f"patient:p{rng.randrange(patients)}"
            async with bot.db.transaction() as session:
                row = await session.scalar(select(Outbox).where(Outbox.recipient == who)
                                           .order_by(Outbox.id.desc()).limit(1))
            buttons = [b for line in (row.buttons if row else []) for b in line]
            inbound = (Inbound(chat_key=who, press=rng.choice(buttons)["data"]) if buttons
                       else Inbound(chat_key=who, text=f"note {n}"))
            t0 = time.perf_counter()
            await bot.receive(inbound)
            latencies.append(time.perf_counter() - t0)
        report("engine + SQLite (full pipeline per input)", latencies, time.perf_counter() - started)
        await bot.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--inputs", type=int, default=5_000)
    parser.add_argument("--project", type=Path, default=FIXTURE,
                        help="folder holding dialogues/ and content/ (default: the test fixture)")
    args = parser.parse_args()
    engine_alone(args.project, args.patients, args.rounds)
    asyncio.run(with_sqlite(args.project, args.patients, args.inputs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
