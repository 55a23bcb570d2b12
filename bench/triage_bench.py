"""Triage benchmark: latency of the safety rules alone, of rules + model, and with --rasa-url
of the whole triage (rules + model + Rasa); the model's load time and the process's memory.

Messages are the labelled set in content/nlu/eval/triage_eval.jsonl, repeated, and one
4,096-character message. The rules are timed without their cache (every message is new) and
with it (a patient repeating "yes"). The whole figure is what a message costs in the bot:
rules, the model, then Rasa under the production timeout (--timeout, default
RASA_TIMEOUT_SECONDS or 0.3 s). Pin it to one core for the budget's figure:

    taskset -c 0 python bench/triage_bench.py [--rounds N] [--rasa-url http://127.0.0.1:5005]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.errors import TriageUnavailable
from bot.safety import rules
from bot.safety.evaluate import DEFAULT_FILE
from bot.safety.model import TriageModel
from bot.safety.rasa import DEFAULT_TIMEOUT_S
from bot.safety.triage import Triage
from bot.safety.verdict import Verdict


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, latencies: list[float]) -> None:
    print(f"{name}: p50 {percentile(latencies, 0.5) * 1000:.3f} ms, p99 {percentile(latencies, 0.99) * 1000:.3f} ms, "
          f"max {max(latencies) * 1000:.3f} ms, mean {statistics.fmean(latencies) * 1000:.3f} ms "
          f"over {len(latencies):,} messages")


def rules_alone(texts: list[str], rounds: int) -> None:
    uncached: list[float] = []
    for _ in range(rounds):
        for text in texts:
            rules._assess_cached.cache_clear()
            started = time.perf_counter()
            rules.assess(text)
            uncached.append(time.perf_counter() - started)
    report("rules alone, new messages", uncached)
    cached: list[float] = []
    for text in texts * rounds:
        started = time.perf_counter()
        rules.assess(text)
        cached.append(time.perf_counter() - started)
    report("rules alone, repeated messages (cache)", cached)
    long_text = "I did my walk and the weather was fine, knee a bit stiff. " * 70
    rules._assess_cached.cache_clear()
    started = time.perf_counter()
    rules.assess(long_text)
    print(f"rules alone, one {len(long_text):,}-character message: {(time.perf_counter() - started) * 1000:.2f} ms")


def load_model() -> TriageModel:
    started = time.perf_counter()
    model = TriageModel.load()
    model.warm_up()
    print(f"model load (with warm-up): {time.perf_counter() - started:.2f} s; "
          f"peak memory of this process so far: {peak_mib():.0f} MiB")
    return model


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def timed(triage: Triage, texts: list[str], rounds: int) -> list[float]:
    """Each message's whole triage, the rules' cache cleared (every message is new)."""
    latencies: list[float] = []
    for _ in range(rounds):
        for text in texts:
            rules._assess_cached.cache_clear()
            started = time.perf_counter()
            await triage.assess(text)
            latencies.append(time.perf_counter() - started)
    return latencies


async def with_model(texts: list[str], model: TriageModel, rounds: int) -> None:
    triage = Triage(None, model=model)
    report("rules + model", await timed(triage, texts, rounds))
    long_text = ("I did my walk and the weather was fine, knee a bit stiff. " * 69)[:4060] + " I want to die tonight."
    started = time.perf_counter()
    verdict = await triage.assess(long_text)
    print(f"rules + model, one {len(long_text):,}-character message: {(time.perf_counter() - started) * 1000:.1f} ms "
          f"(verdict {verdict.risk}{', ask' if verdict.ask else ''})")


async def combined(texts: list[str], url: str, timeout_s: float, rounds: int, model: TriageModel) -> None:
    triage = Triage(url, timeout_s, model=model)
    try:
        if not await triage.probe():
            print(f"Rasa at {url} is not reachable; no combined figures", file=sys.stderr)
            return
        rasa = triage.rasa
        assert rasa is not None and rasa.breaker is not None
        calls = {"asked": 0, "failed": 0}
        ask = rasa.assess

        async def counted(text: str) -> Verdict:
            calls["asked"] += 1
            try:
                return await ask(text)
            except TriageUnavailable:
                calls["failed"] += 1
                raise

        rasa.assess = counted  # type: ignore[method-assign]
        report(f"rules + model + Rasa, the whole triage (timeout {timeout_s:g}s)", await timed(triage, texts, rounds))
        print(f"  Rasa asked {calls['asked']} times (skipped when the rules found a crisis), "
              f"failed or timed out {calls['failed']} times; breaker {rasa.breaker.state}")
    finally:
        await triage.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rasa-url")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S)
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in DEFAULT_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    rules_alone(texts, args.rounds)
    model = load_model()
    asyncio.run(with_model(texts, model, max(1, args.rounds // 5)))
    if args.rasa_url:
        asyncio.run(combined(texts, args.rasa_url, args.timeout, max(1, args.rounds // 5), model))
    print(f"peak memory of this process: {peak_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
