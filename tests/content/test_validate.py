"""The validator: one bad fixture per kind of author mistake, each found at its exact place.

Fixtures: `fixtures/good/` is a small project that must validate clean; each file (or folder)
in `fixtures/bad/` holds one mistake, described in its first line. Bad files are checked on
their own, so references resolve against `good/` standing in for the project's content.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.content.validate as validate
from bot.content.bundle import build_bundle, collect_files
from bot.content.validate import INTERNAL_ERROR, Problem, validate_bundle, validate_paths

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"
SHARED_FIXTURE_PROJECT = Path(__file__).parent.parent / "fixtures" / "project"


@pytest.fixture(autouse=True)
def good_project(monkeypatch: pytest.MonkeyPatch) -> Path:
    """`good/` stands in for the project's own dialogues, content and NLU data."""
    monkeypatch.setattr(validate, "PROJECT_ROOT", GOOD)
    return GOOD


def same_file(shown: str, expected: Path) -> bool:
    return (Path.cwd() / shown).resolve() == expected.resolve()


# (fixture, line, dialogue, state, part of the message)
MISTAKES = [
    ("yaml_syntax.yaml", 6, None, None, "YAML syntax error"),
    ("unknown_kind.yaml", 2, None, None, "unknown kind of file"),
    ("unknown_field.yaml", 6, "typo", "ask", "unknown field 'sya' (did you mean 'say'?)"),
    ("wrong_type.yaml", 7, "columns", "ask", "columns should be a whole number, not text"),
    ("start_missing.yaml", 2, "nostart", None, "missing 'start'"),
    ("start_unknown.yaml", 3, "badstart", None, "start state 'begin' does not exist (did you mean 'begn'?)"),
    ("goto_unknown.yaml", 9, "badgoto", "ask", "unknown state 'thank' (did you mean 'thanks'?)"),
    ("unreachable.yaml", 10, "lonely", "orphan", "can never be reached"),
    ("dead_end.yaml", 9, "deadend", "thanks", "dead end"),
    ("end_with_routes.yaml", 9, "endroutes", "ask", "marked 'end: true' but also has buttons"),
    ("button_no_transition.yaml", 9, "nobutton", "ask", "button 2 has no transition"),
    ("message_missing.yaml", 6, "nokey", "ask",
     "message key 'checkin.thank' is missing (did you mean 'checkin.thanks'?)"),
    ("inline_no_english.yaml", 6, "noenglish", "ask", "inline text has no English ('en')"),
    ("unknown_intent.yaml", 8, "badintent", "ask", "unknown intent 'afirm' (did you mean 'affirm'?)"),
    ("score_unknown.yaml", 9, "badscore", "ask", "score: names unknown questionnaire 'mood4'"),
    ("start_action_unknown.yaml", 7, "badstartaction", "ask", "start: names unknown dialogue 'folowup'"),
    ("schedule_unknown.yaml", 8, "badschedule", "ask", "schedule: names unknown dialogue 'weekly'"),
    ("bad_duration.yaml", 8, "badduration", "ask", "'1 day' is not a valid duration"),
    ("condition_operator.yaml", 7, "badoperator", "ask", "unknown operator 'lte' (did you mean 'le'?)"),
    ("condition_no_var.yaml", 7, "novar", "ask", "the condition has no 'var'"),
    ("condition_unknown_var.yaml", 12, "misspelt", "check",
     "tests 'pian', which this dialogue never records or sets, so it is never true (did you mean 'pain'?)"),
    ("condition_format.yaml", 8, "badformat", "ask", "'tmezone' is not a known value (did you mean 'timezone'?)"),
    ("next_loop.yaml", 9, "loop", "a", "loop forever without waiting for the patient: a → b → a"),
    ("route_shadowed.yaml", 8, "shadowed", "ask", "route 2 is never taken"),
    ("then_in_plain_state.yaml", 9, "plainthen", "ask", "'then:' only works in a state with questionnaire:"),
    ("questionnaire_unknown.yaml", 6, "badquestionnaire", "ask",
     "unknown questionnaire 'mood' (did you mean 'mood3'?)"),
    ("questionnaire_no_then.yaml", 6, "nothen", "ask", "has no 'then:'"),
    ("exercise_unknown.yaml", 6, "badexercise", "ask", "unknown exercise 'strech' (did you mean 'stretch'?)"),
    ("q_no_items.yaml", 5, "empty", None, "items is empty"),
    ("q_duplicate_items.yaml", 8, "twice", None, "item id 'q1' is used twice (also on line 7)"),
    ("q_option_no_value.yaml", 5, "novalue", None, "option 2: missing 'value'"),
    ("q_bad_severity.yaml", 10, "severity", None, "'urgent' is not a known severity"),
    ("q_threshold_range.yaml", 11, "range", None, "compares score with 30, but the score can only be 0–6"),
    ("q_threshold_var.yaml", 11, "thresholdvar", None, "a threshold tests 'q3'"),
    ("q_bands.yaml", 13, "bands", None, "bands are not increasing"),
    ("q_reason_placeholder.yaml", 10, "reason", None, "the reason uses {scor}"),
    ("exercise_no_steps.yaml", 4, "nothing", None, "steps is empty"),
    ("crisis_no_lines.yaml", 4, "IE", None, "lines is empty"),
    ("crisis_no_placeholder.yaml", 8, "AT", None, "the 'de' safety response has no {lines}"),
    ("crisis_timezone.yaml", 3, "UK", None, "unknown time zone 'Europe/Londn' (did you mean 'Europe/London'?)"),
    ("programme_unknown.yaml", 5, "default", None, "unknown dialogue 'weekly'"),
    ("programme_exercise.yaml", 5, "default", None, "week 1: unknown exercise 'walk'"),
    ("programme_message.yaml", 4, "default", None, "names message key 'session.remind', which is missing"),
    ("messages_placeholder.yaml", 7, None, None, "'checkin.thanks' uses {nme}"),
    # author-declared measures (bot.measures)
    ("measure_scale.yaml", 6, "scaledown", None, "measure 'pain': scale [10, 0] does not go up"),
    ("measure_direction.yaml", 7, "direction", None, "better: 'down' is not a known direction"),
    ("measure_threshold.yaml", 10, "offscale", None,
     "measure 'pain': threshold 2 is at 12, outside the scale 0–10, so no answer ever reaches it"),
    ("measure_unknown_var.yaml", 4, "unrecorded", None,
     "measure 'pian': this dialogue never records 'pian' (did you mean 'pain'?)"),
    ("measure_value.yaml", 14, "words", None, "measure 'pain': the dialogue records 'strong' for 'pain', which is not"),
    # folders: mistakes that only show across files
    ("duplicate/b.yaml", 2, "twin", None, "dialogue 'twin' is defined twice"),
    ("crisis_no_default/GB.yaml", 2, "GB", None, "no crisis file for the region 'default'"),
    ("locales/de.yaml", 4, None, None, "'checkin.thanks' has no 'de' text, but en has one"),
]


