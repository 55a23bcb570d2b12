"""Client for a Rasa 3.6 NLU server (`POST /model/parse`), behind a circuit breaker.

Rasa adds recall for phrasings the rules do not know and gives dialogues an everyday intent
(affirm, mood_low, ...). It is optional: every failure (timeout, refused connection, HTTP error,
malformed JSON) raises `TriageUnavailable`, and the safety rules decide alone. After
`failure_threshold` failures in a row the breaker opens and Rasa is skipped for `cooldown_s`;
then one trial request decides whether it closes again. State changes are logged once each.

RASA_URL may name several workers (comma-separated `rasa run` processes or replicas): each
has its own breaker, and each message goes to the available one with the fewest requests in
flight. How long a message waits adapts to the worker's recent answer times, never beyond the
configured ceiling; a worker that is answering, only slowly, is *saturated*: counted
(`coachbot_nlu_saturated_total`, one log line a minute at most) but not a breaker failure, so a
busy minute no longer switches the NLU off for 30 s. Connection errors, HTTP errors and a
worker that answers nothing still open its breaker.

Intents are mapped to a Verdict by name (see `content/nlu/domain.yml`):
`crisis_*` -> crisis, `concern_*` -> concern, `rupture_confrontation` / `rupture_withdrawal` ->
a rupture, anything else -> `Verdict.intent` for dialogues to branch on.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, cast
from urllib.parse import urlparse

import httpx

from bot import metrics
from bot.errors import TriageUnavailable
from bot.safety.verdict import Verdict

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 0.3
"""The ceiling (RASA_TIMEOUT_SECONDS): no message waits on Rasa longer, whatever the budget."""
MIN_BUDGET_S = 0.1
BUDGET_FACTOR = 4.0
LATENCY_WINDOW = 50
"""The adaptive budget: BUDGET_FACTOR x the p90 of a worker's last LATENCY_WINDOW answer
times, never under max(MIN_BUDGET_S, a third of the ceiling), never over the ceiling. Rasa
answers in 10-20 ms at rest, so a hung request costs 0.1 s there; a queue lengthens the
budget up to the ceiling (answers that came late count in the p90)."""
ALIVE_S = 10.0
"""A worker that answered anything (in time or late) this recently is busy when it times out
(`NluSaturated`, the breaker untouched); otherwise the timeout is a failure."""
LATE_LIMIT_S = 10.0
"""How long a request the caller stopped waiting for may still run, to learn whether and when
the worker answers (at least the ceiling)."""
MAX_IN_FLIGHT = 32
"""Requests one worker may have outstanding at most (late ones included); beyond its limit,
messages are not sent to it (counted as saturated, reason busy) rather than queued where they
could not be answered in time. Measured on one Rasa 3.6 process: from about 30 in flight its
p50 passed 0.3 s (issue 23)."""
MIN_IN_FLIGHT = 2
SERVICE_ALPHA = 0.1
"""The limit adapts: a Rasa process parses one message at a time, so an answer that took L
seconds with q requests outstanding says about L/q of work per parse (an EWMA, SERVICE_ALPHA);
more than ceiling / that in flight would queue requests past the ceiling, Rasa's work on them
wasted. The limit is kept within [MIN_IN_FLIGHT, MAX_IN_FLIGHT]."""
SATURATION_LOG_EVERY_S = 60.0
"""At most one `NLU saturated` log line per minute (with the count since the last one)."""
FAILURE_THRESHOLD = 3
"""Consecutive failures that open the breaker."""
COOLDOWN_S = 30.0
"""How long an open breaker skips Rasa before one trial request."""

# Thresholds, chosen with `python -m bot.safety.evaluate --rasa-url ...`: the rules catch
# the phrasings they know, so Rasa is the second net for the ones they do not, and its own
# mistakes on everyday messages must stay rare (every flag is a clinician alert).
CRISIS_THRESHOLD = 0.7
"""A crisis intent at or above this confidence is a crisis (recall first: lower than the rest).
Below it, Rasa's crisis guess counts for nothing: measured on the held-out sets, a "possible
crisis" band (0.5-0.7 as concern) added false alarms on everyday messages and no crisis."""
CONCERN_THRESHOLD = 0.97
"""Rasa alone raises a concern only when sure: its low-mood/pain intents overlap everyday talk
(with the oblique wordings of content/nlu/train/, 0.9 let "it's hard to find the time with the
kids" through; measured on the gated set, 0.97 keeps concern recall at 0.88)."""
CONFRONTATION_THRESHOLD = 0.9
WITHDRAWAL_THRESHOLD = 0.99
"""Short everyday replies ("I don't mind", "either is fine") come close to withdrawal (0.95 and
0.98 on the gated set); at 0.99 the held-out withdrawal recall is unchanged. Training results
differ slightly from machine to machine (the same data and seed gave 20 and 21 gated false
alarms on two machines), so the thresholds keep a margin under the 5% gate."""
INTENT_THRESHOLD = 0.5
"""Below this the everyday intent is withheld, and dialogues fall back to their text routes."""

