"""The daily check-in as a patient sees it."""

from __future__ import annotations

import pytest

from tests.dialogues.chat import Chat


def test_opens_with_a_personal_mood_question_and_eleven_buttons(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking")
    assert chat.last_text.startswith("Hi Maria!")
    assert chat.buttons == [str(n) for n in range(11)]


@pytest.mark.parametrize(("mood", "follow_up"), [
    ("0", "What's weighing on you most?"),
    ("3", "What's weighing on you most?"),
    ("4", "How's your body feeling today?"),
    ("6", "How's your body feeling today?"),
    ("7", "What's helping at the moment?"),
    ("10", "What's helping at the moment?"),
])
def test_the_follow_up_fits_the_mood(chat: Chat, mood: str, follow_up: str) -> None:
    chat.start("daily_checkin", exercise="walking").press(mood)
    assert chat.answers["mood"] == int(mood)
    assert chat.last_text == follow_up


def test_low_day_is_met_with_kindness_then_note_then_exercise(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="box_breathing")
    chat.press("2")
    assert "sorry today is hard, Maria" in chat.texts[0]
    chat.press("Pain")
    assert chat.answers["checkin.weighing"] == "pain"
    assert "gently" in chat.texts[0]
    assert chat.last_text.startswith("Anything else you'd like to share")
    chat.send("My knee was bad last night")
    assert chat.answers["note"] == "My knee was bad last night"
    assert chat.texts == ["Thank you, I've noted that. Your care team can read it too.",
                          "Thanks for checking in, Maria."]
    assert chat.finished
    assert [(s.dialogue, s.vars) for s in chat.started] == [("daily_exercise", {"exercise": "box_breathing"})]


def test_good_day_without_a_note(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking").press("8").press("Moving more")
    assert chat.answers["checkin.helped"] == "moving"
    chat.press("Nothing to add")
    assert chat.last_text == "Thanks for checking in, Maria."
    assert "note" not in chat.answers
    assert chat.finished


def test_typed_no_to_the_note_question_is_understood(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking").press("5").press("Pretty good")
    chat.send("no thanks", intent="deny")
    assert chat.finished and "note" not in chat.answers


def test_typed_yes_waits_for_the_note(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking").press("5").press("Tired")
    chat.send("yes", intent="affirm")
    assert chat.last_text == "Go ahead, I'm listening."
    chat.send("Work was exhausting")
    assert chat.answers["note"] == "Work was exhausting"
    assert chat.finished


def test_words_instead_of_a_number(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking").send("feeling rubbish", intent="mood_low")
    assert chat.answers == {"mood_words": "feeling rubbish"}
    assert chat.last_text == "What's weighing on you most?"


def test_a_message_that_fits_nothing_keeps_the_place(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking")
    before = chat.conversation
    chat.send("what's the weather like?")
    assert not chat.matched
    assert chat.conversation == before
    assert chat.texts[0].startswith("Sorry, I didn't quite catch that")
    assert chat.last_text.startswith("Hi Maria! How are you feeling today?")
    assert chat.buttons == [str(n) for n in range(11)]
    chat.press("7")  # the repeated buttons still work
    assert chat.answers["mood"] == 7


def test_help_explains_and_asks_again(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking").send("what do I do?", intent="help")
    assert chat.texts[0].startswith("Just tap the answer")
    assert chat.last_text.startswith("Hi Maria!")


def test_not_today_is_respected(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="walking").send("not today", intent="deny")
    assert chat.finished
    assert "I'm here whenever" in chat.last_text
    assert chat.started == [] and chat.answers == {}


def test_hands_over_to_the_exercise_of_the_day(chat: Chat) -> None:
    chat.start("daily_checkin", exercise="shoulder_rolls").press("6").press("Pretty good")
    chat.press("Nothing to add").follow()
    assert chat.state == "practise.shoulder_rolls.1"
    assert "Today's exercise: Shoulder rolls" in chat.texts


def test_german_patient_reads_german_throughout(chat_de: Chat) -> None:
    chat_de.start("daily_checkin", exercise="walking")
    assert chat_de.last_text.startswith("Hallo Maria!")
    chat_de.press("9")
    assert chat_de.texts[0] == "Wie schön, das zu hören, Maria!"
