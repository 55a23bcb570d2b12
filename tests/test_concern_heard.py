"""A patient who tells the bot something worrying (a concern) hears that it was passed on, or,
when no clinician can receive it, whom to tell; never "I'll be in touch at your check-in time"
or "I didn't catch that"."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import Transcript, run_scenario

HOPELESS = "i have been feeling really hopeless for weeks, nothing helps"
PASSED_ON = "I've passed this on to your care team"
BRUSHED_OFF = ("I'll be in touch at your check-in time", "didn't quite catch")


@pytest.fixture
def scenario(shipped_settings: Settings, database_url: str) -> Any:
    """The shipped content (both languages), with the triage model: the rules alone read no
    German concern."""
    async def run(steps: list[dict[str, Any]]) -> Transcript:
        return await run_scenario(replace(shipped_settings, triage_model=True), steps, database_url)

    return run


async def test_a_concern_between_conversations_is_answered_as_heard(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": HOPELESS}])
    [reply] = t.texts("patient:p1")
    assert PASSED_ON in reply and "Maria" in reply
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["concern"]


async def test_a_concern_during_the_check_in_is_heard_then_the_question_comes_again(
    scenario: Any, seed: dict[str, Any],
) -> None:
    worse = "my knee is much worse since yesterday, swollen and hurts at night"
    t = await scenario([{"seed": seed}, {"advance": "PT2H"}, {"as": "patient:p1", "text": worse}])
    question, heard, again = t.to("patient:p1")
    assert question["buttons"] and PASSED_ON in heard["text"]
    assert again["text"] == question["text"] and again["buttons"] == question["buttons"]
    assert not any(words in line for line in t.texts("patient:p1") for words in BRUSHED_OFF)


async def test_in_german_too(scenario: Any, seed: dict[str, Any]) -> None:
    seed["patients"][0]["locale"] = "de"
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": "ich fühle mich seit wochen hoffnungslos"}])
    [reply] = t.texts("patient:p1")
    assert "an Ihr Behandlungsteam weitergegeben" in reply


async def test_nobody_is_promised_when_no_clinician_can_receive_it(scenario: Any, seed: dict[str, Any]) -> None:
    seed["clinicians"][0]["linked"] = False
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": HOPELESS}])
    [reply] = t.texts("patient:p1")
    assert PASSED_ON not in reply and "isn't connected to me yet" in reply