CRISIS_PREFIX = "crisis_"
CONCERN_PREFIX = "concern_"
RUPTURE_INTENTS = {"rupture_confrontation": "confrontation", "rupture_withdrawal": "withdrawal"}
RUPTURE_THRESHOLDS = {"rupture_confrontation": CONFRONTATION_THRESHOLD, "rupture_withdrawal": WITHDRAWAL_THRESHOLD}
FALLBACK_INTENT = "nlu_fallback"

Clock = Callable[[], float]


class NluTimeout(TriageUnavailable):
    """Rasa did not answer in time, and has not answered anything lately: counted as a failure."""


class NluSaturated(TriageUnavailable):
    """Rasa is answering, only not within the budget (or every worker is at MAX_IN_FLIGHT):
    busy, not broken, so it does not count toward opening a breaker."""


class CircuitBreaker:
    """closed -> (N failures) -> open -> (cool-down) -> half-open: one trial -> closed or open."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"

    def __init__(
        self, failure_threshold: int = FAILURE_THRESHOLD, cooldown_s: float = COOLDOWN_S,
        clock: Clock = time.monotonic, name: str = "rasa",
    ) -> None:
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.name = name
        self.state = self.CLOSED
        self.failures = 0
        self.opened_at = -math.inf
        self._trial_in_flight = False
        metrics.circuit_state(self.name, self.state)

    def allow(self) -> bool:
        """May a request go out now? In half-open state only one trial at a time."""
        if self.state == self.CLOSED:
            return True
        if self.state == self.OPEN:
            if self.clock() - self.opened_at < self.cooldown_s:
                return False
            self._set(self.HALF_OPEN, "cool-down over; trying one request")
        if self._trial_in_flight:
            return False
        self._trial_in_flight = True
        return True

    def available(self) -> bool:
        """Would `allow` let a request through now? (No side effect: for choosing a worker.)"""
        if self.state == self.CLOSED:
            return True
        if self.state == self.OPEN:
            return self.clock() - self.opened_at >= self.cooldown_s
        return not self._trial_in_flight

    def release(self) -> None:
        """A request that ended without an answer either way (cancelled)."""
        self._trial_in_flight = False

    def record_success(self) -> None:
        self.failures = 0
        self._trial_in_flight = False
        if self.state != self.CLOSED:
            self._set(self.CLOSED, "answering again")

    def record_failure(self, why: str = "") -> None:
        self.failures += 1
        self._trial_in_flight = False
        if self.state == self.HALF_OPEN or (self.state == self.CLOSED and self.failures >= self.failure_threshold):
            self.opened_at = self.clock()
            self._set(self.OPEN, f"{self.failures} failure(s) in a row ({why}); skipping it for "
                                 f"{self.cooldown_s:g}s, the safety rules decide alone")

    def _set(self, state: str, message: str) -> None:
        if state == self.state:
            return
        self.state = state
        metrics.circuit_state(self.name, state)
        level = logging.WARNING if state == self.OPEN else logging.INFO
        log.log(level, "%s circuit %s: %s", self.name, state, message)


def verdict_from_parse(data: Any) -> Verdict:
    """Rasa's `/model/parse` answer as a Verdict; raises TriageUnavailable when malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("intent"), dict):
        raise TriageUnavailable("Rasa answered without an intent")
    ranking = _ranking(data)
    top_name, top_conf = _intent(data["intent"])
    if top_name and top_name not in ranking:
        ranking[top_name] = top_conf
    reasons: list[str] = []
    risk, rupture, intent, intent_conf = "none", "none", None, 0.0

    crisis = {n: c for n, c in ranking.items() if n.startswith(CRISIS_PREFIX)}
    if crisis:
        name, conf = max(crisis.items(), key=lambda item: item[1])
        if conf >= CRISIS_THRESHOLD:
            risk = "crisis"
            reasons.append(f"rasa: {name} ({conf:.2f})")
    concern = {n: c for n, c in ranking.items() if n.startswith(CONCERN_PREFIX)}
    if concern and risk == "none":
        name, conf = max(concern.items(), key=lambda item: item[1])
        if conf >= CONCERN_THRESHOLD:
            risk = "concern"
            reasons.append(f"rasa: {name} ({conf:.2f})")
    ruptures = {n: c for n, c in ranking.items() if n in RUPTURE_INTENTS and c >= RUPTURE_THRESHOLDS[n]}
    if ruptures:
        name, conf = max(ruptures.items(), key=lambda item: item[1])
        rupture = RUPTURE_INTENTS[name]
        reasons.append(f"rasa: {name} ({conf:.2f})")
    if top_name and _is_everyday(top_name) and top_conf >= INTENT_THRESHOLD:
        intent, intent_conf = top_name, top_conf
    return Verdict(risk=risk, rupture=rupture, reasons=reasons, intent=intent, intent_confidence=intent_conf)


