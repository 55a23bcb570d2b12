"""The shipped content hangs together: every key a dialogue uses exists, translations keep
their placeholders, crisis lines are where patients need them, the programme names real things."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.content.bundle import Bundle
from bot.engine.exercises import DEFAULT_TEXTS
from bot.safety.response import safety_response

MAX_TELEGRAM_TEXT = 4096
MAX_BUTTON_LABEL = 40
KNOWN_PLACEHOLDERS = {"name", "commands", "days", "checkin_time", "time", "locales", "session_time",
                      "count", "total", "title", "command", "timezone", "locale", "group", "status", "date",
                      "said",
                      # goals and the look-back (bot.goals, bot.ending) and what their dialogues record
                      "weeks", "goal_1", "goal_2", "goal_3", "goals_now", "kept_exercises", "example_signs",
                      "contact", "team", "first", "last", "band", "plan_keep", "plan_signs",
                      # session feedback read against the group (bot.signals, for clinicians)
                      "usual", "when"}
"""Placeholders the bot fills in; anything else in a message is almost certainly a typo."""


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def message_refs(node: Any, fields: tuple[str, ...] = ("say", "label")) -> Iterator[str]:
    """Every message key a dialogue uses: `say:` texts and button labels that are strings."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in fields:
                for ref in value if isinstance(value, list) else [value]:
                    if isinstance(ref, str):
                        yield ref
            else:
                yield from message_refs(value, fields)
    elif isinstance(node, list):
        for item in node:
            yield from message_refs(item, fields)


def test_every_file_is_valid_yaml_of_a_known_kind(bundle: Bundle) -> None:
    assert [(f.path, f.syntax_error) for f in bundle.files if f.syntax_error or not f.kind] == []


def test_every_message_key_a_dialogue_uses_exists_in_english(bundle: Bundle) -> None:
    english = bundle.messages["en"]
    missing = sorted({(d, ref) for d, raw in bundle.dialogues.items()
                      for ref in message_refs(raw) if ref not in english})
    assert missing == []


def test_the_exercise_kind_and_the_service_find_their_keys(bundle: Bundle) -> None:
    english = bundle.messages["en"]
    needed = [*DEFAULT_TEXTS, "system.no_match", "system.reminder", "system.nudge", "system.help",
              "system.paused", "system.resumed", "system.not_enrolled", "session.reminder",
              "encouragement.group", "safety.check", "safety.check_again", "safety.confirmed",
              "safety.followup", "safety.misunderstood", "safety.resumed"]
    assert [key for key in needed if key not in english] == []
    assert placeholders(english["session.reminder"]) >= {"session_time"}
    assert placeholders(english["encouragement.group"]) >= {"count", "total"}


def test_messages_use_only_known_placeholders_and_fit_telegram(bundle: Bundle) -> None:
    for locale, messages in bundle.messages.items():
        for key, text in messages.items():
            assert placeholders(text) <= KNOWN_PLACEHOLDERS, (locale, key)
            assert len(text) < MAX_TELEGRAM_TEXT, (locale, key)


def test_messages_that_fill_nothing_in_have_no_placeholders(bundle: Bundle) -> None:
    """These are sent with no variables at all, so a {name} would show as it is."""
    for key in ("system.not_enrolled", "system.erased", "safety.check_again"):
        assert placeholders(bundle.messages["en"][key]) == set(), key


def test_german_is_a_subset_with_the_same_placeholders(bundle: Bundle) -> None:
    english, german = bundle.messages["en"], bundle.messages["de"]
    assert set(german) <= set(english)
    for key, text in german.items():
        assert placeholders(text) == placeholders(english[key]), key


def test_button_labels_are_short(bundle: Bundle) -> None:
    labels = {ref for raw in bundle.dialogues.values() for ref in message_refs(raw, ("label",))}
    labels |= {"exercise.next", "exercise.skip", "exercise.done", "exercise.hard"}
    for locale, messages in bundle.messages.items():
        for key in labels & set(messages):
            assert len(messages[key]) <= MAX_BUTTON_LABEL, (locale, key)


@pytest.mark.parametrize("qid", ["who5", "phq9", "gad7", "session_feedback"])
def test_questionnaires_have_english_text_and_ordered_bands(bundle: Bundle, qid: str) -> None:
    spec = bundle.questionnaires[qid]
    assert all(item["text"].get("en") for item in spec["items"])
    assert all(option["label"].get("en") for option in spec["options"])
    mins = [band["min"] for band in spec["bands"]]
    assert mins == sorted(mins) and mins[0] == 0
    assert spec["thresholds"]


def test_exercises_have_titles_kinds_and_steps(bundle: Bundle) -> None:
    assert len(bundle.exercises) >= 6
    for ident, spec in bundle.exercises.items():
        assert spec["title"].get("en"), ident
        assert spec["kind"] in ("physio", "breathing", "journalling", "cbt"), ident
        assert spec["steps"] and all(step["text"].get("en") for step in spec["steps"]), ident


def test_programme_names_real_dialogues_exercises_and_messages(bundle: Bundle) -> None:
    programme = bundle.programmes["default"]
    dialogues = [d["dialogue"] for d in programme["daily"] + programme["every"]]
    dialogues.append(programme["sessions"]["feedback_dialogue"])
    assert [d for d in dialogues if d not in bundle.dialogues] == []
    for week, exercises in programme["weeks"].items():
        assert [e for e in exercises if e not in bundle.exercises] == [], week
    keys = [programme["sessions"]["reminder_message"], programme["reminders"]["unanswered_message"],
            programme["reminders"]["nudge_message"], programme["encouragement"]["message"]]
    assert [k for k in keys if k not in bundle.messages["en"]] == []


def test_crisis_regions_have_real_time_zones_each_in_one_region(bundle: Bundle) -> None:
    assert "default" in bundle.crisis
    seen: dict[str, str] = {}
    for region, spec in bundle.crisis.items():
        for zone in spec.get("timezones") or []:
            ZoneInfo(zone)
            assert zone not in seen, f"{zone} is in {seen.get(zone)} and {region}"
            seen[zone] = region
        assert spec["lines"], region
        for locale, text in spec["response"].items():
            assert placeholders(text) == {"lines"}, (region, locale)


@pytest.mark.parametrize(("zone", "locale", "expected"), [
    ("Europe/London", "en", ["999", "Samaritans – 116 123"]),
    ("America/Chicago", "en", ["911", "988"]),
    ("Europe/Berlin", "de", ["112", "0800 111 0 111", "0800 111 0 222", "Notaufnahme"]),
    ("Asia/Tokyo", "en", ["local emergency number", "findahelpline.com"]),
])
def test_safety_response_for_the_patients_region(bundle: Bundle, zone: str, locale: str,
                                                 expected: list[str]) -> None:
    text = safety_response(bundle, zone, locale)
    for fragment in expected:
        assert fragment in text
    assert "care team" in text or "Behandlungsteam" in text
    assert "{" not in text


def test_the_command_menu_and_help_speak_each_language(bundle: Bundle) -> None:
    from bot.programme import PATIENT_COMMANDS, command_descriptions

    assert command_descriptions(bundle, "en") == PATIENT_COMMANDS
    german = command_descriptions(bundle, "de")
    assert german.keys() == PATIENT_COMMANDS.keys()
    assert german["help"] == "Was ich kann" and german["stop"] == "Das Programm verlassen"
