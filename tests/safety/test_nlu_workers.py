"""NLU that scales with the service: several Rasa workers, an adaptive budget under a ceiling,
saturation told apart from failure, and the requests that never need Rasa at all.

Time: breakers and "has this worker answered lately" run on a FakeClock; the slow fake sleeps
SLOW_S, far past every budget here, so no assertion depends on how fast the machine is."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings, load_settings
from bot.errors import ConfigError, TriageUnavailable
from bot.isotime import parse_time
from bot.metrics import REGISTRY
from bot.safety.model import TriageModel
from bot.safety.rasa import (
    ALIVE_S,
    MAX_IN_FLIGHT,
    MIN_BUDGET_S,
    MIN_IN_FLIGHT,
    CircuitBreaker,
    NluSaturated,
    NluTimeout,
    RasaClient,
    RasaWorker,
)
from bot.safety.triage import Triage
from bot.service import Inbound
from tests.safety.conftest import FakeClock, FakeRasa, parse_answer

SLOW_S = 3.0
CEILING_S = 1.0


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def label(fake: FakeRasa) -> str:
    return fake.url.removeprefix("http://")


@pytest.fixture
async def pair(fake_rasa: FakeRasa, other_fake_rasa: FakeRasa, clock: FakeClock) -> Any:
    rasa = RasaClient(f"{fake_rasa.url}, {other_fake_rasa.url}", CEILING_S, clock=clock)
    yield rasa
    await rasa.aclose()


# --- several workers ---------------------------------------------------------------------------


async def test_load_is_spread_across_two_workers(pair: RasaClient, fake_rasa: FakeRasa,
                                                 other_fake_rasa: FakeRasa) -> None:
    for n in range(10):
        assert (await pair.assess(f"message {n}")).intent == "smalltalk"
    assert (fake_rasa.parses, other_fake_rasa.parses) == (5, 5)
    assert [w.breaker.name for w in pair.workers] == [f"rasa@{label(fake_rasa)}", f"rasa@{label(other_fake_rasa)}"]


async def test_the_worker_with_fewer_requests_in_flight_gets_the_message(
    pair: RasaClient, fake_rasa: FakeRasa, other_fake_rasa: FakeRasa,
) -> None:
    pair.workers[0].in_flight = 3  # as if three answers were still on their way from the first
    for _ in range(3):
        await pair.assess("hello")
    assert (fake_rasa.parses, other_fake_rasa.parses) == (0, 3)


@pytest.mark.parametrize("down", ["refused", "error"])
async def test_one_worker_down_sends_everything_to_the_other(
    fake_rasa: FakeRasa, other_fake_rasa: FakeRasa, dead_url: str, clock: FakeClock, down: str,
) -> None:
    broken = dead_url if down == "refused" else fake_rasa.url
    fake_rasa.mode = "error"
    rasa = RasaClient([broken, other_fake_rasa.url], CEILING_S, clock=clock, failure_threshold=3)
    try:
        for n in range(10):  # every message still gets its intent: a failed worker hands it on
            assert (await rasa.assess(f"message {n}")).intent == "smalltalk"
        assert other_fake_rasa.parses == 10
        assert rasa.workers[0].breaker.state == "open" and rasa.workers[1].breaker.state == "closed"
        if down == "error":
            assert fake_rasa.parses == 3, "no request to a worker whose breaker is open"
            fake_rasa.mode = "ok"
            clock.advance(30)
            for _ in range(2):
                await rasa.assess("hello")
            assert rasa.workers[0].breaker.state == "closed" and fake_rasa.parses == 4
    finally:
        await rasa.aclose()


async def test_with_every_worker_open_rasa_is_skipped(pair: RasaClient, fake_rasa: FakeRasa,
                                                      other_fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = other_fake_rasa.mode = "error"
    for _ in range(3):
        with pytest.raises(TriageUnavailable):
            await pair.assess("hello")
    skipped = sample("coachbot_nlu_skipped_total")
    with pytest.raises(TriageUnavailable, match="circuit open"):
        await pair.assess("hello")
    assert sample("coachbot_nlu_skipped_total") == skipped + 1
    assert fake_rasa.parses == other_fake_rasa.parses == 3


# --- saturation is not failure -----------------------------------------------------------------


async def test_a_slow_worker_is_saturated_its_breaker_stays_closed_and_nobody_waits_past_the_ceiling(
    fake_rasa: FakeRasa, clock: FakeClock, caplog: pytest.LogCaptureFixture,
) -> None:
    rasa = RasaClient(fake_rasa.url, CEILING_S, clock=clock, failure_threshold=2)
    worker = label(fake_rasa)
    try:
        await rasa.assess("first, answered at once")
        fake_rasa.mode, fake_rasa.delay_s = "slow", SLOW_S
        before = sample("coachbot_nlu_saturated_total", worker=worker, reason="timeout")
        waited = []
        with caplog.at_level(logging.INFO, logger="bot.safety.rasa"):
            for _ in range(5):
                started = time.perf_counter()
                with pytest.raises(NluSaturated):
                    await rasa.assess("I feel awful today")
                waited.append(time.perf_counter() - started)
        assert rasa.breaker.state == "closed" and rasa.breaker.failures == 0
        assert sample("coachbot_nlu_saturated_total", worker=worker, reason="timeout") == before + 5
        assert max(waited) < CEILING_S + 1.0 < SLOW_S  # gave up at its budget, never waited for Rasa
        lines = [r.getMessage() for r in caplog.records]
        assert len(lines) == 1 and lines[0].startswith("NLU saturated: 1 message(s)")  # rate-limited
        assert "awful" not in caplog.text
    finally:
        await rasa.aclose()


async def test_busy_workers_are_not_sent_more_than_their_limit(fake_rasa: FakeRasa, clock: FakeClock) -> None:
    rasa = RasaClient(fake_rasa.url, CEILING_S, clock=clock, max_in_flight=1)
    worker = label(fake_rasa)
    try:
        await rasa.assess("hello")
        fake_rasa.mode, fake_rasa.delay_s = "slow", SLOW_S
        with pytest.raises(NluSaturated):
            await rasa.assess("one")  # times out; its request still runs (late): 1 in flight
        busy = sample("coachbot_nlu_saturated_total", worker=worker, reason="busy")
        started = time.perf_counter()
        with pytest.raises(NluSaturated, match="in flight"):
            await rasa.assess("two")
        assert time.perf_counter() - started < CEILING_S  # not sent, not waited for
        assert fake_rasa.texts == ["hello", "one"]
        assert sample("coachbot_nlu_saturated_total", worker=worker, reason="busy") == busy + 1
        assert sample("coachbot_nlu_in_flight", worker=worker) == 1
    finally:
        await rasa.aclose()


async def test_a_worker_that_answers_nothing_is_broken_not_busy(fake_rasa: FakeRasa, clock: FakeClock) -> None:
    fake_rasa.mode, fake_rasa.delay_s = "slow", SLOW_S
    rasa = RasaClient(fake_rasa.url, 0.2, clock=clock, failure_threshold=2)
    try:
        for _ in range(2):  # never answered: its timeouts are failures
            with pytest.raises(NluTimeout):
                await rasa.assess("hello")
        assert rasa.breaker.state == "open"
    finally:
        await rasa.aclose()


async def test_an_answer_long_ago_does_not_make_a_silent_worker_busy(fake_rasa: FakeRasa, clock: FakeClock) -> None:
    rasa = RasaClient(fake_rasa.url, 0.5, clock=clock, failure_threshold=2)
    try:
        await rasa.assess("hello")
        fake_rasa.mode, fake_rasa.delay_s = "slow", SLOW_S
        clock.advance(ALIVE_S + 1)
        for _ in range(2):
            with pytest.raises(NluTimeout):
                await rasa.assess("hello")
        assert rasa.breaker.state == "open"
    finally:
        await rasa.aclose()


def test_the_budget_follows_recent_answer_times_under_the_ceiling(clock: FakeClock) -> None:
    worker = RasaWorker("http://127.0.0.1:1", CircuitBreaker(clock=clock, name="unit-budget"))
    assert worker.budget(0.3) == 0.3  # nothing measured yet: the ceiling
    for _ in range(20):
        worker.answered(0.012, clock())
    assert worker.budget(0.3) == MIN_BUDGET_S  # quick answers: a hung request costs 0.1 s
    assert worker.budget(3.0) == pytest.approx(1.0)  # never under a third of the ceiling
    for _ in range(20):
        worker.answered(0.06, clock())
    assert worker.budget(0.3) == pytest.approx(0.24)  # 4 x p90
    for _ in range(20):
        worker.answered(0.8, clock())  # answers that came late count too
    assert worker.budget(0.3) == 0.3  # a queue: up to the ceiling, never beyond


async def test_evaluations_wait_the_whole_timeout(fake_rasa: FakeRasa, clock: FakeClock) -> None:
    """adaptive=False (bot.safety.measure, bot.safety.evaluate): quick answers do not shorten the
    wait, so a gate's figures do not depend on how busy the machine was."""
    rasa = RasaClient(fake_rasa.url, CEILING_S, clock=clock, adaptive=False)
    try:
        for _ in range(5):
            await rasa.assess("hello")
        assert rasa.workers[0].budget(CEILING_S) < CEILING_S / 2  # what the bot would wait
        fake_rasa.mode, fake_rasa.delay_s = "slow", SLOW_S
        started = time.perf_counter()
        with pytest.raises(NluSaturated):
            await rasa.assess("hello")
        assert time.perf_counter() - started >= CEILING_S * 0.95  # a timer never fires early
    finally:
        await rasa.aclose()


