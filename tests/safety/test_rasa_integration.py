"""Against a real Rasa server trained from content/nlu (`.ci/rasa.sh start`; CI sets RASA_URL)."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest

from bot.safety import evaluate
from bot.safety.rasa import RasaClient, verdict_from_parse
from bot.safety.triage import Triage

RASA_URL = os.environ.get("RASA_URL", "").rstrip("/")

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(not RASA_URL, reason="RASA_URL is not set (start one with .ci/rasa.sh start)"),
]
PARSE_TIMEOUT_S = 5.0
"""Generous: these tests check the model, not the production time budget."""


async def _parse(text: str) -> dict[str, object]:
    client = RasaClient(RASA_URL, PARSE_TIMEOUT_S)
    try:
        return await client.parse(text)
    finally:
        await client.aclose()


async def test_the_server_has_the_model_loaded() -> None:
    client = RasaClient(RASA_URL, PARSE_TIMEOUT_S)
    try:
        assert await client.status(PARSE_TIMEOUT_S)
    finally:
        await client.aclose()


@pytest.mark.parametrize("text", [
    "i'm going to take my own life",
    "i've been cutting again",
    "my partner hit me last night",
    "got a pain in my chest",
    "i've been stockpiling my tablets",
])
async def test_rasa_alone_knows_the_crises_it_was_trained_on(text: str) -> None:
    """Wiring, not quality: the served model is ours and its intents map to a crisis.
    How well it generalises is measured by the evaluation below."""
    assert verdict_from_parse(await _parse(text)).risk == "crisis"


@pytest.mark.parametrize(("text", "intent"), [
    ("yes please", "affirm"),
    ("no thank you", "deny"),
    ("did my exercises", "done_exercise"),
    ("feeling low", "mood_low"),
    ("how does this work", "help"),
    ("skipped it today", "skip_exercise"),
])
async def test_everyday_intents_reach_the_dialogues(text: str, intent: str) -> None:
    verdict = verdict_from_parse(await _parse(text))
    assert (verdict.risk, verdict.intent) == ("none", intent)


async def test_triage_combines_rules_and_rasa_within_the_budget() -> None:
    triage = Triage(RASA_URL, PARSE_TIMEOUT_S)
    try:
        assert await triage.probe()
        assert (await triage.assess("I want to kill myself")).risk == "crisis"
        everyday = await triage.assess("yes please")
        assert (everyday.risk, everyday.intent) == ("none", "affirm")
    finally:
        await triage.aclose()


def test_the_two_layers_miss_no_crisis_and_stay_under_5_percent_false_alarms() -> None:
    out = io.StringIO()
    code = evaluate.main(["--rasa-url", RASA_URL], out=out)
    assert code == 0, out.getvalue()[-3000:]


async def test_a_crisis_through_the_whole_bot_with_rasa_up(
    settings: Any, database_url: str, seed: dict[str, Any],
) -> None:
    """The simulator runs the whole bot with the real Rasa server in the loop."""
    from dataclasses import replace

    from tests.conftest import run_scenario

    t = await run_scenario(replace(settings, rasa_url=RASA_URL, rasa_timeout_s=PARSE_TIMEOUT_S), [
        {"seed": seed},
        {"as": "patient:p1", "text": "I've been stockpiling my tablets, I want to die"},
    ], database_url)
    assert any("FIXTURE SAFETY RESPONSE" in text for text in t.texts("patient:p1"))
    assert [(a["to"], a["severity"]) for a in t.alerts()] == [("clinician:c1", "crisis")]
