"""Triage: the two layers combined, Rasa failures never surfacing, and the `coachbot triage` contract."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from bot.safety.model import TriageModel
from bot.safety.rasa import CircuitBreaker
from bot.safety.triage import Triage, run_triage_cli
from bot.safety.verdict import Verdict
from tests.safety.conftest import FakeClock, FakeRasa, parse_answer

RASA_TIMEOUT_S = 1.0
"""Long enough for the fake server's first answer on a loaded machine; the slow fake waits
SLOW_S, well past it."""
SLOW_S = 3.0


@pytest.fixture
async def triage(fake_rasa: FakeRasa, clock: FakeClock) -> Any:
    t = Triage(fake_rasa.url, timeout_s=RASA_TIMEOUT_S, breaker=CircuitBreaker(2, 30, clock))
    yield t
    await t.aclose()


async def test_without_rasa_the_rules_decide() -> None:
    triage = Triage(None)
    assert not triage.uses_rasa
    verdict = await triage.assess("I want to die")
    assert verdict.risk == "crisis" and verdict.intent is None
    await triage.aclose()


async def test_rasa_adds_the_everyday_intent(triage: Triage, fake_rasa: FakeRasa) -> None:
    fake_rasa.answers["yep"] = parse_answer("affirm", 0.9)
    verdict = await triage.assess("yep")
    assert (verdict.risk, verdict.intent) == ("none", "affirm")


async def test_rasa_raises_what_the_rules_missed(triage: Triage, fake_rasa: FakeRasa) -> None:
    fake_rasa.answers["I'm sitting on the motorway bridge"] = parse_answer("crisis_suicidal", 0.91)
    verdict = await triage.assess("I'm sitting on the motorway bridge")
    assert verdict.risk == "crisis"
    assert verdict.reasons == ["rasa: crisis_suicidal (0.91)"]


async def test_the_higher_verdict_wins_and_reasons_come_from_both(triage: Triage, fake_rasa: FakeRasa) -> None:
    text = "this is pointless and I feel hopeless"
    fake_rasa.answers[text] = parse_answer("rupture_confrontation", 0.95)
    verdict = await triage.assess(text)
    assert (verdict.risk, verdict.rupture) == ("concern", "confrontation")
    assert verdict.reasons[0].startswith("rule: ") and verdict.reasons[-1].startswith("rasa: ")


async def test_rasa_never_lowers_the_rules(triage: Triage, fake_rasa: FakeRasa) -> None:
    fake_rasa.default = parse_answer("mood_good", 0.99)
    assert (await triage.assess("my knee pain is getting worse")).risk == "concern"


async def test_a_crisis_from_the_rules_does_not_wait_on_rasa(triage: Triage, fake_rasa: FakeRasa) -> None:
    fake_rasa.mode, fake_rasa.delay_s = "slow", SLOW_S
    verdict = await triage.assess("I'm going to kill myself")
    assert verdict.risk == "crisis"
    assert fake_rasa.parses == 0


@pytest.mark.parametrize("mode", ["slow", "error", "garbage", "not_object", "hang_up"])
async def test_rasa_failures_fall_back_to_the_rules(triage: Triage, fake_rasa: FakeRasa, mode: str) -> None:
    fake_rasa.mode, fake_rasa.delay_s = mode, SLOW_S
    verdict = await triage.assess("couldn't sleep again last night")
    assert verdict.risk == "concern"
    assert all(reason.startswith("rule: ") for reason in verdict.reasons)


async def test_a_down_server_never_raises(dead_url: str) -> None:
    triage = Triage(dead_url, timeout_s=0.2)
    try:
        assert (await triage.assess("hello")) == Verdict()
        assert not await triage.probe(0.2)
    finally:
        await triage.aclose()


async def test_after_repeated_failures_rasa_is_skipped(triage: Triage, fake_rasa: FakeRasa) -> None:
    fake_rasa.mode = "error"
    for _ in range(5):
        await triage.assess("hello")
    assert fake_rasa.parses == 2


async def test_a_bug_in_the_rules_is_a_concern_not_a_lost_message() -> None:
    def broken(text: str) -> Verdict:
        raise RuntimeError("bug")

    triage = Triage(None, rules_assess=broken)
    assert (await triage.assess("anything")).risk == "concern"


# --- `coachbot triage` ------------------------------------------------------------------------

CONTRACT_KEYS = ["text", "risk", "rupture", "reasons", "ask"]


def _run(lines: list[str], url: str | None) -> tuple[list[dict[str, Any]], str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = run_triage_cli(lines, out, url, 0.5, err=err, model_directory=None)  # rules and Rasa (model: test_model)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue(), code


def test_cli_prints_one_json_object_per_line_with_exactly_the_contract_keys() -> None:
    rows, err, code = _run(["I want to die\n", "\n", "   \n", "my legs are dead lol\n", "whatever"], None)
    assert code == 0
    assert [list(row) for row in rows] == [CONTRACT_KEYS] * 5
    assert [row["text"] for row in rows] == ["I want to die", "", "   ", "my legs are dead lol", "whatever"]
    assert [(row["risk"], row["rupture"]) for row in rows] == [
        ("crisis", "none"), ("none", "none"), ("none", "none"), ("none", "none"), ("none", "withdrawal"),
    ]
    assert rows[0]["reasons"] == ["rule: suicidal ideation ('want to die')"]
    assert err.count("\n") == 1 and "safety rules alone" in err


def test_cli_uses_rasa_when_it_answers(fake_rasa: FakeRasa) -> None:
    fake_rasa.answers["nothing left in me"] = parse_answer("crisis_suicidal", 0.9)
    rows, err, _ = _run(["nothing left in me\n"], fake_rasa.url)
    assert rows[0]["risk"] == "crisis" and rows[0]["reasons"] == ["rasa: crisis_suicidal (0.90)"]
    assert "using Rasa" in err


def test_cli_falls_back_to_the_rules_when_rasa_is_unreachable(dead_url: str) -> None:
    rows, err, code = _run(["kms\n", "hi\n"], dead_url)
    assert code == 0 and [row["risk"] for row in rows] == ["crisis", "none"]
    assert "not reachable" in err and err.count("\n") == 1


def test_cli_flushes_after_each_line() -> None:
    class Recording(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.flushed: list[str] = []

        def flush(self) -> None:
            self.flushed.append(self.getvalue())

    out = Recording()
    run_triage_cli(iter(["one\n", "two\n"]), out, None, 0.3, err=io.StringIO())
    assert out.flushed[:2] == [out.getvalue().splitlines(keepends=True)[0], out.getvalue()]


def test_cli_keeps_unicode_readable() -> None:
    rows, _, _ = _run(["schöner Tag heute 😊\n"], None)
    assert rows[0]["text"] == "schöner Tag heute 😊"


@pytest.mark.parametrize("text", ["hello", "Hey there!", "moin 👋", "Servus!!", "thanks :)", "Danke schön",
                                  "good morning everyone ☀️", "ok."])
async def test_a_greeting_or_thanks_alone_is_never_a_rupture(
    triage: Triage, fake_rasa: FakeRasa, text: str,
) -> None:
    """Whatever a layer reads into it (here Rasa says withdrawal), "hello" alerts nobody."""
    fake_rasa.default = parse_answer("rupture_withdrawal", 0.99)
    assert (await triage.assess(text)).rupture == "none"


@pytest.mark.parametrize("text", ["whatever", "not today", "egal", "hello, stop messaging me"])
async def test_a_refusal_stays_a_withdrawal(triage: Triage, fake_rasa: FakeRasa, text: str) -> None:
    fake_rasa.default = parse_answer("rupture_withdrawal", 0.99)
    assert (await triage.assess(text)).rupture == "withdrawal"


async def test_the_shipped_model_reads_no_greeting_as_a_rupture() -> None:
    """Found trying the terminal chat: "hello" as a first message paged the demo clinician."""
    triage = Triage(None, model=TriageModel.load())
    for text in ("hello", "hey there", "moin", "hi bot", "ok", "servus"):
        assert (await triage.assess(text)).rupture == "none", text
    await triage.aclose()
