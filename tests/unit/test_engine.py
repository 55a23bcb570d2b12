"""The dialogue engine on small inline scripts: one behaviour per test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.engine.exercises  # noqa: F401  (registers the `exercise:` state kind)
from bot.content.bundle import Bundle, build_bundle
from bot.engine import events as ev
from bot.engine.engine import FALLBACK_TEXT, Conversation, Engine, Input, StepResult, render
from bot.errors import EngineError, StaleButton

CTX = {"name": "Ada", "locale": "en"}

MESSAGES = """
locale: en
messages:
  ask: "How are you, {name}?"
  good: Good
  bad: Bad
  thanks: "Thanks, {name}."
  system: {no_match: "Didn't get that."}
"""

GERMAN = """
locale: de
messages:
  ask: "Wie geht es Ihnen, {name}?"
"""

MOOD = """
dialogue: mood
start: ask
states:
  ask:
    say: ask
    columns: 2
    buttons:
      - {label: good, goto: thanks, do: [{record: {mood: 8}}]}
      - {label: bad, goto: thanks, do: [{record: {mood: 2}}]}
    intents:
      mood_low: {goto: thanks, do: [{record: {mood: low}}]}
    text: {goto: thanks, do: [{record: {note: "{text}"}}]}
  thanks:
    say: thanks
    end: true
"""


def bundle_of(*dialogues: str, extra: dict[str, str] | None = None) -> Bundle:
    files = {f"dialogues/d{i}.yaml": text for i, text in enumerate(dialogues)}
    files["content/messages/en.yaml"] = MESSAGES
    files["content/messages/de.yaml"] = GERMAN
    files.update(extra or {})
    return build_bundle(files)


def texts(result: StepResult) -> list[str]:
    return [e.text for e in result.events if isinstance(e, ev.SendMessage)]


def records(result: StepResult) -> dict[str, Any]:
    return {e.key: e.value for e in result.events if isinstance(e, ev.RecordAnswer)}


def press(engine: Engine, bundle: Bundle, conv: Conversation, index: int) -> StepResult:
    return engine.handle(bundle, conv, Input(kind="press", index=index, seq=conv.seq), CTX)


def text(engine: Engine, bundle: Bundle, conv: Conversation, words: str, intent: str | None = None,
         context: dict[str, Any] | None = None) -> StepResult:
    return engine.handle(bundle, conv, Input(kind="text", text=words, intent=intent), context or CTX)


@pytest.fixture
def engine() -> Engine:
    return Engine()


@pytest.fixture
def mood() -> Bundle:
    return bundle_of(MOOD)


# --- start, press, stale ---------------------------------------------------------------------------

def test_start_asks_the_first_question_with_buttons(engine: Engine, mood: Bundle) -> None:
    result = engine.start(mood, "mood", CTX)
    (message,) = result.events
    assert isinstance(message, ev.SendMessage)
    assert message.text == "How are you, Ada?"
    assert [[b.label for b in row] for row in message.buttons] == [["Good", "Bad"]]
    assert message.seq == result.conversation.seq == 1
    assert result.conversation.state == "ask" and not result.conversation.finished


def test_start_with_variables(engine: Engine, mood: Bundle) -> None:
    result = engine.start(mood, "mood", CTX, {"exercise": "walking"})
    assert result.conversation.vars == {"exercise": "walking"}


def test_unknown_dialogue_is_an_engine_error(engine: Engine, mood: Bundle) -> None:
    with pytest.raises(EngineError):
        engine.start(mood, "nope", CTX)


def test_press_records_and_moves_on(engine: Engine, mood: Bundle) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    result = press(engine, mood, conv, 1)
    assert records(result) == {"mood": 2}
    assert texts(result) == ["Thanks, Ada."]
    assert result.conversation.state == "thanks" and result.conversation.seq == 2
    assert conv.state == "ask"  # the input conversation is not changed in place


def test_press_for_an_earlier_question_is_stale(engine: Engine, mood: Bundle) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    with pytest.raises(StaleButton):
        engine.handle(mood, conv, Input(kind="press", index=0, seq=conv.seq - 1), CTX)


@pytest.mark.parametrize("index", [-1, 2, 99])
def test_press_of_a_button_that_does_not_exist_is_stale(engine: Engine, mood: Bundle, index: int) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    with pytest.raises(StaleButton):
        engine.handle(mood, conv, Input(kind="press", index=index, seq=conv.seq), CTX)


# --- text and intents ---------------------------------------------------------------------------

def test_text_route_records_the_words(engine: Engine, mood: Bundle) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    result = text(engine, mood, conv, "tired but ok")
    assert records(result) == {"note": "tired but ok"}
    assert result.matched


def test_braces_in_patient_text_are_kept_as_written(engine: Engine, mood: Bundle) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    assert records(text(engine, mood, conv, "{name} {0}"))["note"] == "{name} {0}"


def test_intent_route_wins_over_text_route(engine: Engine, mood: Bundle) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    assert records(text(engine, mood, conv, "awful", intent="mood_low")) == {"mood": "low"}


def test_intent_without_a_route_falls_back_to_text(engine: Engine, mood: Bundle) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    assert records(text(engine, mood, conv, "yes", intent="affirm")) == {"note": "yes"}


# --- no match ---------------------------------------------------------------------------------------

BUTTONS_ONLY = """
dialogue: buttons_only
start: first
states:
  first:
    say: [{en: "Intro."}, ask]
    buttons: [{label: good, goto: done}]
  done: {say: thanks, end: true}