@pytest.mark.parametrize(("fixture", "line", "dialogue", "state", "message"), MISTAKES,
                         ids=[m[0].removesuffix(".yaml") for m in MISTAKES])
def test_each_mistake_is_found_where_it_is(
    fixture: str, line: int, dialogue: str | None, state: str | None, message: str,
) -> None:
    target = BAD / fixture
    folder = target.parent if target.parent != BAD else None
    _, problems = validate_paths([folder or target])
    assert len(problems) == 1, "\n".join(p.format() for p in problems)
    problem = problems[0]
    assert same_file(problem.path, target)
    assert (problem.line, problem.dialogue, problem.state) == (line, dialogue, state)
    assert message in problem.message
    assert len(problem.hint) > 10
    assert problem.format().startswith(f"{problem.path}:{line}: ")


def test_every_bad_fixture_is_in_the_table() -> None:
    covered = {m[0].split("/")[0] for m in MISTAKES} | {"partial"}
    assert {p.name for p in BAD.iterdir()} == covered


def test_good_project_validates_clean() -> None:
    bundle, problems = validate_paths([GOOD / "dialogues", GOOD / "content"])
    assert [p.format() for p in problems] == []
    assert sorted(bundle.dialogues) == ["checkin", "followup"]


@pytest.mark.parametrize("path", sorted(p.relative_to(GOOD) for p in GOOD.rglob("*.yaml")), ids=str)
def test_each_good_file_validates_clean_on_its_own(path: Path) -> None:
    _, problems = validate_paths([GOOD / path])
    assert [p.format() for p in problems] == []


