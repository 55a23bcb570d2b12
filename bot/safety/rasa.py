"""Client for a Rasa 3.6 NLU server (`POST /model/parse`), behind a circuit breaker.

Rasa adds recall for phrasings the rules do not know and gives dialogues an everyday intent
(affirm, mood_low, ...). It is optional: every failure (timeout, refused connection, HTTP error,
malformed JSON) raises `TriageUnavailable`, and the safety rules decide alone. After
`failure_threshold` failures in a row the breaker opens and Rasa is skipped for `cooldown_s`;
then one trial request decides whether it closes again. State changes are logged once each.

Intents are mapped to a Verdict by name (see `content/nlu/domain.yml`):
`crisis_*` -> crisis, `concern_*` -> concern, `rupture_confrontation` / `rupture_withdrawal` ->
a rupture, anything else -> `Verdict.intent` for dialogues to branch on.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot import metrics
from bot.errors import TriageUnavailable
from bot.safety.verdict import Verdict

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 0.3
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
    """Rasa did not answer in time (for the metrics: a busy NLU, not a broken one)."""


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


@dataclass
class RasaClient:
    """One Rasa server; `assess` never waits longer than `timeout_s` and raises TriageUnavailable."""

    url: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    breaker: CircuitBreaker | None = None
    client: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/")
        if self.breaker is None:
            self.breaker = CircuitBreaker()
        self._owns_client = self.client is None
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout_s))

    async def parse(self, text: str, timeout_s: float | None = None) -> dict[str, Any]:
        """The raw `/model/parse` answer; bypasses the breaker (for probes and warm-up)."""
        assert self.client is not None
        budget = self.timeout_s if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(budget):
                response = await self.client.post(
                    f"{self.url}/model/parse", json={"text": text}, timeout=httpx.Timeout(budget),
                )
                response.raise_for_status()
                data = response.json()
        except TimeoutError:
            raise NluTimeout(f"Rasa did not answer within {budget:g}s") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise TriageUnavailable(f"Rasa failed: {type(exc).__name__}: {exc}") from None
        if not isinstance(data, dict):
            raise TriageUnavailable("Rasa answered with something other than a JSON object")
        return data

    async def assess(self, text: str) -> Verdict:
        """Rasa's verdict on `text`, if the breaker allows and Rasa answers in time."""
        assert self.breaker is not None
        if not self.breaker.allow():
            metrics.NLU_SKIPPED.inc()
            raise TriageUnavailable("Rasa skipped: circuit open")
        started = time.perf_counter()
        try:
            verdict = verdict_from_parse(await self.parse(text))
        except TriageUnavailable as exc:
            outcome = "timeout" if isinstance(exc, NluTimeout) else "error"
            metrics.NLU_SECONDS.labels(outcome).observe(time.perf_counter() - started)
            self.breaker.record_failure(str(exc))
            raise
        except BaseException:
            self.breaker.release()  # cancelled: free a half-open trial slot, count nothing
            raise
        metrics.NLU_SECONDS.labels("ok").observe(time.perf_counter() - started)
        self.breaker.record_success()
        return verdict

    async def status(self, timeout_s: float) -> bool:
        """Does the server answer `GET /status` with a loaded model?"""
        assert self.client is not None
        try:
            async with asyncio.timeout(timeout_s):
                response = await self.client.get(f"{self.url}/status", timeout=httpx.Timeout(timeout_s))
                response.raise_for_status()
                data = response.json()
        except (TimeoutError, httpx.HTTPError, ValueError):
            return False
        return isinstance(data, dict) and bool(data.get("model_file"))

    async def aclose(self) -> None:
        if self._owns_client and self.client is not None:
            await self.client.aclose()
