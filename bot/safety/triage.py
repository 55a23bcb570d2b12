"""Triage of every free-text message: the safety rules always, Rasa when it is up; higher wins.

The rules run first and alone decide when Rasa is not configured, slow, failing or skipped by
its circuit breaker; `assess` never raises because of Rasa and never waits on it longer than
the timeout. A crisis found by the rules is answered without waiting on the network at all.
`run_triage_cli` is the `coachbot triage` contract (see README "Triage").
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

import httpx

from bot.errors import TriageUnavailable
from bot.safety import rules
from bot.safety.rasa import DEFAULT_TIMEOUT_S, CircuitBreaker, RasaClient
from bot.safety.verdict import Verdict, combine

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 10.0
"""How long `coachbot triage` waits for Rasa's status and first (slow, model warm-up) parse."""
WARM_UP_TEXT = "hello"


class Triage:
    """What the service calls for each message (see `bot.service.Triager`)."""

    def __init__(
        self, rasa_url: str | None, timeout_s: float = DEFAULT_TIMEOUT_S, *,
        breaker: CircuitBreaker | None = None, client: httpx.AsyncClient | None = None,
        rules_assess: Callable[[str], Verdict] = rules.assess,
    ) -> None:
        self.rules_assess = rules_assess
        self.rasa: RasaClient | None = None
        if rasa_url:
            self.rasa = RasaClient(rasa_url, timeout_s, breaker=breaker, client=client)

    @property
    def uses_rasa(self) -> bool:
        return self.rasa is not None

    async def assess(self, text: str) -> Verdict:
        verdict = self._rules(text)
        if self.rasa is None or verdict.risk == "crisis":
            return verdict
        try:
            second = await self.rasa.assess(text)
        except TriageUnavailable as exc:
            log.debug("triage without Rasa for this message: %s", exc)
            return verdict
        except Exception:
            log.exception("unexpected error from the Rasa client; the safety rules decide")
            return verdict
        return combine(verdict, second)

    def _rules(self, text: str) -> Verdict:
        try:
            return self.rules_assess(text)
        except Exception:  # a bug in the rules must not lose the message
            log.critical("safety rules failed on a message; treating it as a concern", exc_info=True)
            return Verdict(risk="concern", reasons=["rule: the safety rules failed on this message"])

    async def probe(self, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
        """Is Rasa up with a model? Also sends one parse, so the model is warm before real use."""
        if self.rasa is None:
            return False
        if not await self.rasa.status(timeout_s):
            return False
        try:
            await self.rasa.parse(WARM_UP_TEXT, timeout_s=timeout_s)
        except TriageUnavailable:
            return False
        return True

    async def without_rasa(self) -> None:
        """Carry on with the rules alone (Rasa was configured but is not reachable)."""
        if self.rasa is not None:
            await self.rasa.aclose()
            self.rasa = None

    async def aclose(self) -> None:
        if self.rasa is not None:
            await self.rasa.aclose()


def run_triage_cli(
    lines: Iterable[str], out: TextIO, rasa_url: str | None, timeout_s: float,
    err: TextIO | None = None,
) -> int:
    """`coachbot triage`: one JSON line {"text", "risk", "rupture", "reasons"} per input line.

    A blank line gets a "none" verdict too, so output line N always answers input line N."""
    return asyncio.run(_triage_lines(lines, out, rasa_url, timeout_s, err or sys.stderr))


async def _triage_lines(lines: Iterable[str], out: TextIO, rasa_url: str | None, timeout_s: float, err: TextIO) -> int:
    triage = Triage(rasa_url, timeout_s)
    try:
        if rasa_url is None:
            print("triage: RASA_URL is not set; using the safety rules alone", file=err, flush=True)
        elif await triage.probe():
            print(f"triage: using Rasa at {rasa_url} together with the safety rules", file=err, flush=True)
        else:
            print(f"triage: Rasa at {rasa_url} is not reachable; using the safety rules alone", file=err, flush=True)
            await triage.without_rasa()
        for line in lines:
            text = line.rstrip("\r\n")
            verdict = await triage.assess(text) if text.strip() else Verdict()
            out.write(json.dumps(verdict.as_contract(text), ensure_ascii=False) + "\n")
            out.flush()
    finally:
        await triage.aclose()
    return 0