def test_the_in_flight_limit_follows_how_long_a_parse_takes(clock: FakeClock) -> None:
    worker = RasaWorker("http://127.0.0.1:1", CircuitBreaker(clock=clock, name="unit-limit"))
    assert worker.limit(0.3) == MAX_IN_FLIGHT  # nothing measured yet
    for _ in range(100):
        worker.answered(0.2, clock(), outstanding=10)  # 20 ms of work each
    assert worker.limit(0.3) == 15  # more would wait past the ceiling in the worker's queue
    assert worker.limit(0.3, cap=4) == 4
    for _ in range(100):
        worker.answered(0.8, clock(), outstanding=1)  # a struggling worker
    assert worker.limit(0.3) == MIN_IN_FLIGHT  # still sent a few, to see it recover
    for _ in range(100):
        worker.answered(0.005, clock(), outstanding=1)
    assert worker.limit(0.3) == MAX_IN_FLIGHT


# --- the setting -------------------------------------------------------------------------------


def test_rasa_url_may_list_several_workers() -> None:
    settings = load_settings({"RASA_URL": "http://rasa-1:5005/, http://rasa-2:5005"})
    assert settings.rasa_url == "http://rasa-1:5005,http://rasa-2:5005"
    assert load_settings({"RASA_URL": "http://127.0.0.1:5005"}).rasa_url == "http://127.0.0.1:5005"
    for bad in ("http://rasa-1:5005,rasa-2:5005", "http://a:1,http://a:1"):
        with pytest.raises(ConfigError, match="RASA_URL"):
            load_settings({"RASA_URL": bad})


