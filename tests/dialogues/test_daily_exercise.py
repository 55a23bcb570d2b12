"""Today's exercise, step by step, through the `exercise:` state kind."""

from __future__ import annotations

import pytest

from bot.content.bundle import Bundle
from tests.dialogues.chat import Chat


def walk_to_outcome(chat: Chat) -> None:
    while chat.buttons and chat.buttons[0] == "Next ▶️":
        chat.press("Next ▶️")


def test_steps_then_done_then_rating(chat: Chat) -> None:
    chat.start("daily_exercise", exercise="box_breathing")
    assert chat.texts[:2] == ["Ready when you are, Maria. Go at your own pace and tap Next for each step.",
                              "Today's exercise: Box breathing"]
    assert chat.last_text.startswith("(1/5) Sit comfortably")
    assert chat.buttons == ["Next ▶️", "Skip today"]
    for n in range(2, 6):
        chat.press("Next ▶️")
        assert chat.last_text.startswith(f"({n}/5)")
        assert chat.state == f"practise.box_breathing.{n}"
    chat.press("Next ▶️")
    assert chat.last_text == "How did it go?"
    assert chat.buttons == ["Done ✅", "Done, it was hard", "Skip today"]
    chat.press("Done ✅")
    assert chat.answers == {"exercise.id": "box_breathing", "exercise.outcome": "done"}
    assert chat.last_text.startswith("How hard did it feel?")
    chat.press("2")
    assert chat.answers["exercise.rating"] == 2
    assert chat.last_text == "Well done, Maria! That's today's exercise done."
    assert chat.finished and chat.flags == []


def test_physio_asks_about_pain_and_flags_high_pain(chat: Chat) -> None:
    chat.start("daily_exercise", exercise="knee_extension")
    walk_to_outcome(chat)
    chat.press("Done, it was hard")
    assert chat.last_text.startswith("How much pain or strain")
    chat.press("9")
    assert chat.answers["exercise.outcome"] == "hard"
    assert [f.severity for f in chat.flags] == ["concern"]
    assert "knee_extension" in chat.flags[0].reason
    assert "I've let your care team know" in chat.last_text


def test_hard_breathing_is_acknowledged_without_an_alert(chat: Chat) -> None:
    chat.start("daily_exercise", exercise="box_breathing")
    walk_to_outcome(chat)
    chat.press("Done, it was hard").press("9")
    assert chat.flags == []
    assert chat.last_text.startswith("Thank you for sticking with it")


def test_skip_on_the_first_step_asks_gently_what_got_in_the_way(chat: Chat) -> None:
    chat.start("daily_exercise", exercise="walking").press("Skip today")
    assert chat.answers == {"exercise.id": "walking", "exercise.outcome": "skipped"}
    assert chat.last_text.startswith("That's fine, Maria. Rest is part of it too.")
    chat.press("No time")
    assert chat.answers["exercise.skip_reason"] == "time"
    assert chat.finished


def test_rather_not_say_records_no_reason(chat: Chat) -> None:
    chat.start("daily_exercise", exercise="walking").press("Skip today").press("Rather not say")
    assert "exercise.skip_reason" not in chat.answers
    assert chat.finished


@pytest.mark.parametrize(("intent", "outcome"), [("skip_exercise", "skipped"), ("done_exercise", "done")])
def test_typed_done_or_skip_mid_exercise(chat: Chat, intent: str, outcome: str) -> None:
    chat.start("daily_exercise", exercise="thought_record").press("Next ▶️")
    chat.send("whatever", intent=intent)
    assert chat.answers["exercise.outcome"] == outcome


def test_no_exercise_today(chat: Chat) -> None:
    chat.start("daily_exercise", exercise="None")
    assert chat.texts == ["There's no exercise planned for today, Maria. Enjoy your day!"]
    assert chat.finished and chat.answers == {}


def test_missing_variable_means_no_exercise(chat: Chat) -> None:
    chat.start("daily_exercise")
    assert chat.finished and "no exercise planned" in chat.last_text


def test_the_place_survives_a_restart(chat: Chat) -> None:
    chat.start("daily_exercise", exercise="shoulder_rolls").press("Next ▶️")
    assert chat.state == "practise.shoulder_rolls.2"
    chat.restart_engine()
    chat.press("Next ▶️")
    assert chat.state == "practise.shoulder_rolls.3"


def test_every_shipped_exercise_can_be_done(bundle: Bundle, chat: Chat) -> None:
    for exercise in sorted(bundle.exercises):
        chat.start("daily_exercise", exercise=exercise)
        walk_to_outcome(chat)
        assert chat.last_text == "How did it go?", exercise
        chat.press("Done ✅").press("3")
        assert chat.finished and chat.answers["exercise.id"] == exercise
