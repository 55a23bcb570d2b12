"""WHO-5, PHQ-9, GAD-7 and session feedback as patients answer them."""

from __future__ import annotations

from tests.dialogues.chat import Chat


def answer_all(chat: Chat, label: str) -> None:
    while chat.buttons and label in chat.buttons:
        chat.press(label)


def test_who5_best_answers_score_100_percent(chat: Chat) -> None:
    chat.start("who5")
    assert chat.last_text.startswith("Hi Maria, it's time for the short weekly well-being check")
    chat.press("Let's start")
    assert chat.texts[0].startswith("Over the last two weeks")
    assert chat.last_text == "(1/5) I have felt cheerful and in good spirits"
    assert chat.buttons[0] == "All of the time" and chat.buttons[-1] == "At no time"
    answer_all(chat, "All of the time")
    assert [(s.score, s.band) for s in chat.scores] == [(100, "good well-being")]
    assert chat.flags == []
    assert chat.last_text.startswith("Thank you, Maria.")
    assert chat.finished


def test_who5_low_well_being_is_flagged_once(chat: Chat) -> None:
    chat.start("who5").press("Let's start")
    answer_all(chat, "Some of the time")  # raw 5 -> 20 %
    assert chat.scores[0].score == 20
    assert [(f.severity, f.reason) for f in chat.flags] == [
        ("concern", "WHO-5 20%: likely depression (≤ 28 %)")]


def test_not_now_asks_again_tomorrow(chat: Chat) -> None:
    chat.start("who5").press("Not now")
    assert chat.last_text == "No problem. I'll ask again tomorrow."
    assert [(s.dialogue, s.after.days) for s in chat.scheduled] == [("who5", 1)]
    assert chat.finished and chat.scores == []


def test_phq9_item_9_opens_a_crisis_whatever_the_total(chat: Chat) -> None:
    chat.start("phq9").press("Let's start")
    assert chat.texts[0] == ("Over the last 2 weeks, how often have you been bothered by any of the "
                             "following problems?")
    for _ in range(8):
        chat.press("Not at all")
    assert chat.last_text.startswith("(9/9) Thoughts that you would be better off dead")
    chat.press("Several days")
    assert chat.scores[0].score == 1 and chat.scores[0].band == "minimal"
    assert [(f.severity, f.reason) for f in chat.flags] == [
        ("crisis", "PHQ-9 item 9 (thoughts of self-harm)")]
    assert chat.finished


def test_phq9_severe_is_a_concern(chat: Chat) -> None:
    chat.start("phq9").press("Let's start")
    for _ in range(8):
        chat.press("Nearly every day")
    chat.press("Not at all")
    assert (chat.scores[0].score, chat.scores[0].band) == (24, "severe")
    assert [f.severity for f in chat.flags] == ["concern"]
    assert chat.flags[0].reason == "PHQ-9 24: severe depressive symptoms"


def test_gad7_moderate_is_not_flagged(chat: Chat) -> None:
    chat.start("gad7").send("ok", intent="affirm")
    for label in ["More than half the days"] * 5 + ["Not at all"] * 2:
        chat.press(label)
    assert (chat.scores[0].score, chat.scores[0].band) == (10, "moderate")
    assert chat.flags == []


def test_session_feedback_good_session(chat: Chat) -> None:
    chat.start("session_feedback").press("Let's start")
    assert chat.last_text == "(1/4) How much did you feel listened to in the last session?"
    assert chat.buttons == [str(n) for n in range(11)]
    for label in ("9", "8", "10", "9"):
        chat.press(label)
    assert chat.scores[0].score == 9 and chat.scores[0].band == "good"
    assert chat.flags == []
    chat.press("Nothing to add")
    assert chat.last_text == "Thank you, Maria! Your feedback really helps."


def test_session_feedback_low_all_round_is_a_rupture_signal_one_low_item_is_not(chat: Chat) -> None:
    chat.start("session_feedback").press("Let's start")
    for label in ("8", "3", "8", "7"):
        chat.press(label)
    assert chat.flags == []  # one low item alone: shown in the digest; bot.signals compares with their usual
    chat.press("Nothing to add")
    chat.start("session_feedback").press("Let's start")
    for label in ("3", "2", "4", "3"):
        chat.press(label)
    assert [f.severity for f in chat.flags] == ["rupture"]
    chat.send("We never got to my back pain")
    assert chat.answers["session_feedback.comment"] == "We never got to my back pain"
    assert "pass that on" in chat.last_text


def test_session_feedback_can_be_declined(chat: Chat) -> None:
    chat.start("session_feedback").send("no", intent="deny")
    assert chat.finished and chat.scores == [] and chat.flags == []
