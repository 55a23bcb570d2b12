"""The Rasa client: intent mapping, the circuit breaker, and every way a server can fail."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.errors import TriageUnavailable
from bot.safety.rasa import (
    CONCERN_THRESHOLD,
    CRISIS_THRESHOLD,
    INTENT_THRESHOLD,
    RUPTURE_THRESHOLDS,
    CircuitBreaker,
    RasaClient,
    verdict_from_parse,
)
from tests.safety.conftest import FakeClock, FakeRasa, parse_answer

# --- mapping intents to a verdict -------------------------------------------------------------


@pytest.mark.parametrize("intent", [
    "crisis_suicidal", "crisis_selfharm", "crisis_violence", "crisis_abuse", "crisis_medical",
    "crisis_substance", "crisis_medication",
])
def test_confident_crisis_intents_are_a_crisis(intent: str) -> None:
    verdict = verdict_from_parse(parse_answer(intent, 0.95))
    assert verdict.risk == "crisis"
    assert verdict.reasons == [f"rasa: {intent} (0.95)"]
    assert verdict.intent is None


def test_a_crisis_intent_at_the_threshold_is_a_crisis() -> None:
    verdict = verdict_from_parse(parse_answer("smalltalk", 0.2, ("crisis_suicidal", CRISIS_THRESHOLD)))
    assert verdict.risk == "crisis"


def test_a_crisis_intent_below_the_threshold_is_ignored() -> None:
    verdict = verdict_from_parse(parse_answer("affirm", 0.9, ("crisis_suicidal", CRISIS_THRESHOLD - 0.05)))
    assert verdict.risk == "none" and verdict.intent == "affirm"


def test_a_crisis_intent_below_a_fallback_still_counts() -> None:
    answer = parse_answer("nlu_fallback", 0.3, ("crisis_medical", 0.75), ("pain_report", 0.2))
    verdict = verdict_from_parse(answer)
    assert verdict.risk == "crisis" and verdict.intent is None


@pytest.mark.parametrize(("intent", "confidence", "risk"), [
    ("concern_mood", CONCERN_THRESHOLD, "concern"), ("concern_sleep", 0.995, "concern"),
    ("concern_pain", CONCERN_THRESHOLD - 0.02, "none"), ("concern_pain", 0.5, "none"),
])
def test_concern_intents(intent: str, confidence: float, risk: str) -> None:
    assert verdict_from_parse(parse_answer(intent, confidence)).risk == risk


@pytest.mark.parametrize(("intent", "rupture"), [
    ("rupture_confrontation", "confrontation"), ("rupture_withdrawal", "withdrawal"),
])
def test_rupture_intents(intent: str, rupture: str) -> None:
    verdict = verdict_from_parse(parse_answer(intent, RUPTURE_THRESHOLDS[intent]))
    assert (verdict.risk, verdict.rupture) == ("none", rupture)
    unsure = verdict_from_parse(parse_answer(intent, RUPTURE_THRESHOLDS[intent] - 0.01))
    assert unsure.rupture == "none"


@pytest.mark.parametrize(
    "intent", ["affirm", "deny", "mood_low", "mood_good", "help", "done_exercise", "skip_exercise"],
)
def test_everyday_intents_go_to_the_dialogues(intent: str) -> None:
    verdict = verdict_from_parse(parse_answer(intent, 0.88))
    assert (verdict.risk, verdict.rupture, verdict.reasons) == ("none", "none", [])
    assert (verdict.intent, verdict.intent_confidence) == (intent, 0.88)


def test_an_unsure_everyday_intent_is_withheld() -> None:
    assert verdict_from_parse(parse_answer("affirm", INTENT_THRESHOLD - 0.1)).intent is None


@pytest.mark.parametrize("data", [
    None, [], "text", {}, {"intent": None}, {"intent": "affirm"},
])
def test_a_malformed_answer_is_unavailable(data: Any) -> None:
    with pytest.raises(TriageUnavailable):
        verdict_from_parse(data)


@pytest.mark.parametrize("intent", [
    {"name": "crisis_suicidal", "confidence": "high"},
    {"name": "crisis_suicidal", "confidence": float("nan")},
    {"name": 3, "confidence": 0.9},
    {"confidence": 0.9},
])
def test_odd_fields_never_raise_anything_but_unavailable(intent: dict[str, Any]) -> None:
    verdict = verdict_from_parse({"intent": intent, "intent_ranking": [intent, "junk", None]})
    assert verdict.risk == "none"


# --- the circuit breaker -----------------------------------------------------------------------


def test_breaker_opens_after_consecutive_failures_then_tries_once_after_the_cool_down(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=30, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure("timeout")
    assert breaker.state == "closed"
    assert breaker.allow()
    breaker.record_failure("timeout")
    assert breaker.state == "open" and not breaker.allow()
    clock.advance(29.9)
    assert not breaker.allow()
    clock.advance(0.2)
    assert breaker.allow() and breaker.state == "half-open"
    assert not breaker.allow(), "only one trial request while half-open"
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_a_success_resets_the_failure_count(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=10, clock=clock)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_a_failed_trial_opens_the_breaker_for_another_cool_down(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.advance(10)
    assert breaker.allow()


def test_a_cancelled_trial_frees_the_slot_without_counting(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.allow()
    breaker.release()
    assert breaker.allow() and breaker.state == "half-open"


def test_state_changes_are_logged_once_not_per_message(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=10, clock=clock)
    with caplog.at_level(logging.INFO, logger="bot.safety.rasa"):
        for _ in range(10):
            if breaker.allow():
                breaker.record_failure("down")
        clock.advance(10)
        breaker.allow()
        breaker.record_success()
        for _ in range(10):
            breaker.allow()
            breaker.record_success()
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "rasa circuit open", "rasa circuit half-open", "rasa circuit closed",
    ]


# --- the client against a real (fake) HTTP server -------------------------------------------


@pytest.fixture
async def client(fake_rasa: FakeRasa, clock: FakeClock) -> Any:
    rasa = RasaClient(fake_rasa.url, timeout_s=1.0, breaker=CircuitBreaker(3, 30, clock))
    yield rasa
    await rasa.aclose()


async def test_client_maps_the_answer(client: RasaClient, fake_rasa: FakeRasa) -> None:
    fake_rasa.answers["yes please"] = parse_answer("affirm", 0.93)
    verdict = await client.assess("yes please")
    assert verdict.intent == "affirm"
    assert fake_rasa.texts == ["yes please"]


@pytest.mark.parametrize("mode", ["slow", "error", "garbage", "not_object", "hang_up"])
async def test_every_failure_is_unavailable(client: RasaClient, fake_rasa: FakeRasa, mode: str) -> None:
    fake_rasa.mode, fake_rasa.delay_s = mode, 2.5
    with pytest.raises(TriageUnavailable):
        await client.assess("hello")
    assert client.breaker is not None and client.breaker.failures == 1


async def test_a_server_that_is_down_is_unavailable(dead_url: str, clock: FakeClock) -> None:
    rasa = RasaClient(dead_url, timeout_s=0.2, breaker=CircuitBreaker(3, 30, clock))
    try:
        with pytest.raises(TriageUnavailable):
            await rasa.assess("hello")
        assert not await rasa.status(0.2)
    finally:
        await rasa.aclose()


async def test_an_open_breaker_skips_the_server_until_the_cool_down(
    client: RasaClient, fake_rasa: FakeRasa, clock: FakeClock,
) -> None:
    fake_rasa.mode = "error"
    for _ in range(3):
        with pytest.raises(TriageUnavailable):
            await client.assess("hello")
    assert fake_rasa.parses == 3
    for _ in range(5):
        with pytest.raises(TriageUnavailable, match="circuit open"):
            await client.assess("hello")
    assert fake_rasa.parses == 3, "no request while the breaker is open"
    fake_rasa.mode = "ok"
    clock.advance(30)
    assert (await client.assess("hello")).intent == "smalltalk"
    assert client.breaker is not None and client.breaker.state == "closed"


async def test_status_needs_a_loaded_model(client: RasaClient, fake_rasa: FakeRasa) -> None:
    assert await client.status(1.0)
    fake_rasa.mode = "error"
    assert not await client.status(1.0)
