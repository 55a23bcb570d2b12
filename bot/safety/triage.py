"""Triage of every free-text message: the safety rules, the learned model, and Rasa.

Three bands for risk (README "Triage"):
- crisis: the rules and the model agree, or the model is confident on its own;
- possible crisis (`Verdict.ask`): the bot asks the patient directly (bot.safety.question);
- concern: a routine alert.
The rules run first, in-process, and alone decide when the model is not installed or fails;
Rasa gives the everyday intents dialogues branch on; beside the model its risk reading is not
used (measured: it added questions and false alerts for little recall), without it it counts. `assess`
never raises because of Rasa or the model and never waits on Rasa longer than the timeout.
`run_triage_cli` is the `coachbot triage` contract (see README "Triage").
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

import httpx

from bot import metrics
from bot.errors import TriageUnavailable
from bot.safety import rules
from bot.safety.model import MODEL_DIR, Scores, Thresholds, TriageModel, shared_model
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
        rules_assess: Callable[[str], Verdict] = rules.assess, model: TriageModel | None = None,
        adaptive: bool = True,
    ) -> None:
        self.rules_assess = rules_assess
        self.model = model
        self.rasa: RasaClient | None = None
        if rasa_url:
            self.rasa = RasaClient(rasa_url, timeout_s, breaker=breaker, client=client, adaptive=adaptive)

    @property
    def uses_rasa(self) -> bool:
        return self.rasa is not None

    async def assess(self, text: str, *, intents: bool = True) -> Verdict:
        """`intents=False`: the caller reads only the risk (a command's words, an edit), so
        Rasa is asked only where its risk reading counts (no model beside it)."""
        verdict = await self._assess(text, intents)
        if verdict.rupture != "none" and only_hello_or_thanks(text):
            verdict = replace(verdict, rupture="none")
        metrics.triage_verdict(verdict)
        return verdict

    async def _assess(self, text: str, intents: bool = True) -> Verdict:
        verdict = self._with_model(text, self._rules(text))
        if self.rasa is None or verdict.risk == "crisis":
            return verdict
        if not intents and self.model is not None:  # beside the model Rasa gives intents only
            return verdict
        try:
            second = await self.rasa.assess(text)
        except TriageUnavailable as exc:
            log.debug("triage without Rasa for this message: %s", exc)
            return verdict
        except Exception:
            log.exception("unexpected error from the Rasa client; the safety rules decide")
            return verdict
        if self.model is not None:
            second = rasa_beside_the_model(second)
        return combine(verdict, second)

    def _with_model(self, text: str, ruled: Verdict) -> Verdict:
        if self.model is None:
            return ruled
        try:
            scores = self.model.score(text)
            rules_sentences = rules_sentences_score(self.model, text, ruled.risk == "crisis", scores.crisis,
                                                    self.model.thresholds.ask)
        except Exception:  # a broken model must not lose the message: the rules decide
            log.critical("triage model failed on a message; the safety rules decide", exc_info=True)
            return ruled
        return decide(ruled, scores, self.model.thresholds, rules_sentences=rules_sentences)

    def _rules(self, text: str) -> Verdict:
        try:
            return self.rules_assess(text)
        except Exception:  # a bug in the rules must not lose the message
            log.critical("safety rules failed on a message; treating it as a concern", exc_info=True)
            return Verdict(risk="concern", reasons=["rule: the safety rules failed on this message"])

    async def probe(self, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
        """Is Rasa up with a model (any worker)? Also sends each worker one parse, so its model is
        warm before real use."""
        if self.rasa is None:
            return False
        if not await self.rasa.status(timeout_s):
            return False
        return await self.rasa.warm_up(WARM_UP_TEXT, timeout_s)

    async def without_rasa(self) -> None:
        """Carry on with the rules alone (Rasa was configured but is not reachable)."""
        if self.rasa is not None:
            await self.rasa.aclose()
            self.rasa = None

    async def aclose(self) -> None:
        if self.rasa is not None:
            await self.rasa.aclose()


HELLO_OR_THANKS = re.compile(
    r"(?:hi|hii+|hello|hallo|hey|heya|hiya|howdy|yo|morning|good (?:morning|afternoon|evening|night)|"
    r"moin(?: moin)?|servus|grüß gott|gruess gott|grüezi|grüß dich|hoi|tach|guten (?:morgen|tag|abend)|"
    r"gute nacht|thanks?(?: a lot| so much)?|thank you(?: so much)?|thx|ty|cheers|danke(?: schön| sehr)?|"
    r"dankeschön|vielen dank|merci|yes|yeah|yep|ok|okay|okey|alright|ja|jo|jawohl|gerne|klar)"
    r"(?: (?:there|all|everyone|bot|coach|du|ihr|zusammen))?",
    re.IGNORECASE)
"""A greeting, a thank-you or a plain yes or okay, alone: what a patient writes most often.
The model read some of them as withdrawal ("hey there" 0.88, "moin" 0.81, "hello" 0.55): its
data labels minimal replies as pulling away, and these are as short. One of them is never a
rupture signal (an alert to the clinician and the repair dialogue); withdrawal shows in what
someone refuses ("whatever", "not today", "egal"), which is left to the model and the rules."""
_SPACING = re.compile(r"[\s.!?,;:…~*()\-]+|[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]+")


def only_hello_or_thanks(text: str) -> bool:
    words = _SPACING.sub(" ", text).strip()
    return bool(words) and len(words.split()) <= 3 and HELLO_OR_THANKS.fullmatch(words) is not None


RULES_CONFIRMED = 0.7
"""A crisis or concern the rules see is called so when the model gives it at least this much;
below, a rules crisis becomes a question and a rules concern is dropped (the rules also fire on
idioms, other people and the past, which the model reads better)."""


def asks(rules_crisis: bool, crisis: float, ask_threshold: float, rules_sentences: float = 1.0) -> bool:
    """Whether a message that is not a confident crisis gets the direct safety question: when
    the model gives the message, or (for a crisis the rules see) the rules' own crisis
    sentences each read alone, at least the ask threshold (`rules_sentences`:
    model.crisis_in_rules_sentences). Why the sentences alone: in a long check-in a crisis
    sentence shares its window with everyday words: "... Honestly I want to kill myself
    tonight." at the end of 4,000 characters scored 0.017 there and 0.999 alone. Why no lower
    bar for the rules: a rules crisis under the ask threshold both ways was, on ten blind sets
    (3, 7-15; 1,140 crises), never a crisis, and was asked about on 22 of 2,300 everyday
    messages (their idioms, films, first-aid courses and other people's troubles)."""
    return crisis >= ask_threshold or (rules_crisis and rules_sentences >= ask_threshold)


def rules_sentences_score(model: TriageModel, text: str, rules_crisis: bool, crisis: float,
                          ask_threshold: float) -> float:
    """`asks`' `rules_sentences` for this message: read only when the answer can matter (a
    rules crisis the model gives under `ask_threshold`), else 1.0. The bot and the choice of
    the ask threshold (train_model, which passes 1.0: every threshold it tries) both call this,
    so they decide alike."""
    return model.crisis_in_rules_sentences(text) if rules_crisis and crisis < ask_threshold else 1.0


def decide(ruled: Verdict, scores: Scores, t: Thresholds, *, rules_sentences: float = 1.0) -> Verdict:
    """The rules' verdict and the model's scores as one verdict, in three risk bands.

    A rules crisis the model finds unlikely becomes a question rather than a page, and none at
    all when the model gives it, and its crisis sentences read alone, under the ask threshold:
    the rules also fire on idioms and the past. A model-only crisis needs the model to be
    confident. `rules_sentences`: see `asks`."""
    reasons = list(ruled.reasons)
    rules_crisis = ruled.risk == "crisis"
    if scores.crisis >= t.crisis or (rules_crisis and scores.crisis >= RULES_CONFIRMED):
        risk, ask = "crisis", False
        reasons.append(f"model: crisis {scores.crisis:.2f}")
    else:
        ask = asks(rules_crisis, scores.crisis, t.ask, rules_sentences)
        likely = scores.concern + scores.crisis
        concern = likely >= t.concern or (ruled.risk == "concern" and likely >= RULES_CONFIRMED)
        risk = "concern" if concern else "none"
        if ask:
            reasons.append(f"model: possible crisis {scores.crisis:.2f}, ask")
        elif risk == "concern" and ruled.risk != "concern":
            reasons.append(f"model: concern {scores.concern + scores.crisis:.2f}")
    model_medical = scores.crisis > 0 and scores.medical >= scores.crisis / 2  # most of the crisis is medical
    medical = (ruled.medical or model_medical) and (risk == "crisis" or ask)
    rupture = "none"
    if max(scores.confrontation, scores.withdrawal) >= t.rupture:
        rupture = "confrontation" if scores.confrontation >= scores.withdrawal else "withdrawal"
        reasons.append(f"model: {rupture} {max(scores.confrontation, scores.withdrawal):.2f}")
    elif ruled.rupture != "none" and max(scores.confrontation, scores.withdrawal) >= t.rupture / 2:
        rupture = ruled.rupture
    return Verdict(risk=risk, rupture=rupture, reasons=reasons, intent=ruled.intent,
                   intent_confidence=ruled.intent_confidence, ask=ask, medical=medical)


def rasa_beside_the_model(verdict: Verdict) -> Verdict:
    """Beside the model, Rasa gives intents (and rupture signals), not risk. Measured on the
    development set blind_eval_7: its crisis readings as questions caught 2 more crises of 120
    for 27 more questions on 237 everyday messages (23 % -> 34 %), and its concern readings
    added 2.5 points of false alerts. Without the model, its risk counts as before."""
    return Verdict(risk="none", rupture=verdict.rupture, reasons=verdict.reasons, intent=verdict.intent,
                   intent_confidence=verdict.intent_confidence)


def run_triage_cli(
    lines: Iterable[str], out: TextIO, rasa_url: str | None, timeout_s: float,
    err: TextIO | None = None, model_directory: Path | None = MODEL_DIR,
) -> int:
    """`coachbot triage`: one JSON line {"text", "risk", "rupture", "reasons", "ask"} per input line.

    A blank line gets a "none" verdict too, so output line N always answers input line N."""
    return asyncio.run(_triage_lines(lines, out, rasa_url, timeout_s, err or sys.stderr, model_directory))


async def _triage_lines(lines: Iterable[str], out: TextIO, rasa_url: str | None, timeout_s: float, err: TextIO,
                        model_directory: Path | None) -> int:
    """`model_directory` None: the rules and Rasa alone (COACHBOT_TRIAGE_MODEL=off)."""
    loaded = shared_model(model_directory) if model_directory is not None else None
    if model_directory is not None and loaded is None:
        print("triage: the triage model could not be loaded (see the log); rules and Rasa only", file=err, flush=True)
    triage = Triage(rasa_url, timeout_s, model=loaded)
    try:
        layers = "the safety rules and the triage model" if loaded is not None else "the safety rules alone"
        if rasa_url is None:
            print(f"triage: RASA_URL is not set; using {layers}", file=err, flush=True)
        elif await triage.probe():
            print(f"triage: using Rasa at {rasa_url} together with {layers.removesuffix(' alone')}", file=err,
                  flush=True)
        else:
            print(f"triage: Rasa at {rasa_url} is not reachable; using {layers}", file=err, flush=True)
            await triage.without_rasa()
        for line in lines:
            text = line.rstrip("\r\n")
            verdict = await triage.assess(text) if text.strip() else Verdict()
            out.write(json.dumps(verdict.as_contract(text), ensure_ascii=False) + "\n")
            out.flush()
    finally:
        await triage.aclose()
    return 0