def test_shared_fixture_project_validates_clean_as_the_registry_checks_it() -> None:
    """The registry refuses a reload with problems; the shared tests rely on this being clean."""
    sources = collect_files([SHARED_FIXTURE_PROJECT / "dialogues", SHARED_FIXTURE_PROJECT / "content"])
    assert [p.format() for p in validate_bundle(build_bundle(sources))] == []


def test_a_partial_translation_may_leave_keys_to_english() -> None:
    _, problems = validate_paths([BAD / "partial"])
    assert problems == []


def test_a_single_dialogue_is_checked_against_the_project_messages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    _, problems = validate_paths([GOOD / "dialogues" / "followup.yaml"])
    assert problems == []
    monkeypatch.setattr(validate, "PROJECT_ROOT", tmp_path)  # a project without messages
    _, problems = validate_paths([GOOD / "dialogues" / "followup.yaml"])
    assert {p.message.split(" is ")[0] for p in problems} >= {"message key 'checkin.thanks'"}


def test_messages_alone_are_checked_against_the_project_dialogues() -> None:
    _, problems = validate_paths([GOOD / "content" / "programme.yaml"])
    assert problems == []


def test_unknown_intents_are_not_checked_without_nlu_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    for kind in ("dialogues", "content/messages"):
        (tmp_path / kind).mkdir(parents=True, exist_ok=True)
    (tmp_path / "content/messages/en.yaml").write_text(
        (GOOD / "content/messages/en.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(validate, "PROJECT_ROOT", tmp_path)
    _, problems = validate_paths([BAD / "unknown_intent.yaml"])
    assert problems == []


def test_known_intents_come_from_the_given_content_folder_first(tmp_path: Path) -> None:
    data = tmp_path / "content" / "nlu" / "data"
    data.mkdir(parents=True)
    (data / "nlu.yml").write_text('nlu:\n- intent: greet\n  examples: |\n    - hi\n- intent: "bye"\n', encoding="utf-8")
    assert validate.known_intents_for([tmp_path / "content"]) == {"greet", "bye"}
    assert validate.known_intents_for([tmp_path]) == {"greet", "bye"}
    assert validate.known_intents_for([GOOD / "dialogues" / "checkin.yaml"]) == {"affirm", "deny", "help", "mood_low"}


def test_validate_bundle_checks_intents_only_when_given() -> None:
    bundle = build_bundle(collect_files([GOOD / "dialogues", GOOD / "content"]))
    assert validate_bundle(bundle) == []
    problems = validate_bundle(bundle, known_intents={"affirm", "deny"})
    assert sorted(p.message for p in problems) == [
        "unknown intent 'help'", "unknown intent 'mood_low'",
    ]
    assert all(p.dialogue == "checkin" and p.state == "ask" for p in problems)


def test_problems_are_sorted_by_path_and_line() -> None:
    _, problems = validate_paths([BAD])
    keys = [(p.path, p.line) for p in problems]
    assert keys == sorted(keys)
    assert len({p.path for p in problems}) > 20


def test_a_missing_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    bundle, problems = validate_paths([tmp_path / "nope"])
    assert bundle.files == []
    assert [p.message for p in problems] == ["no such file or folder"]


def test_a_file_that_is_not_text_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("dialogue: x\nstart: a\nstates:\n  a: {say: {en: Hi}, end: true}\n",
                                        encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"dialogue: \xff\xfe\x00broken")
    _, problems = validate_paths([tmp_path])
    assert [(Path(p.path).name, p.line) for p in problems] == [("binary.yaml", 1)]
    assert "UTF-8" in problems[0].hint


def test_an_empty_file_is_reported() -> None:
    problems = validate_bundle(build_bundle({"dialogues/new.yaml": "# nothing yet\n"}))
    assert [(p.path, p.line, p.message) for p in problems] == [("dialogues/new.yaml", 1, "the file is empty")]


def test_unquoted_yes_gets_a_yaml_hint() -> None:
    text = "dialogue: d\nstart: a\nstates:\n  a:\n    buttons:\n      - {label: {en: Yes}, goto: a}\n"
    problems = validate_bundle(build_bundle({"d.yaml": text}))
    assert [(p.line, p.state) for p in problems] == [(6, "a")]
    assert "quotes" in problems[0].hint


def test_a_mistake_inside_alternatives_is_named_precisely() -> None:
    """`say:` may be a key, inline text or a list: the error is about the list item, not `say`."""
    text = "dialogue: d\nstart: a\nstates:\n  a:\n    say:\n      - {en: Hi, Deutsch: Hallo}\n    end: true\n"
    problems = validate_bundle(build_bundle({"d.yaml": text}))
    assert [(p.line, p.message) for p in problems] == [(6, "text 1: 'Deutsch' is not a valid name")]


def test_problem_format_reads_as_one_line() -> None:
    problem = Problem("dialogues/checkin.yaml", 12, "daily_checkin", "ask_mood", "button 2 has no transition",
                      "add 'goto: <state>' to the button.")
    assert problem.format() == ("dialogues/checkin.yaml:12: daily_checkin / ask_mood: button 2 has no transition. "
                                "Fix: add 'goto: <state>' to the button.")
    bare = Problem("content/x.yaml", 1, None, None, "the file is empty", "write something")
    assert bare.format() == "content/x.yaml:1: the file is empty. Fix: write something."


# --- bad input never crashes the validator --------------------------------------------------

KEYS = st.sampled_from([
    "dialogue", "start", "states", "say", "buttons", "label", "goto", "text", "intents", "next", "do",
    "end", "if", "var", "le", "in", "all", "not", "questionnaire", "exercise", "then", "record", "score",
    "flag", "schedule", "after", "items", "options", "value", "id", "thresholds", "bands", "min",
    "scoring", "method", "multiplier", "steps", "crisis", "lines", "phone", "response", "programme",
    "daily", "weeks", "locale", "messages", "en", "a", "b", "measures", "scale", "better", "at", "name",
])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 40), st.floats(allow_nan=False, width=16),
                    KEYS, st.text(max_size=8))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=30)