def test_docker_compose_lists_every_rasa_worker_in_the_bots_rasa_url() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    workers = sorted(name for name, service in services.items()
                     if name.startswith("rasa") and "run" in service.get("command", []))
    assert len(workers) >= 2
    rasa_url = services["bot"]["environment"]["RASA_URL"]
    assert load_settings({"RASA_URL": rasa_url}).rasa_url == ",".join(f"http://{w}:5005" for w in workers)
    assert set(workers) <= set(services["bot"]["depends_on"])


# --- requests that need no NLU -----------------------------------------------------------------

NO_NLU = [
    Inbound(chat_key="tg:77", text="/help"),
    Inbound(chat_key="tg:77", text="/start ABCD1234"),  # an invite code
    Inbound(chat_key="tg:77", text="/start@coachbot_bot QWERTY12"),
    Inbound(chat_key="tg:77", press="d:1:0"),  # a button
]


async def test_presses_commands_and_invite_codes_never_reach_rasa(
    settings: Settings, database_url: str, fake_rasa: FakeRasa,
) -> None:
    """With the triage model in process (as the bot runs), a command's words are read for risk
    by the rules and the model only: beside the model Rasa would add an intent nobody reads."""
    bot = await build_service(settings, database_url, SimulatedClock(parse_time("2026-03-02T07:00:00Z")))
    await bot.triage.aclose()
    bot.triage = Triage(fake_rasa.url, 2.0, model=TriageModel.load())
    fake_rasa.answers["the walk went fine today"] = parse_answer("mood_good", 0.9)
    try:
        for inbound in [*NO_NLU, Inbound(chat_key="tg:77", text="/pause this week is a lot")]:
            await bot.receive(inbound)
        assert fake_rasa.parses == 0
        await bot.receive(Inbound(chat_key="tg:77", text="the walk went fine today"))
        assert fake_rasa.texts == ["the walk went fine today"]
    finally:
        await bot.close()


async def test_without_the_model_rasa_still_reads_a_commands_words_for_risk(
    settings: Settings, database_url: str, fake_rasa: FakeRasa,
) -> None:
    """COACHBOT_TRIAGE_MODEL=off: Rasa's risk reading is a safety layer then, so the words after
    a command still reach it; a bare command, an invite code and a press still do not."""
    bot = await build_service(settings, database_url, SimulatedClock(parse_time("2026-03-02T07:00:00Z")))
    await bot.triage.aclose()
    bot.triage = Triage(fake_rasa.url, 2.0)
    try:
        for inbound in NO_NLU:
            await bot.receive(inbound)
        assert fake_rasa.parses == 0
        await bot.receive(Inbound(chat_key="tg:77", text="/pause this week is a lot"))
        assert fake_rasa.texts == ["this week is a lot"]
    finally:
        await bot.close()