def _is_everyday(name: str) -> bool:
    return not (name.startswith((CRISIS_PREFIX, CONCERN_PREFIX)) or name in RUPTURE_INTENTS or name == FALLBACK_INTENT)


def _intent(item: Any) -> tuple[str | None, float]:
    if not isinstance(item, dict):
        return None, 0.0
    name, conf = item.get("name"), item.get("confidence")
    if not isinstance(name, str) or not isinstance(conf, int | float) or isinstance(conf, bool):
        return None, 0.0
    conf = float(conf)
    if not math.isfinite(conf):
        return None, 0.0
    return name, min(1.0, max(0.0, conf))


def _ranking(data: dict[str, Any]) -> dict[str, float]:
    ranking: dict[str, float] = {}
    raw = data.get("intent_ranking")
    if isinstance(raw, list):
        for item in raw:
            name, conf = _intent(item)
            if name is not None:
                ranking[name] = max(conf, ranking.get(name, 0.0))
    return ranking


def split_urls(urls: str | Sequence[str]) -> list[str]:
    """RASA_URL's workers: one URL, or several separated by commas (each without a trailing /)."""
    items = urls.split(",") if isinstance(urls, str) else list(urls)
    return [item.strip().rstrip("/") for item in items if item.strip()]


def worker_label(url: str) -> str:
    """A worker's name in metrics and logs: host:port, never the URL's user or password."""
    parsed = urlparse(url)
    host = parsed.hostname or url
    return f"{host}:{parsed.port}" if parsed.port else host