KIND_KEYS = ["dialogue", "questionnaire", "exercise", "crisis", "programme", "locale"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_problems_not_a_crash(text: str) -> None:
    problems = validate_bundle(build_bundle({"x.yaml": text}))
    assert all(isinstance(p, Problem) and p.line >= 1 and p.hint for p in problems)
    assert not any(INTERNAL_ERROR in p.message for p in problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KIND_KEYS), st.dictionaries(KEYS, DOCUMENTS, max_size=6))
def test_any_document_of_any_kind_gives_problems_not_a_crash(kind: str, body: dict[str, object]) -> None:
    document = {kind: "x", **body}
    if kind == "locale":
        document.setdefault("messages", {"a": "b"})
    text = yaml.safe_dump(document, allow_unicode=True)
    problems = validate_bundle(build_bundle({"x.yaml": text, "y.yaml": text}))
    assert not any(INTERNAL_ERROR in p.message for p in problems), [p.format() for p in problems]
    assert all(p.line >= 1 and p.hint for p in problems)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(p.name for p in (GOOD / "dialogues").iterdir())), st.data())
def test_a_good_file_with_a_line_cut_gives_problems_not_a_crash(name: str, data: st.DataObject) -> None:
    lines = (GOOD / "dialogues" / name).read_text(encoding="utf-8").splitlines()
    cut = data.draw(st.integers(0, len(lines) - 1))
    text = "\n".join(lines[:cut] + lines[cut + 1:])
    sources = collect_files([GOOD / "content"])
    sources["dialogues/" + name] = text
    problems = validate_bundle(build_bundle(sources))
    assert not any(INTERNAL_ERROR in p.message for p in problems)


def test_self_referring_yaml_is_reported() -> None:
    text = "dialogue: d\nstart: a\nstates: &s\n  a: {next: a, loop: *s}\n"
    problems = validate_bundle(build_bundle({"d.yaml": text}))
    assert problems and not any(INTERNAL_ERROR in p.message for p in problems)