"""


def test_no_match_keeps_the_place_and_asks_again(engine: Engine) -> None:
    bundle = bundle_of(BUTTONS_ONLY)
    conv = engine.start(bundle, "buttons_only", CTX).conversation
    result = text(engine, bundle, conv, "hello?")
    assert not result.matched
    assert result.conversation == conv
    assert texts(result) == ["Didn't get that.", "How are you, Ada?"]  # the question, not the intro
    last = result.events[-1]
    assert isinstance(last, ev.SendMessage) and last.seq == conv.seq and last.buttons
    assert press(engine, bundle, result.conversation, 0).conversation.state == "done"


def test_no_match_has_a_built_in_text(engine: Engine) -> None:
    bundle = build_bundle({"d.yaml": BUTTONS_ONLY})
    conv = engine.start(bundle, "buttons_only", CTX).conversation
    assert texts(text(engine, bundle, conv, "??"))[0] == FALLBACK_TEXT


@given(words=st.text(max_size=200), intent=st.none() | st.sampled_from(
    ["affirm", "deny", "mood_low", "mood_good", "help", "skip_exercise", "done_exercise", "?"]))
def test_any_text_at_a_buttons_only_question_keeps_the_place(words: str, intent: str | None) -> None:
    bundle = bundle_of(BUTTONS_ONLY)
    engine = Engine()
    conv = engine.start(bundle, "buttons_only", CTX).conversation
    result = text(engine, bundle, conv, words, intent)
    assert not result.matched and result.conversation == conv


@given(index=st.integers(), seq=st.integers())
def test_a_forged_press_is_stale_or_a_real_answer(index: int, seq: int) -> None:
    bundle = bundle_of(MOOD)
    engine = Engine()
    conv = engine.start(bundle, "mood", CTX).conversation
    try:
        result = engine.handle(bundle, conv, Input(kind="press", index=index, seq=seq), CTX)
    except StaleButton:
        assert seq != conv.seq or not 0 <= index < 2
    else:
        assert (seq, result.conversation.state) == (conv.seq, "thanks")


def test_reprompt_as_a_reminder_repeats_only_the_question(engine: Engine) -> None:
    bundle = bundle_of(BUTTONS_ONLY)
    conv = engine.start(bundle, "buttons_only", CTX).conversation
    events = engine.reprompt(bundle, conv, CTX)
    assert [e.text for e in events if isinstance(e, ev.SendMessage)] == ["How are you, Ada?"]


# --- conditions and next-chains -----------------------------------------------------------------

BRANCHING = """
dialogue: branching
start: ask
states:
  ask:
    say: ask
    buttons:
      - label: good
        routes:
          - {if: {var: streak, ge: 3}, goto: streak}
          - {goto: plain}
      - {label: bad, if: {var: streak, ge: 3}, goto: streak}
  streak: {say: {en: "Three days in a row!"}, end: true}
  plain: {say: {en: "Thanks."}, end: true}
