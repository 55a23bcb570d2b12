"""NLU under load: the Rasa client (every worker RASA_URL lists) fed free text at a fixed rate.

Open loop: a message arrives every 1/rate seconds whether or not Rasa has answered the earlier
ones, as patients do. Prints what share got Rasa's intents, how many went on without them
because the NLU was busy (saturated: timeout / busy) or failing (timeout, error, skipped with
every breaker open), each breaker's opens, how long messages waited on Rasa (p50, p99, max:
never past the ceiling but for the event loop's own lag, printed beside them: on a machine
whose cores are all busy, the process itself waits for a core), and how the messages were
spread over the workers. Texts are the labelled set in content/nlu/eval/triage_eval.jsonl,
repeated.

    python bench/nlu_load_bench.py --rasa-url http://127.0.0.1:5005 --rate 100 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.errors import TriageUnavailable
from bot.metrics import NLU_OUTCOMES, REGISTRY
from bot.safety.evaluate import DEFAULT_FILE
from bot.safety.rasa import DEFAULT_TIMEOUT_S, NluSaturated, NluTimeout, RasaClient


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def opens(circuit: str) -> float:
    return REGISTRY.get_sample_value("coachbot_nlu_circuit_opens_total", {"circuit": circuit}) or 0.0


def requests(worker: str) -> float:
    return sum(REGISTRY.get_sample_value("coachbot_nlu_seconds_count", {"outcome": o, "worker": worker}) or 0.0
               for o in NLU_OUTCOMES)


async def run(url: str, rate: float, seconds: float, timeout_s: float) -> None:
    texts = [json.loads(line)["text"] for line in DEFAULT_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    client = RasaClient(url, timeout_s)
    await client.warm_up("hello", 30.0)
    outcomes: Counter[str] = Counter()
    waits: list[float] = []
    before = {w.label: (opens(w.breaker.name), requests(w.label)) for w in client.workers}
    lags: list[float] = []
    running = True

    async def loop_lag() -> None:
        while running:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    monitor = asyncio.create_task(loop_lag())

    async def one(text: str) -> None:
        started = time.perf_counter()
        try:
            await client.assess(text)
            outcomes["intents read"] += 1
        except NluSaturated as exc:
            outcomes["saturated (busy)" if "in flight" in str(exc) else "saturated (timeout)"] += 1
        except NluTimeout:
            outcomes["timeout (failure)"] += 1
        except TriageUnavailable as exc:
            outcomes["skipped: circuit open" if "circuit open" in str(exc) else "error"] += 1
        waits.append(time.perf_counter() - started)

    tasks = []
    total = int(rate * seconds)
    start = time.perf_counter()
    for n in range(total):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(texts[n % len(texts)])))
    await asyncio.gather(*tasks)
    running = False
    await monitor
    await client.aclose()
    print(f"{total} messages at {rate:g}/s over {seconds:g}s, ceiling {timeout_s:g}s, "
          f"{len(client.workers)} worker(s), {os.cpu_count()} CPUs")
    for name, count in sorted(outcomes.items()):
        print(f"  {name}: {count} ({100 * count / total:.1f} %)")
    print(f"  wait on Rasa: p50 {percentile(waits, 0.5) * 1000:.0f} ms, p99 {percentile(waits, 0.99) * 1000:.0f} ms, "
          f"max {max(waits) * 1000:.0f} ms (ceiling {timeout_s * 1000:.0f} ms; event loop lag p99 "
          f"{percentile(lags, 0.99) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms)")
    for w in client.workers:
        p90 = w.p90()
        print(f"  {w.label}: {requests(w.label) - before[w.label][1]:g} requests, breaker {w.breaker.state}, "
              f"opened {opens(w.breaker.name) - before[w.label][0]:g} time(s), recent p90 "
              f"{'n/a' if p90 is None else f'{p90 * 1000:.0f} ms'} (late answers included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL"), help="one URL or several, comma-separated")
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("RASA_TIMEOUT_SECONDS") or
                                                               DEFAULT_TIMEOUT_S), help="the ceiling, seconds")
    args = parser.parse_args()
    if not args.rasa_url:
        parser.error("--rasa-url (or RASA_URL) is needed")
    asyncio.run(run(args.rasa_url, args.rate, args.seconds, args.timeout))


if __name__ == "__main__":
    main()
