"""/talk: a patient's non-urgent message to their care team, answered with /message; and
/stop telling the team (or, when nobody can be told, not saying it was)."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from tests.conftest import run_scenario

QUESTION = "can we change my exercises? my knee hates the lunges"


def maria(text: str) -> dict[str, Any]:
    return {"as": "patient:p1", "text": text}


async def test_a_message_reaches_the_care_team_and_the_answer_comes_back(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, maria(f"/talk {QUESTION}"),
                        {"as": "clinician:c1", "text": "/message Maria yes, let's swap them on Thursday"}])
    [note] = [m for m in t.to("clinician:c1") if QUESTION in m["text"]]
    assert note["kind"] != "alert" and "/message Maria" in note["text"]
    assert t.alerts() == []
    assert "within a few working days" in t.texts("patient:p1")[0]
    assert "swap them on Thursday" in t.texts("patient:p1")[-1]


async def test_without_words_it_says_how(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, maria("/talk")])
    assert t.texts("patient:p1") == ["Write /talk and then your message for your care team, for example: "
                                     "/talk can we change my exercises?"]
    assert t.to("clinician:c1") == []


async def test_a_crisis_in_a_talk_message_takes_the_crisis_path(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, maria("/talk i want to kill myself tonight")])
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["crisis"]
    assert not any("working days" in text for text in t.texts("patient:p1"))


async def test_in_german(shipped_settings: Settings, database_url: str, seed: dict[str, Any]) -> None:
    seed["patients"][0]["locale"] = "de"
    t = await run_scenario(shipped_settings, [{"seed": seed}, maria(f"/talk {QUESTION}")], database_url)
    assert "innerhalb weniger Werktage" in t.texts("patient:p1")[0]


async def test_nobody_to_write_to_and_nobody_to_tell(scenario: Any, seed: dict[str, Any]) -> None:
    seed["groups"].append({"id": "g3", "clinicians": []})
    seed["patients"].append({"id": "p3", "name": "Lena", "group": "g3", "timezone": "Europe/Berlin",
                             "checkin_time": "09:00", "locale": "en"})
    t = await scenario([{"seed": seed}, {"as": "patient:p3", "text": f"/talk {QUESTION}"},
                        {"as": "patient:p3", "text": "/stop"}])
    talked, stopped = t.texts("patient:p3")
    assert "can't pass messages to your care team" in talked
    assert "let your care team know yourself" in stopped and "has been told" not in stopped


async def test_stop_tells_the_team(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, maria("/stop")])
    assert any("Maria has left the programme" in m["text"] for m in t.to("clinician:c1"))
    assert "has been told" in t.texts("patient:p1")[0]
