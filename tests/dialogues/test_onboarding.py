"""Onboarding: consent first, then the profile the service stores."""

from __future__ import annotations

from tests.dialogues.chat import Chat

NEW_PATIENT = {"name": "there", "locale": "en"}


def test_consent_explains_the_bot_before_asking(chat: Chat) -> None:
    chat.context = dict(NEW_PATIENT)
    chat.start("onboarding")
    intro = "\n".join(chat.texts)
    assert "not an emergency service" in intro
    assert "care team" in intro and "Other group members never see" in intro
    assert "/stop" in intro and "/delete" in intro
    assert chat.last_text == "Are you happy to go ahead?"
    assert chat.buttons == ["Yes, let's start", "Tell me more", "No, thanks"]


def test_full_onboarding_records_the_profile(chat: Chat) -> None:
    chat.context = dict(NEW_PATIENT)
    chat.start("onboarding").press("Tell me more").press("Yes, let's start")
    assert chat.last_text == "Great! What would you like me to call you?"
    chat.send("Maria")
    assert chat.last_text.startswith("Thanks, Maria! Which time zone")
    chat.press("Central Europe (Berlin, Paris)")
    chat.press("17:00")
    chat.press("Deutsch")
    assert chat.answers == {"consent": "yes", "name": "Maria", "timezone": "Europe/Berlin",
                            "checkin_time": "17:00", "locale": "de"}
    assert chat.texts[0] == "All set, Maria! I'll check in every day at 17:00."
    assert chat.finished


def test_typed_time_zone_and_time(chat: Chat) -> None:
    chat.context = dict(NEW_PATIENT)
    chat.start("onboarding").send("yes", intent="affirm").send("Sam")
    chat.press("Somewhere else")
    assert "Australia/Sydney" in chat.last_text
    chat.send("Australia/Sydney").send("07:30").press("English")
    assert chat.answers["timezone"] == "Australia/Sydney"
    assert chat.answers["checkin_time"] == "07:30"
    assert chat.answers["locale"] == "en"


def test_declining_ends_politely_after_one_check(chat: Chat) -> None:
    chat.context = dict(NEW_PATIENT)
    chat.start("onboarding").press("No, thanks")
    assert chat.last_text.startswith("That's completely fine.")
    chat.press("That's right")
    assert chat.answers == {"consent": "no"}
    assert chat.finished and "Take care" in chat.last_text


def test_a_typed_no_can_be_taken_back(chat: Chat) -> None:
    chat.context = dict(NEW_PATIENT)
    chat.start("onboarding").send("no", intent="deny").press("Actually, let's start")
    assert chat.answers == {"consent": "yes"}
    assert chat.last_text == "Great! What would you like me to call you?"


def test_a_city_is_taken_as_its_time_zone_and_a_spoken_time_as_a_time(chat: Chat) -> None:
    chat.context = dict(NEW_PATIENT)
    chat.start("onboarding").send("yes", intent="affirm").send("Sam")
    chat.send("Madrid").send("7:30pm").press("English")
    assert chat.answers["timezone"] == "Madrid" and chat.answers["checkin_time"] == "7:30pm"
    assert chat.texts[0] == "All set, Sam! I'll check in every day at 7:30pm."


def test_a_time_zone_or_time_it_cannot_read_is_asked_again_not_kept(chat: Chat) -> None:
    chat.context = dict(NEW_PATIENT)
    chat.start("onboarding").send("yes", intent="affirm").send("Sam")
    chat.send("Atlantis")
    assert chat.last_text.startswith("Sorry, I don't know that time zone.")
    assert "timezone" not in chat.answers
    chat.send("still Atlantis")
    assert chat.last_text.startswith("Sorry, I don't know that time zone.")
    chat.send("new york")
    assert chat.last_text.startswith("When would you like your daily check-in?")
    chat.send("around nine-ish")
    assert chat.last_text.startswith("Sorry, I couldn't read that as a time.")
    chat.send("9am").press("English")
    assert chat.answers["timezone"] == "new york" and chat.answers["checkin_time"] == "9am"
    assert chat.finished