"""


@pytest.mark.parametrize(("streak", "state"), [(5, "streak"), (3, "streak"), (2, "plain"), (None, "plain")])
def test_first_route_whose_condition_holds_wins(engine: Engine, streak: Any, state: str) -> None:
    bundle = bundle_of(BRANCHING)
    variables = {} if streak is None else {"streak": streak}
    conv = engine.start(bundle, "branching", CTX, variables).conversation
    assert press(engine, bundle, conv, 0).conversation.state == state


def test_a_button_whose_only_condition_fails_does_nothing(engine: Engine) -> None:
    bundle = bundle_of(BRANCHING)
    conv = engine.start(bundle, "branching", CTX, {"streak": 1}).conversation
    result = press(engine, bundle, conv, 1)
    assert not result.matched and result.conversation.state == "ask"


CHAIN = """
dialogue: chain
start: a
states:
  a:
    say: {en: "A"}
    next: b
  b:
    say: {en: "B"}
    do: [{set: {seen_b: true}}]
    next:
      - {if: {var: seen_b, eq: true}, goto: c}
      - d
  c:
    say: {en: "C?"}
    buttons: [{label: {en: OK}, goto: d}]
  d: {say: {en: "D"}, end: true}
"""


def test_next_chains_run_at_once_and_only_the_last_state_has_buttons(engine: Engine) -> None:
    bundle = bundle_of(CHAIN)
    result = engine.start(bundle, "chain", CTX)
    messages = [e for e in result.events if isinstance(e, ev.SendMessage)]
    assert [m.text for m in messages] == ["A", "B", "C?"]
    assert [bool(m.buttons) for m in messages] == [False, False, True]
    assert result.conversation.state == "c" and result.conversation.vars == {"seen_b": True}


LOOP = """
dialogue: loop
start: a
states:
  a: {next: b}
  b: {next: a}
"""


def test_an_automatic_loop_is_stopped(engine: Engine) -> None:
    with pytest.raises(EngineError, match="too many automatic steps"):
        engine.start(bundle_of(LOOP), "loop", CTX)


def test_a_route_to_a_missing_state_is_not_taken(engine: Engine) -> None:
    script = MOOD.replace("goto: thanks, do: [{record: {mood: 2}}]", "goto: nowhere")
    bundle = bundle_of(script)
    conv = engine.start(bundle, "mood", CTX).conversation
    assert not press(engine, bundle, conv, 1).matched


# --- finishing -----------------------------------------------------------------------------------

def test_end_state_finishes_the_dialogue(engine: Engine, mood: Bundle) -> None:
    conv = engine.start(mood, "mood", CTX).conversation
    result = press(engine, mood, conv, 0)
    assert result.conversation.finished
    assert result.events[-1] == ev.DialogueFinished(dialogue="mood")
    with pytest.raises(EngineError):
        press(engine, mood, result.conversation, 0)


def test_a_state_that_waits_for_nothing_finishes(engine: Engine) -> None:
    bundle = bundle_of("dialogue: note\nstart: only\nstates:\n  only: {say: {en: Hi}}\n")
    assert engine.start(bundle, "note", CTX).conversation.finished


def test_a_state_waiting_only_for_an_intent_does_not_finish(engine: Engine) -> None:
    script = "dialogue: q\nstart: a\nstates:\n  a: {say: {en: Hi}, intents: {affirm: b}}\n  b: {end: true}\n"
    bundle = bundle_of(script)
    conv = engine.start(bundle, "q", CTX).conversation
    assert not conv.finished
    assert text(engine, bundle, conv, "yes", intent="affirm").conversation.finished


# --- actions ---------------------------------------------------------------------------------------

ACTIONS = """
dialogue: actions
start: ask
states:
  ask:
    say: ask
    buttons:
      - label: good
        goto: done
        do:
          - {record: {answer: "{name} said {choice}"}}
          - {set: {hidden: 1}}
          - {flag: {severity: rupture, reason: "{name} pulled away"}}
          - {schedule: {dialogue: mood, after: PT26H}}
          - {start: {dialogue: mood, vars: {exercise: "{exercise}", fixed: 3}}}
          - {say: {en: "Noted, {name}."}}
  done: {say: thanks, end: true}
