"""Text at the door: whatever a JSON decoder can produce is stored and triaged, and triage reads
the whole message, not just the part the dialogue keeps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.service import MAX_TEXT, Coachbot, without_unstorable

LONE_SURROGATE = "\ud83d"


@given(st.text(alphabet=st.characters(codec=None)))
def test_any_decoded_string_becomes_storable_text(text: str) -> None:
    stored = without_unstorable(text)
    stored.encode("utf-8")  # would raise on a lone surrogate
    assert "\x00" not in stored


def test_a_surrogate_pair_is_kept_as_its_character_and_a_lone_one_replaced() -> None:
    assert without_unstorable("ok \ud83d\ude00") == "ok 😀"
    assert without_unstorable("tonight " + LONE_SURROGATE) == "tonight \ufffd"


async def test_a_crisis_with_a_lone_surrogate_still_reaches_the_clinician(scenario: Any, seed: dict[str, Any]) -> None:
    text = "i have the pills ready and i'm going to take them all tonight " + LONE_SURROGATE
    assert json.loads(json.dumps(text)) == text  # what a Telegram update can carry
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": text}, {"as": "patient:p1", "text": "hello"}])
    assert t.status == 0
    [alert] = [a for a in t.alerts("clinician:c1") if "URGENT" in a["text"]][:1]
    assert alert["severity"] == "crisis" and "\ufffd" in alert["text"]


async def test_a_crisis_sentence_after_character_4000_is_triaged(scenario: Any, seed: dict[str, Any]) -> None:
    text = ("Did my walk, the weather was fine and my knee only a bit stiff today. " * 60)[:4050]
    text += " Honestly I want to kill myself tonight."
    assert len(text) > MAX_TEXT
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": text}])
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["crisis"]


@pytest.mark.parametrize(("text", "triaged"), [
    ("/start K7QW2MZP", ""),  # an invite code is no one's words: not sent to the model or Rasa
    ("/start kms", "kms"),
    ("/pause I can't go on", "I can't go on"),
    ("feeling fine", "feeling fine"),
])
def test_what_is_triaged_of_a_command(text: str, triaged: str) -> None:
    assert Coachbot._words_to_triage(text) == triaged
