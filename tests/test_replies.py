"""Typed yes and no without Rasa (bot.replies), and a dialogue that branches on them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.replies import AFFIRM, DENY, plain_intent
from tests.conftest import run_scenario


@pytest.mark.parametrize(("text", "intent"), [
    ("yes", AFFIRM), ("Yes please!", AFFIRM), ("ok 👍", AFFIRM), ("Ja", AFFIRM), ("ja gerne", AFFIRM),
    ("passt", AFFIRM), ("klar.", AFFIRM), ("no", DENY), ("Nein", DENY), ("nein danke", DENY),
    ("nö", DENY), ("lieber nicht", DENY), ("no thanks", DENY),
    ("no, but my knee hurts", None), ("yes i did the exercises this morning before work", None),
    ("nothing", None), ("nicht schlecht", None), ("", None), ("jain", None),
])
def test_a_short_yes_or_no(text: str, intent: str | None) -> None:
    assert plain_intent(text) == intent


@given(st.text())
def test_any_text_is_read_without_failing(text: str) -> None:
    assert plain_intent(text) in (AFFIRM, DENY, None)


@pytest.mark.parametrize(("locale", "typed"), [("en", "nope"), ("de", "nein")])
async def test_a_typed_no_to_the_check_in_is_understood_without_rasa(
    shipped_settings: Settings, database_url: str, seed: dict[str, Any], locale: str, typed: str,
) -> None:
    """The shipped daily check-in branches on `deny`: without Rasa, a typed no ends it kindly
    instead of "sorry, I didn't understand"."""
    seed["patients"][0]["locale"] = locale
    t = await run_scenario(shipped_settings, [{"seed": seed}, {"advance": "PT2H"},
                                              {"as": "patient:p1", "text": typed}], database_url)
    asked, answer = t.texts("patient:p1")  # not "sorry, I didn't understand" and the question again
    assert "0" in asked and "10" in asked
    assert "Maria" in answer and "understand" not in answer and "verstanden" not in answer