"""


def test_actions_become_events_in_order(engine: Engine) -> None:
    bundle = bundle_of(ACTIONS)
    conv = engine.start(bundle, "actions", CTX, {"choice": "yes", "exercise": "walking"}).conversation
    result = press(engine, bundle, conv, 0)
    assert records(result) == {"answer": "Ada said yes"}  # `set` is not recorded
    assert result.conversation.vars["hidden"] == 1
    flag = next(e for e in result.events if isinstance(e, ev.RaiseFlag))
    assert (flag.severity, flag.reason) == ("rupture", "Ada pulled away")
    assert flag.detail["dialogue"] == "actions"
    scheduled = next(e for e in result.events if isinstance(e, ev.ScheduleDialogue))
    assert (scheduled.dialogue, scheduled.after) == ("mood", timedelta(hours=26))
    started = next(e for e in result.events if isinstance(e, ev.StartDialogue))
    assert started == ev.StartDialogue(dialogue="mood", vars={"exercise": "walking", "fixed": 3})
    assert texts(result) == ["Noted, Ada.", "Thanks, Ada."]


# --- text and locales -----------------------------------------------------------------------------

def test_render_leaves_unknown_placeholders_visible() -> None:
    assert render("Hi {name}, {unknown}", {"name": "Ada"}) == "Hi Ada, {unknown}"
    assert render("broken {", {}) == "broken {"


def test_patient_locale_with_english_fallback(engine: Engine, mood: Bundle) -> None:
    german = {**CTX, "locale": "de"}
    result = engine.start(mood, "mood", german)
    message = result.events[0]
    assert isinstance(message, ev.SendMessage)
    assert message.text == "Wie geht es Ihnen, Ada?"
    assert [b.label for b in message.buttons[0]] == ["Good", "Bad"]  # no German yet: English


# --- questionnaires --------------------------------------------------------------------------------

MINI = """
questionnaire: mini
title: {en: Mini}
intro: {en: "Over the last week:"}
columns: 2
options:
  - {value: 0, label: {en: "No"}}
  - {value: 3, label: {en: "Yes"}}
items:
  - {id: q1, text: {en: "Tired?"}}
  - {id: q2, text: {en: "Hurt yourself?"}, options: [{value: 0, label: {en: Never}}, {value: 1, label: {en: Once}}]}
scoring: {method: sum}
bands: [{min: 0, band: low}, {min: 3, band: high}]
thresholds:
  - {if: {var: score, ge: 3}, flag: concern, reason: "mini {score}"}
  - {if: {var: q2, gt: 0}, flag: crisis, reason: "mini item 2"}
"""

ASK_MINI = """
dialogue: ask_mini
start: q
states:
  q:
    say: {en: "A quick one, {name}."}
    questionnaire: mini
    then: thanks
  thanks: {say: thanks, end: true}
"""


def test_questionnaire_items_are_numbered_and_scored_at_the_end(engine: Engine) -> None:
    bundle = bundle_of(ASK_MINI, extra={"content/questionnaires/mini.yaml": MINI})
    start = engine.start(bundle, "ask_mini", CTX)
    assert texts(start) == ["A quick one, Ada.", "Over the last week:", "(1/2) Tired?"]
    first = start.events[-1]
    assert isinstance(first, ev.SendMessage) and [len(row) for row in first.buttons] == [2]
    second = press(engine, bundle, start.conversation, 1)
    assert records(second) == {"mini.q1": 3}
    assert texts(second) == ["(2/2) Hurt yourself?"]
    end = press(engine, bundle, second.conversation, 1)
    scored = next(e for e in end.events if isinstance(e, ev.QuestionnaireScored))
    assert (scored.score, scored.band, scored.answers) == (4, "high", {"q1": 3, "q2": 1})
    assert [e.severity for e in end.events if isinstance(e, ev.RaiseFlag)] == ["concern", "crisis"]
    assert end.conversation.vars["mini.score"] == 4
    assert end.conversation.finished


THEN_ON_SCORE = """
dialogue: then_on_score
start: q
states:
  q:
    questionnaire: mini
    then:
      - {if: {var: mini.band, eq: high}, goto: high}
      - low
  high: {say: {en: "high"}, end: true}
  low: {say: {en: "low"}, end: true}
