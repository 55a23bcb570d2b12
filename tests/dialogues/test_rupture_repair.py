"""The rupture repair dialogue, as a patient reads it (shipped content), and the bot starting
it on a confrontation or withdrawal instead of brushing it off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import run_scenario
from tests.dialogues.chat import Chat

ANGRY = "this programme is useless and you never listen"


def test_a_confrontation_is_acknowledged_in_their_words_with_choices(chat: Chat) -> None:
    chat.start("rupture_repair", rupture="confrontation", said=ANGRY)
    assert f"You wrote: “{ANGRY}”" in chat.texts[0]
    assert chat.buttons == ["Easier exercises", "A different time", "Fewer messages", "Talk to a person",
                            "I just wanted to say it"]


@pytest.mark.parametrize(("choice", "flagged"), [
    ("Easier exercises", "asked for easier exercises"), ("Fewer messages", "asked for fewer messages"),
    ("Talk to a person", "asked to talk to a person from their care team"), ("A different time", None),
    ("I just wanted to say it", None),
])
def test_each_choice_is_a_real_one(chat: Chat, choice: str, flagged: str | None) -> None:
    chat.start("rupture_repair", rupture="withdrawal", said="whatever").press(choice)
    assert chat.finished
    assert [f.reason for f in chat.flags] == ([flagged] if flagged else [])


def test_their_own_words_reach_the_care_team(chat: Chat) -> None:
    chat.start("rupture_repair", rupture="confrontation", said=ANGRY).send("shorter videos please")
    assert [f.reason for f in chat.flags] == ["said what would help: shorter videos please"]


async def test_the_bot_repairs_instead_of_brushing_off(shipped_settings: Settings, database_url: str,
                                                       seed: dict[str, Any]) -> None:
    """Mid check-in, a confrontation: the repair dialogue, not "sorry, I didn't understand";
    the check-in comes back after it; the clinician has one rupture alert, with the choice added."""
    t = await run_scenario(shipped_settings, [
        {"seed": seed}, {"advance": "PT2H"},
        {"as": "patient:p1", "text": ANGRY},
        {"as": "patient:p1", "press": "Easier exercises"},
    ], database_url)
    maria = t.texts("patient:p1")
    assert maria[0].startswith("Hi Maria!")  # the check-in question
    assert f"You wrote: “{ANGRY}”" in maria[1]
    assert not any("didn't quite get that" in text for text in maria)
    assert "easier exercises" in maria[-3] and maria[-1].startswith("Hi Maria!")  # the check-in again
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["rupture"]
    assert any("asked for easier exercises" in m["text"] for m in t.to("clinician:c1") if m["kind"] != "alert")


@pytest.mark.parametrize("choice", ["Easier exercises", "Fewer messages", "Talk to a person"])
def test_nothing_is_promised_when_nobody_can_be_told(chat: Chat, choice: str) -> None:
    chat.start("rupture_repair", rupture="confrontation", said=ANGRY, team="none").press(choice)
    assert chat.finished and chat.flags == []
    assert "please tell them yourself" in chat.last_text


async def test_a_group_without_a_reachable_team_gets_no_promise(
    shipped_settings: Settings, database_url: str, seed: dict[str, Any],
) -> None:
    seed["groups"].append({"id": "g3", "clinicians": []})
    seed["patients"].append({"id": "p3", "name": "Lena", "group": "g3", "timezone": "Europe/Berlin",
                             "checkin_time": "09:00", "locale": "en"})
    t = await run_scenario(shipped_settings, [
        {"seed": seed}, {"as": "patient:p3", "text": ANGRY}, {"as": "patient:p3", "press": "Talk to a person"},
    ], database_url)
    assert "please tell them yourself" in t.texts("patient:p3")[-1]
    assert not any("I've asked your care team" in text for text in t.texts("patient:p3"))


async def test_not_before_onboarding_is_done(shipped_settings: Settings, database_url: str, seed: dict[str, Any],
                                            tmp_path: Path) -> None:
    """Someone who has not agreed to the programme yet is not asked how to change it: the
    onboarding question stands."""
    from tests.test_cohort import invite_code

    await run_scenario(shipped_settings, [{"seed": seed}], database_url)
    code = await invite_code(shipped_settings, database_url, tmp_path)
    t = await run_scenario(shipped_settings, [
        {"seed": {"start": seed["start"]}},
        {"as": "patient:new1", "text": f"/start {code}"}, {"as": "patient:new1", "text": ANGRY},
    ], database_url)
    texts = t.texts("patient:new1")
    assert texts and not any("You wrote:" in text for text in texts)
    assert texts[-1] == "Are you happy to go ahead?"  # asked again, not set aside