class RasaWorker:
    """One `rasa run` process: its own breaker, requests in flight and recent answer times.

    Answers that come after the caller stopped waiting are still timed (they say how long
    Rasa really takes) and still count as a sign of life: a worker that answers, only late,
    is saturated; one that answers nothing is broken."""

    def __init__(self, url: str, breaker: CircuitBreaker) -> None:
        self.url = url
        self.label = worker_label(url)
        self.breaker = breaker
        self.in_flight = 0
        self.latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self.service_s: float | None = None
        self.last_answer = -math.inf
        metrics.nlu_worker(self.label)

    def p90(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]

    def budget(self, ceiling: float) -> float:
        """How long to wait for this worker: BUDGET_FACTOR x its recent p90, within
        [max(MIN_BUDGET_S, ceiling / 3), ceiling]; the ceiling until it has answered at all."""
        p90 = self.p90()
        if p90 is None:
            return ceiling
        floor = min(ceiling, max(MIN_BUDGET_S, ceiling / 3))
        return min(ceiling, max(floor, BUDGET_FACTOR * p90))

    def limit(self, ceiling: float, cap: int = MAX_IN_FLIGHT) -> int:
        """How many requests may be outstanding (see SERVICE_ALPHA)."""
        if not self.service_s:
            return cap
        return min(cap, max(MIN_IN_FLIGHT, int(ceiling / self.service_s + 1e-9)))

    def answered(self, seconds: float, now: float, outstanding: int = 1) -> None:
        """An answer after `seconds`, sent when `outstanding` requests (itself included) were."""
        self.latencies.append(seconds)
        self.last_answer = now
        work = seconds / max(1, outstanding)
        self.service_s = work if self.service_s is None else self.service_s + SERVICE_ALPHA * (work - self.service_s)

    def answering(self, now: float) -> bool:
        """Has it answered anything (in time or late) within ALIVE_S?"""
        return now - self.last_answer <= ALIVE_S

    def _set_in_flight(self, change: int) -> None:
        self.in_flight += change
        metrics.NLU_IN_FLIGHT.labels(self.label).set(self.in_flight)