"""


def test_questionnaire_then_can_branch_on_the_new_score(engine: Engine) -> None:
    bundle = bundle_of(THEN_ON_SCORE, extra={"content/questionnaires/mini.yaml": MINI})
    conv = engine.start(bundle, "then_on_score", CTX).conversation
    conv = press(engine, bundle, conv, 1).conversation
    assert press(engine, bundle, conv, 0).conversation.state == "high"


# --- exercises ---------------------------------------------------------------------------------------

STRETCH = """
exercise: stretch
title: {en: Stretch}
kind: physio
steps:
  - text: {en: "Stand up."}
  - text: {en: "Reach up."}
"""

BREATHE = """
exercise: breathe
title: {en: Breathe}
kind: breathing
steps:
  - text: {en: "Breathe out."}
"""

PRACTISE = """
dialogue: practise
start: go
states:
  go:
    exercise: "{exercise}"
    then:
      - {if: {var: exercise.outcome, eq: skipped}, goto: rest}
      - {if: {var: exercise.rating, ge: 8}, goto: ouch}
      - ok
  rest: {say: {en: rest}, end: true}
  ouch: {say: {en: ouch}, end: true}
  ok: {say: {en: ok}, end: true}
"""

FIXED = """
dialogue: fixed
start: go
states:
  go: {exercise: breathe, then: ok}
  ok: {say: {en: ok}, end: true}
"""


@pytest.fixture
def exercises() -> Bundle:
    return bundle_of(PRACTISE, FIXED, extra={"content/exercises/stretch.yaml": STRETCH,
                                             "content/exercises/breathe.yaml": BREATHE})


def test_exercise_of_the_day_is_chosen_by_the_variable(engine: Engine, exercises: Bundle) -> None:
    result = engine.start(exercises, "practise", CTX, {"exercise": "stretch"})
    assert result.conversation.state == "go.stretch.1"
    assert result.conversation.vars["exercise.kind"] == "physio"
    assert texts(result) == ["Today's exercise: Stretch", "(1/2) Stand up."]
    conv = press(engine, exercises, result.conversation, 0).conversation
    assert conv.state == "go.stretch.2"
    conv = press(engine, exercises, conv, 0).conversation
    assert conv.state == "go.stretch.outcome"
    done = press(engine, exercises, conv, 0)
    assert records(done) == {"exercise.id": "stretch", "exercise.outcome": "done"}
    assert done.conversation.state == "go.stretch.rating"
    rated = press(engine, exercises, done.conversation, 9)
    assert records(rated) == {"exercise.rating": 9}
    assert rated.conversation.state == "ouch"  # `then` sees the rating just recorded


def test_skip_goes_straight_to_then(engine: Engine, exercises: Bundle) -> None:
    conv = engine.start(exercises, "practise", CTX, {"exercise": "stretch"}).conversation
    result = press(engine, exercises, conv, 1)
    assert records(result)["exercise.outcome"] == "skipped"
    assert result.conversation.state == "rest"


def test_unknown_exercise_says_so_and_follows_then(engine: Engine, exercises: Bundle) -> None:
    result = engine.start(exercises, "practise", CTX, {"exercise": "juggling"})
    assert texts(result) == ["There's no exercise planned for today.", "ok"]
    assert records(result) == {}


def test_a_fixed_exercise_needs_no_variable(engine: Engine, exercises: Bundle) -> None:
    result = engine.start(exercises, "fixed", CTX)
    assert result.conversation.state == "go.breathe.1"
    assert texts(result)[-1] == "Breathe out."  # a single step is not numbered
