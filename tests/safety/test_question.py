"""The three risk bands, end to end through the simulator: a possible crisis gets the direct
safety question, and each answer (or silence) takes the right path; a medical emergency gets
the emergency number; the crisis path holds with the model down.

The model here is scripted (scores by phrase), so each band is tested by name rather than by
what a trained model happens to say; tests/safety/test_model.py runs the real one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.config import Settings
from bot.safety import model as triage_model
from bot.safety.model import Scores, Thresholds
from tests.conftest import run_scenario

POSSIBLE = "everything feels heavy and i keep thinking about the bridge"
MEDICAL = "my left arm went weak and my speech is slurred, probably nothing"
SCORES = {
    POSSIBLE: Scores(crisis=0.4, concern=0.3),
    MEDICAL: Scores(crisis=0.95, medical=0.9),
    "kill myself": Scores(crisis=0.99),
}


class ScriptedModel:
    """Stands in for bot.safety.model.TriageModel: fixed scores for known phrases."""

    thresholds = Thresholds(crisis=0.9, ask=0.2, concern=0.8, rupture=0.7)

    def score(self, text: str) -> Scores:
        for phrase, scores in SCORES.items():
            if phrase in text.lower():
                return scores
        return Scores()


class BrokenModel(ScriptedModel):
    def score(self, text: str) -> Scores:
        raise RuntimeError("the model fell over")


@pytest.fixture
def model_settings(shipped_settings: Settings) -> Settings:
    return replace(shipped_settings, triage_model=True)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triage_model, "shared_model", lambda directory: ScriptedModel())


@pytest.fixture
def run(model_settings: Settings, database_url: str, scripted: None) -> Any:
    async def go(steps: list[dict[str, Any]]) -> Any:
        return await run_scenario(model_settings, steps, database_url)

    return go


def says(text: str) -> dict[str, Any]:
    return {"as": "patient:p1", "text": text}


def press(label: str) -> dict[str, Any]:
    return {"as": "patient:p1", "press": label}


async def test_a_possible_crisis_gets_the_direct_question_and_no_alert(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, says(POSSIBLE)])
    [question] = t.to("patient:p1")
    assert "are you thinking about ending your life" in question["text"]
    assert question["buttons"] == [["Yes", "I'm not sure", "No"]]
    assert t.alerts() == []


@pytest.mark.parametrize("answer", [press("Yes"), press("I'm not sure"), says("yes i am")])
async def test_yes_or_not_sure_opens_the_crisis_path_at_once(
    run: Any, seed: dict[str, Any], answer: dict[str, Any],
) -> None:
    t = await run([{"seed": seed}, says(POSSIBLE), answer])
    texts = t.texts("patient:p1")
    assert "call 112" in texts[1]  # the safety response for Berlin
    [alert] = t.alerts("clinician:c1")
    assert alert["severity"] == "crisis"
    assert "direct safety question" in alert["text"]


async def test_no_gets_a_supportive_reply_and_a_routine_note(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, says(POSSIBLE), press("No"), {"advance": "PT1H"}])
    assert "I'm glad" in t.texts("patient:p1")[1]
    assert [a["severity"] for a in t.alerts()] == ["concern"]
    assert "they said no" in t.alerts()[0]["text"]


async def test_a_reply_that_answers_neither_way_asks_again(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, says(POSSIBLE), says("the weather is grey"), says("no")])
    texts = t.texts("patient:p1")
    assert "I want to be sure I understood you" in texts[1]
    assert "I'm glad" in texts[2]


async def test_silence_for_thirty_minutes_raises_a_crisis_alert_saying_so(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, says(POSSIBLE), {"advance": "PT29M"}, {"advance": "PT2M"}])
    [alert] = t.alerts("clinician:c1")
    assert alert["severity"] == "crisis" and alert["at"].startswith("2026-03-02T07:30")
    assert "went unanswered for 30 minutes" in alert["text"]
    assert "call 112" in t.texts("patient:p1")[1]


async def test_an_answer_after_the_deadline_changes_nothing_more(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, says(POSSIBLE), {"advance": "PT31M"}, press("No")])
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["crisis"]


async def test_german_patients_are_asked_in_german_and_nein_is_understood(run: Any, seed: dict[str, Any]) -> None:
    seed["patients"][0]["locale"] = "de"
    t = await run([{"seed": seed}, says(POSSIBLE), says("nein")])
    question, reply = t.texts("patient:p1")
    assert "Denken Sie daran, sich das Leben zu nehmen" in question
    assert t.to("patient:p1")[0]["buttons"] == [["Ja", "Ich weiß nicht", "Nein"]]
    assert "das freut mich" in reply


async def test_quiet_hours_never_delay_the_question_or_its_deadline(run: Any, seed: dict[str, Any]) -> None:
    seed["start"] = "2026-03-02T22:30:00Z"  # 23:30 in Berlin
    t = await run([{"seed": seed}, says(POSSIBLE), {"advance": "PT31M"}])
    question = t.to("patient:p1")[0]
    assert question["at"].startswith("2026-03-02T22:30")
    [alert] = t.alerts("clinician:c1")
    assert alert["at"].startswith("2026-03-02T23:0")


async def test_a_medical_emergency_gets_the_emergency_number_first(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, says(MEDICAL)])
    first = t.texts("patient:p1")[0]
    assert first.startswith("This sounds like it could be a medical emergency. Please call 112")
    assert "crisis line" not in first.lower()
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["crisis"]


async def test_a_medical_emergency_in_the_us_says_911(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, {"as": "patient:p2", "text": MEDICAL}])
    assert "Please call 911" in t.texts("patient:p2")[0]


async def test_with_the_model_broken_the_rules_still_open_a_crisis(
    model_settings: Settings, database_url: str, seed: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(triage_model, "shared_model", lambda directory: BrokenModel())
    t = await run_scenario(model_settings, [{"seed": seed}, says("i am going to kill myself tonight")], database_url)
    assert "call 112" in t.texts("patient:p1")[0]
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["crisis"]


async def test_with_the_model_off_the_rules_decide(
    shipped_settings: Settings, database_url: str, seed: dict[str, Any],
) -> None:
    steps = [{"seed": seed}, says("i am going to kill myself tonight"), {"as": "patient:p2", "text": POSSIBLE}]
    t = await run_scenario(shipped_settings, steps, database_url)
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["crisis"]
    assert not any("are you thinking about ending your life" in text for text in t.texts("patient:p2"))


async def test_a_possible_crisis_after_a_command_is_asked_about_not_lost(run: Any, seed: dict[str, Any]) -> None:
    t = await run([{"seed": seed}, says("/pause " + POSSIBLE)])
    assert "are you thinking about ending your life" in t.texts("patient:p1")[0]