class RasaClient:
    """One or more Rasa servers (RASA_URL lists them, comma-separated) behind per-worker
    breakers. `assess` never waits longer than `timeout_s` (the ceiling) in all and raises
    TriageUnavailable (NluSaturated when the workers are busy rather than broken)."""

    def __init__(
        self, url: str | Sequence[str], timeout_s: float = DEFAULT_TIMEOUT_S, *,
        breaker: CircuitBreaker | None = None, client: httpx.AsyncClient | None = None,
        clock: Clock = time.monotonic, failure_threshold: int = FAILURE_THRESHOLD,
        cooldown_s: float = COOLDOWN_S, max_in_flight: int = MAX_IN_FLIGHT, adaptive: bool = True,
    ) -> None:
        """`adaptive=False`: always wait the whole `timeout_s` (evaluations, whose figures must
        not depend on how busy the machine was)."""
        urls = split_urls(url)
        if not urls:
            raise ValueError("RasaClient needs at least one URL")
        if breaker is not None and len(urls) > 1:
            raise ValueError("several workers get a breaker each: pass clock, failure_threshold, cooldown_s")
        self.timeout_s = timeout_s
        self.adaptive = adaptive
        self.clock = breaker.clock if breaker is not None else clock
        self.max_in_flight = max(1, max_in_flight)
        self.late_limit_s = max(LATE_LIMIT_S, timeout_s)
        self.workers = [
            RasaWorker(u, breaker or CircuitBreaker(failure_threshold, cooldown_s, clock,
                                                    name="rasa" if len(urls) == 1 else f"rasa@{worker_label(u)}"))
            for u in urls
        ]
        self._next = 0
        self._late: set[asyncio.Task[Any]] = set()
        self._saturated_since_log = 0
        self._last_saturation_log = -math.inf
        self._owns_client = client is None
        connections = self.max_in_flight * len(self.workers)
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(self.late_limit_s),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))

    @property
    def url(self) -> str:
        return ",".join(worker.url for worker in self.workers)

    @property
    def breaker(self) -> CircuitBreaker:
        """The first worker's breaker (the only one when RASA_URL names one server)."""
        return self.workers[0].breaker

    # --- choosing a worker --------------------------------------------------------------------

    def _pick(self, tried: set[int]) -> tuple[RasaWorker | None, bool]:
        """The available worker with the fewest requests in flight (ties: round robin), and
        whether any worker's breaker would have let a request through at all."""
        order = [(self._next + i) % len(self.workers) for i in range(len(self.workers))]
        open_to_us = [i for i in order if i not in tried and self.workers[i].breaker.available()]
        if not open_to_us:
            return None, False
        free = [i for i in open_to_us
                if self.workers[i].in_flight < self.workers[i].limit(self.timeout_s, self.max_in_flight)]
        if not free:
            return None, True
        chosen = min(free, key=lambda i: self.workers[i].in_flight)
        self._next = (chosen + 1) % len(self.workers)
        return self.workers[chosen], True

    # --- requests -----------------------------------------------------------------------------

    async def _http_parse(self, worker: RasaWorker, text: str, limit: float) -> dict[str, Any]:
        try:
            async with asyncio.timeout(limit):
                response = await self.client.post(
                    f"{worker.url}/model/parse", json={"text": text}, timeout=httpx.Timeout(limit),
                )
                response.raise_for_status()
                data = response.json()
        except TimeoutError:
            raise NluTimeout(f"Rasa did not answer within {limit:g}s") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise TriageUnavailable(f"Rasa failed: {type(exc).__name__}: {exc}") from None
        if not isinstance(data, dict):
            raise TriageUnavailable("Rasa answered with something other than a JSON object")
        return data

    def _send(self, worker: RasaWorker, text: str) -> asyncio.Task[dict[str, Any]]:
        """A parse counted in the worker's in-flight figure from now until it ends (so the
        next message's choice already sees it), timed when it answers, however late."""
        started = time.perf_counter()
        outstanding = worker.in_flight + 1

        async def request() -> dict[str, Any]:
            data = await self._http_parse(worker, text, self.late_limit_s)
            worker.answered(time.perf_counter() - started, self.clock(), outstanding)
            return data

        worker._set_in_flight(+1)
        task = asyncio.ensure_future(request())
        task.add_done_callback(lambda _: worker._set_in_flight(-1))
        return task

    async def parse(self, text: str, timeout_s: float | None = None) -> dict[str, Any]:
        """The raw `/model/parse` answer from the next worker; bypasses the breakers and the
        adaptive budget (for probes, warm-up and evaluations)."""
        worker = self.workers[self._next % len(self.workers)]
        self._next = (self._next + 1) % len(self.workers)
        return await self._http_parse(worker, text, self.timeout_s if timeout_s is None else timeout_s)

    async def assess(self, text: str) -> Verdict:
        """Rasa's verdict on `text` from the least busy worker whose breaker allows, in time.

        A worker that fails outright (refused, HTTP error) hands the message to the next
        one while time is left; a timeout spends the budget."""
        started = time.perf_counter()
        tried: set[int] = set()
        failure: TriageUnavailable | None = None
        while True:
            worker, any_open = self._pick(tried)
            if worker is None:
                break
            tried.add(self.workers.index(worker))
            left = self.timeout_s - (time.perf_counter() - started)
            if left <= 0:
                break
            try:
                budget = worker.budget(self.timeout_s) if self.adaptive else self.timeout_s
                return await self._assess_on(worker, text, min(budget, left))
            except (NluTimeout, NluSaturated):
                raise  # the budget is spent
            except TriageUnavailable as exc:
                failure = exc
        if failure is not None:
            raise failure
        if not any_open:
            metrics.NLU_SKIPPED.inc()
            raise TriageUnavailable("Rasa skipped: circuit open")
        least_busy = min(self.workers, key=lambda w: w.in_flight)
        self._saturated(least_busy, "busy")
        raise NluSaturated("every Rasa worker has as many requests in flight as it can answer in time")

    async def _assess_on(self, worker: RasaWorker, text: str, budget: float) -> Verdict:
        if not worker.breaker.allow():  # another request took the half-open trial meanwhile
            raise TriageUnavailable("Rasa skipped: circuit half-open, trial under way")
        started = time.perf_counter()
        request = self._send(worker, text)
        try:
            data = await asyncio.wait_for(asyncio.shield(request), budget)
            verdict = verdict_from_parse(data)
        except TimeoutError:
            self._keep_late(request)
            seconds = time.perf_counter() - started
            if worker.answering(self.clock()):
                metrics.NLU_SECONDS.labels("saturated", worker.label).observe(seconds)
                worker.breaker.release()
                self._saturated(worker, "timeout")
                raise NluSaturated(f"Rasa at {worker.label} busy: no answer within {budget:.3g}s") from None
            metrics.NLU_SECONDS.labels("timeout", worker.label).observe(seconds)
            worker.breaker.record_failure(f"no answer within {budget:.3g}s")
            raise NluTimeout(f"Rasa did not answer within {budget:.3g}s") from None
        except TriageUnavailable as exc:
            metrics.NLU_SECONDS.labels("error", worker.label).observe(time.perf_counter() - started)
            worker.breaker.record_failure(str(exc))
            raise
        except BaseException:
            request.cancel()
            worker.breaker.release()  # cancelled: free a half-open trial slot, count nothing
            raise
        metrics.NLU_SECONDS.labels("ok", worker.label).observe(time.perf_counter() - started)
        worker.breaker.record_success()
        return verdict

    def _keep_late(self, request: asyncio.Future[Any]) -> None:
        """Let a request the caller gave up on finish (up to late_limit_s): its answer time
        and its arrival tell a busy worker from a dead one."""
        task = cast("asyncio.Task[Any]", request)
        self._late.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._late.discard(finished)
            if not finished.cancelled():
                finished.exception()  # retrieved: a late failure is no news

        task.add_done_callback(done)

    def _saturated(self, worker: RasaWorker, reason: str) -> None:
        """Counted every time; said in the log at most once per SATURATION_LOG_EVERY_S."""
        metrics.NLU_SATURATED.labels(worker.label, reason).inc()
        self._saturated_since_log += 1
        now = self.clock()
        if now - self._last_saturation_log < SATURATION_LOG_EVERY_S:
            return
        p90 = worker.p90()
        log.warning("NLU saturated: %d message(s) without Rasa's intents since the last report (%s at %s: "
                    "%d in flight, recent p90 %s, budget ceiling %gs); the safety rules and the triage "
                    "model decided alone", self._saturated_since_log, reason, worker.label, worker.in_flight,
                    "n/a" if p90 is None else f"{p90:.3f}s", self.timeout_s)
        self._saturated_since_log = 0
        self._last_saturation_log = now

    async def status(self, timeout_s: float) -> bool:
        """Does any worker answer `GET /status` with a loaded model?"""
        answers = await asyncio.gather(*(self._status(w, timeout_s) for w in self.workers))
        return any(answers)

    async def _status(self, worker: RasaWorker, timeout_s: float) -> bool:
        try:
            async with asyncio.timeout(timeout_s):
                response = await self.client.get(f"{worker.url}/status", timeout=httpx.Timeout(timeout_s))
                response.raise_for_status()
                data = response.json()
        except (TimeoutError, httpx.HTTPError, ValueError):
            return False
        return isinstance(data, dict) and bool(data.get("model_file"))

    async def warm_up(self, text: str, timeout_s: float) -> bool:
        """One parse on every worker (the first builds Rasa's graph, slowly); True if any answered."""

        async def one(worker: RasaWorker) -> bool:
            try:
                await self._http_parse(worker, text, timeout_s)
            except TriageUnavailable:
                return False
            return True

        return any(await asyncio.gather(*(one(w) for w in self.workers)))

    async def aclose(self) -> None:
        for task in list(self._late):
            task.cancel()
        if self._late:
            await asyncio.gather(*self._late, return_exceptions=True)
        if self._owns_client:
            await self.client.aclose()
