"""A German patient reads German only: every shipped dialogue walked through, button by
button (the first, then the second, ... on each path), with its hand-overs, and every text
and button read for English."""

from __future__ import annotations

import re

import pytest

from bot import PROJECT_ROOT
from bot.content.bundle import Bundle
from bot.errors import StaleButton
from tests.dialogues.chat import Chat
from tests.dialogues.conftest import PATIENT

ENGLISH = re.compile(r"\b(the|you|your|today|how|what|tap|please|thanks|thank|done|skip|with|this)\b",
                     re.IGNORECASE)
"""Words a German text never has; an English text almost always has one."""
DIALOGUES = sorted(p.stem for p in (PROJECT_ROOT / "dialogues").glob("*.yaml"))
PATHS = 4
"""On path k every question is answered with button k (or the last one)."""
MAX_STEPS = 60
TYPED = ["Maria", "Berlin", "09:00", "de"]
"""What a patient types where a state waits for text (onboarding: name, zone, time, language)."""


def english_in(chat: Chat) -> list[str]:
    return [t for t in [*chat.texts, *chat.buttons] if ENGLISH.search(t)]


@pytest.mark.parametrize("dialogue", DIALOGUES)
@pytest.mark.parametrize("path", range(PATHS))
def test_a_german_patient_reads_no_english(bundle: Bundle, dialogue: str, path: int) -> None:
    chat = Chat(bundle, {**PATIENT, "locale": "de"})
    chat.start(dialogue, exercise="shoulder_rolls")
    found = english_in(chat)
    typed = iter(TYPED)
    for _ in range(MAX_STEPS):
        if chat.started:
            chat.follow()
        elif chat.finished:
            break
        else:
            try:
                chat.press(chat.buttons[min(path, len(chat.buttons) - 1)])
            except (StaleButton, IndexError):  # the state waits for typed text
                chat.send(next(typed, "ok"))
        found += english_in(chat)
    assert found == []
