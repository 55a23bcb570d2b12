"""A crisis in a group whose alerts reach nobody (no clinician, or none on Telegram, and no
backup): the patient gets the same help, and is never told that someone knows."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import Transcript, run_scenario

CRISIS = "i'm going to kill myself tonight"
PROMISES = ("care team has been told", "passed this on", "will be in touch", "will still check in",
            "behandlungsteam ist informiert", "meldet sich")


def without_a_team(seed: dict[str, Any], locale: str = "en") -> dict[str, Any]:
    seed["groups"].append({"id": "g3", "clinicians": []})
    seed["patients"].append({"id": "p3", "name": "Lena", "group": "g3", "timezone": "Europe/Berlin",
                             "checkin_time": "09:00", "locale": locale})
    return seed


@pytest.fixture
def scenario(shipped_settings: Settings, database_url: str) -> Any:
    """The shipped content: its crisis texts are what patients read."""
    async def run(steps: list[dict[str, Any]]) -> Transcript:
        return await run_scenario(shipped_settings, steps, database_url)

    return run


def says(text: str) -> dict[str, Any]:
    return {"as": "patient:p3", "text": text}


def promises_a_person(t: Transcript) -> list[str]:
    return [text for text in t.texts("patient:p3") if any(p in text.lower() for p in PROMISES)]


async def test_a_crisis_that_reaches_nobody_gets_help_without_a_promise(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": without_a_team(seed)}, says(CRISIS), says("please someone help")])
    first = t.texts("patient:p3")[0]
    assert "could not reach anyone from your care team" in first
    assert "emergency" in first.lower()
    assert any("can't reach anyone from your care team" in text for text in t.texts("patient:p3")[1:])
    assert promises_a_person(t) == []
    assert t.alerts() == []


async def test_in_german_too(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": without_a_team(seed, "de")}, says("ich will mich umbringen")])
    assert "konnte gerade niemanden aus Ihrem Behandlungsteam erreichen" in t.texts("patient:p3")[0]
    assert promises_a_person(t) == []


@pytest.mark.parametrize("press", ["I need help now", "I'm safe right now"])
async def test_the_safety_buttons_make_no_promise_either(scenario: Any, seed: dict[str, Any], press: str) -> None:
    pressed = {"as": "patient:p3", "press": press}
    t = await scenario([{"seed": without_a_team(seed)}, says(CRISIS), pressed, pressed])
    assert len(t.texts("patient:p3")) >= 3
    assert promises_a_person(t) == []


async def test_a_clinician_who_has_not_linked_telegram_is_nobody(scenario: Any, seed: dict[str, Any]) -> None:
    """In the simulator every clinician has a chat; a clinician without one is what an invited
    clinician is until they send /start CODE."""
    seed = without_a_team(seed)
    seed["clinicians"].append({"id": "c9", "name": "Dr Nine", "linked": False})
    seed["groups"][-1]["clinicians"] = ["c9"]
    t = await scenario([{"seed": seed}, says(CRISIS)])
    assert "could not reach anyone from your care team" in t.texts("patient:p3")[0]


async def test_a_crisis_that_reaches_someone_still_says_so(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": CRISIS}])
    assert "care team has been told" in t.texts("patient:p1")[0].lower()
    assert t.alerts("clinician:c1")
