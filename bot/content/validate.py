"""Checks dialogue scripts and content files, and says what is wrong in an author's words.

Authors are clinicians and writers, so every problem names file:line, the dialogue and
state, what is wrong and what to do about it. Structure (fields, types, spelling of keys,
allowed values) is checked against the JSON Schemas in `bot/content/schema/`, the same ones
editors use; everything that needs more than one file or more than a schema can say (a goto
to an unknown state, a message key missing in a language, a threshold no score can reach,
`next:` routes that loop forever) is checked here.

What is checked, by where it happens:

- every file: YAML syntax, kind of file, its schema (unknown or misspelt fields with a
  suggestion, types, allowed values such as severities, ISO durations, empty lists), ids
  defined twice across files (`_check_duplicate_ids`);
- `_check_dialogue`: start, gotos (closest name suggested), unreachable states, dead ends,
  `end: true` with routes, buttons without a transition, routes after one without `if:`,
  `next:` loops that never wait, `then:` misplaced or missing, unknown intents,
  questionnaires, exercises and dialogues named by states and actions (`score`, `start`,
  `schedule`), conditions (one comparison on a `var`), message keys and inline English;
- `_check_questionnaire`: item ids, options, bands going up, thresholds (severity, variables,
  values the score can reach, reason placeholders); `_check_exercise`, `_check_crisis`
  ({lines} in every response, time zones, a `default` region), `_check_programme`
  (dialogues, exercises, message keys);
- `_check_messages` / `_check_locales`: placeholders that English lacks, braces that don't
  match, keys some language lacks (a file with `partial: true` may leave them to English).

`validate_bundle` checks a bundle on its own (the registry does this before taking up a new
version). `validate_paths` is `coachbot validate`: when the given paths hold only some kinds
of file (one dialogue, say), references to the other kinds resolve against the project's own
`dialogues/` and `content/`, so checking a single file still catches a missing message key.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from bot import PROJECT_ROOT
from bot.content.bundle import FALLBACK_LOCALE, Bundle, SourceFile, build_bundle, collect_files
from bot.content.yamlio import LineDict, LineList, line_of
from bot.engine.conditions import COMBINATORS, COMPARISONS
from bot.engine.exercises import variable_name
from bot.measures import MAX_THRESHOLDS as MAX_MEASURE_THRESHOLDS

SCHEMA_DIR = Path(__file__).parent / "schema"
SCHEMA_FILES = {
    "dialogue": "dialogue.schema.json",
    "messages": "messages.schema.json",
    "questionnaire": "questionnaire.schema.json",
    "exercise": "exercise.schema.json",
    "crisis": "crisis.schema.json",
    "programme": "programme.schema.json",
}
TABLES = {
    "dialogue": "dialogues",
    "questionnaire": "questionnaires",
    "exercise": "exercises",
    "crisis": "crisis",
    "programme": "programmes",
}
DEFAULT_REGION = "default"
SEVERITIES = ("crisis", "concern", "rupture")
THRESHOLD_VARIABLES = ("score", "raw", "band")
PROGRAMME_MESSAGES_WITH_DEFAULTS = {
    ("sessions", "reminder_message"): "session.reminder",
    ("reminders", "unanswered_message"): "system.reminder",
    ("reminders", "nudge_message"): "system.nudge",
}
"""Message keys the programme names whose English text is also built into the bot."""
PROGRAMME_MESSAGES = (*PROGRAMME_MESSAGES_WITH_DEFAULTS, ("encouragement", "message"), ("closing", "message"),
                      ("ending", "message"))
MAX_SUGGESTIONS = 8
MAX_DESCRIPTION_IN_HINT = 100
OPERATOR_ALIASES = {
    "lte": "le", "gte": "ge", "<=": "le", ">=": "ge", "<": "lt", ">": "gt", "==": "eq", "=": "eq",
    "!=": "ne", "equals": "eq", "is": "eq", "variable": "var", "and": "all", "or": "any",
}
"""Spellings authors bring from elsewhere, so the suggestion is the one they meant."""
INTERNAL_ERROR = "the validator could not check this file"
"""Start of the message when a check itself fails; the tests make sure it never happens."""

KIND_HINT = (
    "start the file with one of: 'dialogue: <id>', 'questionnaire: <id>', 'exercise: <id>', "
    "'crisis: <region>', 'programme: <id>', or 'locale: <xx>' followed by 'messages:'"
)
SINGULAR = {
    "buttons": "button", "do": "action", "items": "item", "options": "option",
    "thresholds": "threshold", "bands": "band", "steps": "step", "lines": "crisis line",
    "daily": "entry", "every": "entry", "next": "route", "text": "route", "then": "route",
    "routes": "route", "say": "text", "all": "condition", "any": "condition",
    "timezones": "time zone",
}
TYPE_WORDS = {
    "string": "text", "integer": "a whole number", "number": "a number",
    "boolean": "true or false", "object": "a mapping (key: value lines)",
    "array": "a list (lines starting with '- ')", "null": "empty",
}


@dataclass(frozen=True)
class Problem:
    """One author mistake: where it is, what is wrong and what to do about it."""

    path: str
    line: int
    dialogue: str | None
    state: str | None
    message: str
    hint: str

    def format(self) -> str:
        """`path:line: dialogue / state: message. Fix: hint` on one line."""
        where = " / ".join(part for part in (self.dialogue, self.state) if part)
        prefix = f"{self.path}:{self.line}: " + (f"{where}: " if where else "")
        message = self.message.rstrip()
        if not message.endswith((".", "?", "!")):
            message += "."
        hint = self.hint.rstrip()
        if not hint.endswith((".", "?", "!")):
            hint += "."
        return f"{prefix}{message} Fix: {hint}"


def validate_bundle(bundle: Bundle, known_intents: set[str] | None = None) -> list[Problem]:
    """Every problem in the bundle, sorted by path and line; intents are checked when known."""
    return _Validator(bundle, bundle, known_intents).run()


def validate_paths(paths: list[Path]) -> tuple[Bundle, list[Problem]]:
    """`coachbot validate PATHS`: folders or single YAML files, anywhere."""
    existing = [p for p in paths if p.exists()]
    sources, problems = _read_sources(existing, _display_root(existing))
    bundle = build_bundle(sources)
    refs = _reference_bundle(bundle, existing)
    problems += [
        Problem(str(p), 1, None, None, "no such file or folder", "check the path, or create it")
        for p in paths if not p.exists()
    ]
    problems += _Validator(bundle, refs, known_intents_for(existing)).run()
    return bundle, _sorted(problems)


def known_intents_for(paths: Iterable[Path]) -> set[str] | None:
    """Intents from `nlu/data/*.yml` under the given folders, else the project's; None if none."""
    folders = []
    for path in paths:
        if path.is_dir():
            folders += [path / "nlu" / "data", path / "content" / "nlu" / "data"]
    found = _intents_in(folders)
    if not found:
        found = _intents_in([PROJECT_ROOT / "content" / "nlu" / "data"])
    return found or None


_INTENT_LINE = re.compile(r"^\s*-\s*intent:\s*[\"']?([^\s\"'#]+)", re.MULTILINE)


def _intents_in(folders: Iterable[Path]) -> set[str]:
    found: set[str] = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        for file in sorted(folder.rglob("*")):
            if file.suffix in (".yml", ".yaml") and file.is_file():
                try:
                    found.update(_INTENT_LINE.findall(file.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    continue
    return found


# --- reading files --------------------------------------------------------------------------


def _display_root(paths: list[Path]) -> Path:
    """Paths are shown relative to the working directory when they are under it."""
    cwd = Path.cwd().resolve()
    resolved = [p.resolve() for p in paths]
    if all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    if not resolved:
        return cwd
    return Path(os.path.commonpath([p.parent for p in resolved]))


def _read_sources(paths: list[Path], root: Path) -> tuple[dict[str, str], list[Problem]]:
    """Like `collect_files`, but a file that is not UTF-8 text is a problem, not a crash."""
    try:
        return collect_files(paths, relative_to=root), []
    except (UnicodeDecodeError, OSError):
        pass
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    for path in paths:
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file() and "nlu" not in p.parts
        )
        for file in files:
            try:
                sources.update(collect_files([file], relative_to=root))
            except (UnicodeDecodeError, OSError) as exc:
                problems.append(Problem(
                    str(file), 1, None, None, f"the file cannot be read as text ({type(exc).__name__})",
                    "save it as UTF-8 text (most editors offer 'Save with encoding')",
                ))
    return sources, problems


def _reference_bundle(bundle: Bundle, paths: list[Path]) -> Bundle:
    """What references resolve against: the given files, completed from the project's own.

    A kind of file the given paths don't include at all comes from the project; when only
    single files were given, ids they don't define come from the project too (so checking
    one dialogue that starts another still works).
    """
    given = {f.kind for f in bundle.files}
    single_files = bool(paths) and all(p.is_file() for p in paths)
    needed = single_files or any(k not in given for k in (*TABLES, "messages"))
    folders = [PROJECT_ROOT / "dialogues", PROJECT_ROOT / "content"]
    if not needed or not any(f.is_dir() for f in folders):
        return bundle
    try:
        project = build_bundle(collect_files([f for f in folders if f.is_dir()], relative_to=PROJECT_ROOT))
    except (UnicodeDecodeError, OSError):
        return bundle
    refs = Bundle(version=bundle.version, files=bundle.files, file_of=dict(bundle.file_of))
    for kind, table in TABLES.items():
        mine: dict[str, LineDict] = dict(getattr(bundle, table))
        if kind not in given or single_files:
            for ident, data in getattr(project, table).items():
                if ident not in mine:
                    mine[ident] = data
                    refs.file_of.setdefault((kind, ident), project.file_of.get((kind, ident), ""))
        setattr(refs, table, mine)
    refs.messages = {loc: dict(texts) for loc, texts in bundle.messages.items()}
    if "messages" not in given or single_files:
        for locale, texts in project.messages.items():
            refs.messages.setdefault(locale, dict(texts))
    return refs


# --- schemas --------------------------------------------------------------------------------


@cache
def _schema_validators() -> dict[str, Draft202012Validator]:
    """One compiled validator per file kind; the schemas refer to each other by file name."""
    registry: Registry[Any] = Registry()
    schemas = {}
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.name] = contents
        registry = registry.with_resource(path.name, Resource.from_contents(contents))
    return {
        kind: Draft202012Validator(schemas[name], registry=registry)
        for kind, name in SCHEMA_FILES.items()
    }


def schema_path(kind: str) -> Path:
    """The schema file for one kind of file (also mapped in .vscode/settings.json)."""
    return SCHEMA_DIR / SCHEMA_FILES[kind]


# --- the validator --------------------------------------------------------------------------


@dataclass(frozen=True)
class _At:
    """Where problems are being found: file, dialogue (or content id) and state."""

    path: str
    dialogue: str | None = None
    state: str | None = None

    def at(self, state: str) -> _At:
        return _At(self.path, self.dialogue, state)


@dataclass
class _Route:
    goto: Any
    condition: Any
    actions: Any
    line: int
    node: Any
    """The route mapping (None for a bare state name), for checking its `if` and `do`."""


@dataclass
class _Validator:
    bundle: Bundle
    refs: Bundle
    intents: set[str] | None
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys: set[str] = set()
        for texts in self.refs.messages.values():
            self.keys.update(texts)
        self.variables: set[str] | None = None
        """While a dialogue is checked: the variables its conditions may test."""

    def run(self) -> list[Problem]:
        for source in self.bundle.files:
            self._check_file(source)
        self._check_duplicate_ids()
        self._check_locales()
        self._check_crisis_default()
        return _sorted(self.problems)

    def add(self, at: _At, line: int, message: str, hint: str) -> None:
        self.problems.append(Problem(at.path, max(1, int(line or 1)), at.dialogue, at.state, message, hint))

    # --- one file ---

    def _check_file(self, source: SourceFile) -> None:
        at = _At(source.path)
        if source.syntax_error is not None:
            self.add(at, source.syntax_error.line, f"YAML syntax error: {source.syntax_error}",
                     "check the indentation (spaces, not tabs), the colon after each key, and put text "
                     "containing ': ' or ' #' in quotes")
            return
        if source.kind is None:
            empty = source.data is None or source.data == {}
            self.add(at, line_of(source.data), "the file is empty" if empty else
                     "unknown kind of file: no 'dialogue:', 'questionnaire:', 'exercise:', 'crisis:', "
                     "'programme:' or 'locale:' + 'messages:' at the top", KIND_HINT)
            return
        if _has_cycle(source.data):
            self.add(at, 1, "YAML anchors and aliases (& and *) in this file refer to themselves",
                     "write the content out instead of using & and *")
            return
        ident = str(source.data.get(source.kind)) if source.kind != "messages" else None
        at = _At(source.path, ident)
        try:
            self._check_schema(source, at)
            check = getattr(self, f"_check_{source.kind}")
            check(source.data, at)
        except Exception as exc:  # an author's file must never crash the bot or the reload
            self.add(at, 1, f"{INTERNAL_ERROR} ({type(exc).__name__}: {exc})",
                     "please report this with the file attached; meanwhile check the file by hand")

    def _check_schema(self, source: SourceFile, at: _At) -> None:
        validator = _schema_validators()[str(source.kind)]
        for error in validator.iter_errors(source.data):
            for line, path, message, hint in _explain(error, source.data):
                state = None
                if source.kind == "dialogue" and len(path) > 1 and path[0] == "states":
                    state = str(path[1])
                self.add(_At(at.path, at.dialogue, state), line, message, hint)

    # --- dialogues ---

    def _check_dialogue(self, data: LineDict, at: _At) -> None:
        raw_states = data.get("states")
        states: dict[str, Any] = raw_states if isinstance(raw_states, dict) else {}
        start = data.get("start")
        start_ok = isinstance(start, str) and start in states
        if isinstance(start, str) and not start_ok and states:
            self.add(at, line_of(data, "start"), f"start state '{start}' does not exist" + _did_you_mean(start, states),
                     f"set start: to one of the states: {_listing(states)}")
        edges: dict[str, list[tuple[str, bool]]] = {}
        """state -> [(target, always taken at once)]"""
        self.variables = dialogue_variables(str(data.get("dialogue")), data, self.refs)
        try:
            for name, body in states.items():
                if isinstance(body, dict):
                    edges[name] = self._check_state(at.at(name), name, body, states, raw_states)
        finally:
            self.variables = None
        if start_ok:
            self._check_reachable(at, str(start), edges, states, raw_states)
        self._check_automatic_loops(at, edges, raw_states)
        if isinstance(data.get("measures"), dict):
            self._check_measures(data, at)

    def _check_measures(self, data: LineDict, at: _At) -> None:
        """Each declared measure: a variable the dialogue records, a scale that goes up,
        thresholds on the scale, and recorded values that are numbers on it (bot.measures)."""
        declared: LineDict = data["measures"]
        recorded = recorded_variables(data)
        for key, spec in declared.items():
            if not isinstance(spec, dict):
                continue  # the schema says what is wrong
            where = f"measure '{key}'"
            if str(key) not in recorded:
                self.add(at, line_of(declared, key), f"{where}: this dialogue never records '{key}'"
                         + _did_you_mean(str(key), recorded),
                         f"name a variable the dialogue records ({_listing(recorded)}), or record it with "
                         f"do: [{{record: {{{key}: ...}}}}]")
            scale = spec.get("scale")
            if not isinstance(scale, list) or not all(_is_number(v) for v in scale):
                continue  # the schema says what is wrong
            if len(scale) != 2:
                self.add(at, line_of(spec, "scale"), f"{where}: scale has {len(scale)} number(s), not two",
                         "write the lowest and the highest value, such as scale: [0, 10]")
                continue
            low, high = float(scale[0]), float(scale[1])
            if low >= high:
                self.add(at, line_of(spec, "scale"), f"{where}: scale [{_num(low)}, {_num(high)}] does not go up",
                         "write the lowest value first, then a higher one, such as scale: [0, 10]; say which "
                         "end is good with better: higher or better: lower")
                continue
            self._check_measure_thresholds(at, where, spec, low, high)
            for line, value in _recorded_values(data, str(key)):
                if isinstance(value, str) and "{" in value:
                    continue  # typed or passed on: read when it is recorded, skipped if not a number
                if not _is_number(value):
                    self.add(at, line, f"{where}: the dialogue records '{value}' for '{key}', which is not a number "
                             "on the scale", f"record numbers from {_num(low)} to {_num(high)} for '{key}', or "
                             "record the words under another name")
                elif not low <= float(value) <= high:
                    self.add(at, line, f"{where}: the dialogue records {_num(float(value))} for '{key}', outside "
                             f"its scale {_num(low)}–{_num(high)}", "record a value on the scale, or widen the scale")

    def _check_measure_thresholds(self, at: _At, where: str, spec: Any, low: float, high: float) -> None:
        thresholds = spec.get("thresholds")
        if not isinstance(thresholds, list):
            return
        if len(thresholds) > MAX_MEASURE_THRESHOLDS:
            self.add(at, line_of(spec, "thresholds"), f"{where}: {len(thresholds)} thresholds, more than a chart "
                     f"can tell apart ({MAX_MEASURE_THRESHOLDS})", f"keep at most {MAX_MEASURE_THRESHOLDS}")
        better = spec.get("better")
        good_end = high if better == "higher" else low if better == "lower" else None
        seen: dict[float, int] = {}
        for index, threshold in enumerate(thresholds):
            if not isinstance(threshold, dict) or not _is_number(threshold.get("at")):
                continue
            value, line = float(threshold["at"]), line_of(threshold, "at")
            if not low <= value <= high:
                self.add(at, line, f"{where}: threshold {index + 1} is at {_num(value)}, outside the scale "
                         f"{_num(low)}–{_num(high)}, so no answer ever reaches it",
                         f"put it on the scale, between {_num(low)} and {_num(high)}")
            elif value == good_end:
                self.add(at, line, f"{where}: threshold {index + 1} is at {_num(value)}, the good end of the scale "
                         f"(better: {better}), so every answer reaches it",
                         "move it towards the bad end: a threshold means 'this value or worse'")
            elif value in seen:
                self.add(at, line, f"{where}: threshold {index + 1} is at {_num(value)}, like threshold "
                         f"{seen[value]}", "give each threshold its own value, or remove one")
            else:
                seen[value] = index + 1

    def _check_state(
        self, at: _At, name: str, body: Any, states: dict[str, Any], parent: Any,
    ) -> list[tuple[str, bool]]:
        for index, ref in _items(body.get("say")):
            self._text(at, _item_line(body, "say", index), ref)
        self._actions(at, body, "do")
        kind = next((k for k in ("questionnaire", "exercise") if k in body), None)
        edges: list[tuple[str, bool]] = []
        if kind is not None:
            self._check_content_state(at, kind, body)
            for route in self._routes(at, body, "then", states):
                edges.append((str(route.goto), False))
            return edges
        if "then" in body:
            self.add(at, line_of(body, "then"), "'then:' only works in a state with questionnaire: or exercise:",
                     "use next: to move on at once, or goto: on the buttons")
        for number, button in enumerate(_as_list(body.get("buttons")), start=1):
            if not isinstance(button, dict):
                continue
            line = _item_line(body, "buttons", number - 1)
            if "label" in button:
                self._text(at, line_of(button, "label"), button.get("label"))
            if "goto" not in button and "routes" not in button:
                self.add(at, line, f"button {number} has no transition",
                         "add 'goto: <state>' to the button")
                continue
            if "if" in button:
                self._condition(at, button.get("if"), line_of(button, "if"))
            if "goto" in button:
                self._actions(at, button, "do")
                routes = self._routes(at, button, "goto", states)
            else:
                routes = self._routes(at, button, "routes", states)
            edges += [(str(r.goto), False) for r in routes]
        edges += [(str(r.goto), False) for r in self._routes(at, body, "text", states)]
        intents = body.get("intents")
        if isinstance(intents, dict):
            for intent in intents:
                if self.intents is not None and str(intent) not in self.intents:
                    self.add(at, line_of(intents, intent), f"unknown intent '{intent}'"
                             + _did_you_mean(str(intent), self.intents),
                             f"use an intent from content/nlu/data/*.yml ({_listing(self.intents)}), "
                             "or add examples for it there")
                edges += [(str(r.goto), False) for r in self._routes(at, intents, intent, states)]
        automatic = self._routes(at, body, "next", states)
        first = automatic[0] if automatic else None
        edges += [(str(r.goto), r is first and r.condition is None) for r in automatic]
        waits = any(body.get(k) for k in ("buttons", "text", "intents", "next"))
        if body.get("end") is True and waits:
            routed = [k for k in ("buttons", "text", "intents", "next") if body.get(k)]
            self.add(at, line_of(body, "end"), f"the state is marked 'end: true' but also has {_and(routed)}",
                     "remove 'end: true' if the conversation goes on from here, or remove "
                     + _and(routed))
        elif body.get("end") is not True and not waits:
            self.add(at, _key_line(parent, name), "dead end: the state has no buttons, text, intents or next, "
                     "and is not marked 'end: true'",
                     "add 'end: true' if the conversation should finish here, otherwise add buttons, "
                     "text, intents or next")
        return edges

    def _check_content_state(self, at: _At, kind: str, body: LineDict) -> None:
        ignored = [k for k in ("buttons", "text", "intents", "next", "end") if k in body]
        for key in ignored:
            self.add(at, line_of(body, key), f"'{key}:' is ignored in a state with {kind}:",
                     f"continue with then: after the {kind}, or move '{key}:' to a state of its own")
        if "then" not in body:
            self.add(at, line_of(body, kind), f"the {kind} state has no 'then:', so the conversation stops "
                     f"after the {kind}", f"add 'then: <state>' to say where to go when the {kind} is done")
        target = body.get(kind)
        if not isinstance(target, str):
            return
        if kind == "questionnaire" and target not in self.refs.questionnaires:
            self.add(at, line_of(body, kind), f"unknown questionnaire '{target}'"
                     + _did_you_mean(target, self.refs.questionnaires),
                     "use the id of a file in content/questionnaires/ "
                     f"({_listing(self.refs.questionnaires)})")
        if kind == "exercise" and variable_name(target) is None and target not in self.refs.exercises:
            self.add(at, line_of(body, kind), f"unknown exercise '{target}'"
                     + _did_you_mean(target, self.refs.exercises),
                     'use the id of a file in content/exercises/, or "{exercise}" for today\'s exercise')

    def _routes(self, at: _At, container: Any, key: Any, states: dict[str, Any]) -> list[_Route]:
        """Routes under `container[key]`, each checked: target, condition, actions, shadowing."""
        routes = list(_parse_routes(container, key))
        for index, route in enumerate(routes):
            if not isinstance(route.goto, str):
                continue
            if route.goto not in states:
                self.add(at, route.line, f"goto to unknown state '{route.goto}'" + _did_you_mean(route.goto, states),
                         f"use one of the states: {_listing(states)}")
            if isinstance(route.node, dict):
                if "if" in route.node:
                    self._condition(at, route.node.get("if"), line_of(route.node, "if"))
                if container is not route.node:  # a button's own `do` is checked with the button
                    self._actions(at, route.node, "do")
            if index > 0 and routes[index - 1].condition is None and all(
                    r.condition is not None for r in routes[:index - 1]):
                self.add(at, route.line, f"route {index + 1} is never taken: route {index} before it has no 'if:'",
                         f"give route {index} an 'if:', or move it to the end of the list")
        return [r for r in routes if isinstance(r.goto, str)]

    def _check_reachable(
        self, at: _At, start: str, edges: dict[str, list[tuple[str, bool]]], states: dict[str, Any], parent: Any,
    ) -> None:
        seen = {start}
        todo = [start]
        while todo:
            for target, _ in edges.get(todo.pop(), []):
                if target in states and target not in seen:
                    seen.add(target)
                    todo.append(target)
        for name in states:
            if name not in seen:
                self.add(at.at(name), _key_line(parent, name), "the state can never be reached: nothing leads here",
                         f"add 'goto: {name}' to a button or route of another state, or delete this state")

    def _check_automatic_loops(self, at: _At, edges: dict[str, list[tuple[str, bool]]], parent: Any) -> None:
        """A cycle of states whose first `next:` route has no `if:` never waits for the patient."""
        always = {src: next(t for t, a in out if a) for src, out in edges.items() if any(a for _, a in out)}
        reported: set[str] = set()
        for begin in always:
            path: list[str] = []
            node: str | None = begin
            while node is not None and node in always and node not in path and node not in reported:
                path.append(node)
                node = always[node]
            if node is None or node not in path:
                reported.update(path)
                continue
            cycle = path[path.index(node):]
            reported.update(path)
            first = min(cycle, key=lambda n: _key_line(parent, n))
            loop = cycle[cycle.index(first):] + cycle[:cycle.index(first)] + [first]
            self.add(at.at(first), _key_line(parent, first),
                     "next: routes loop forever without waiting for the patient: " + " → ".join(loop),
                     "give one of these next: routes an 'if:', or let one of these states wait for a "
                     "button or text")

    def _actions(self, at: _At, container: Any, key: str) -> None:
        if not isinstance(container, dict) or key not in container:
            return
        for index, action in _items(container.get(key)):
            if not isinstance(action, dict) or len(action) != 1:
                continue  # the schema says what is wrong
            line = _item_line(container, key, index)
            ((kind, arg),) = action.items()
            if kind == "score" and isinstance(arg, str) and arg not in self.refs.questionnaires:
                self.add(at, line, f"score: names unknown questionnaire '{arg}'"
                         + _did_you_mean(arg, self.refs.questionnaires),
                         f"use the id of a file in content/questionnaires/ ({_listing(self.refs.questionnaires)})")
            elif kind in ("start", "schedule"):
                target = arg if isinstance(arg, str) else arg.get("dialogue") if isinstance(arg, dict) else None
                if isinstance(target, str) and target not in self.refs.dialogues:
                    self.add(at, line, f"{kind}: names unknown dialogue '{target}'"
                             + _did_you_mean(target, self.refs.dialogues),
                             f"use the id of a dialogue in dialogues/ ({_listing(self.refs.dialogues)})")
            elif kind == "say":
                self._text(at, line, arg)

    def _text(self, at: _At, line: int, ref: Any) -> None:
        """A message key must exist in some language; inline text must have English."""
        if isinstance(ref, str) and ref:
            if ref not in self.keys:
                self.add(at, line, f"message key '{ref}' is missing" + _did_you_mean(ref, self.keys),
                         f"add '{ref}' to content/messages/{FALLBACK_LOCALE}.yaml (and the other languages), "
                         'or write the text inline: {en: "..."}')
        elif isinstance(ref, dict) and FALLBACK_LOCALE not in ref:
            self.add(at, line_of(ref) if isinstance(ref, LineDict) else line,
                     "inline text has no English ('en')",
                     'add en: "..." — English is shown whenever the patient\'s language is missing')

    def _condition(self, at: _At, condition: Any, line: int, scope: _Scope | None = None) -> None:
        """Structure a schema can't express: exactly one comparison, on a `var`."""
        if not isinstance(condition, dict):
            return
        line = line_of(condition) if isinstance(condition, LineDict) else line
        known = {"var", *COMPARISONS, *COMBINATORS}
        if any(str(k) not in known for k in condition):
            return  # unknown operator: the schema reports it with a suggestion
        combinators = [k for k in COMBINATORS if k in condition]
        if combinators:
            others = [str(k) for k in condition if k != combinators[0]]
            if others:
                self.add(at, line, f"a condition mixes '{combinators[0]}' with {_and(others)}",
                         f"put each test in its own condition inside {combinators[0]}:")
            inner = condition.get(combinators[0])
            for index, part in _items(inner if combinators[0] != "not" else [inner]):
                self._condition(at, part, line_of(inner, index) if combinators[0] != "not" else line, scope)
            return
        operators = [k for k in COMPARISONS if k in condition]
        if "var" not in condition:
            self.add(at, line, "the condition has no 'var'",
                     "say which answer to test, for example {var: mood, le: 3}")
        elif not operators:
            self.add(at, line, f"the condition on '{condition.get('var')}' has no comparison",
                     "add one of eq, ne, lt, le, gt, ge, in, exists, is, for example {var: mood, le: 3}")
        elif len(operators) > 1:
            self.add(at, line, f"the condition has {len(operators)} comparisons ({_and(operators)})",
                     "use one comparison per condition, and combine them with all: [...]")
        elif scope is not None:
            scope.check(self, at, line, str(condition.get("var")), operators[0], condition.get(operators[0]))
        elif self.variables is not None and str(condition.get("var")) not in self.variables:
            var = str(condition.get("var"))
            recorded = sorted(self.variables - set(CONTEXT_VARIABLES))
            self.add(at, line, f"the condition tests '{var}', which this dialogue never records or sets, so "
                     "it is never true" + _did_you_mean(var, self.variables),
                     f"test a variable the dialogue records or is started with ({_listing(recorded)}), or "
                     f"record '{var}' first with do: [{{record: {{{var}: ...}}}}]")

    # --- content files ---

    def _check_questionnaire(self, data: LineDict, at: _At) -> None:
        for key in ("title", "intro"):
            if key in data:
                self._text(at, line_of(data, key), data.get(key))
        shared = data.get("options")
        for _, option in _items(shared):
            if isinstance(option, dict) and "label" in option:
                self._text(at, line_of(option, "label"), option.get("label"))
        seen: dict[str, int] = {}
        items = [item for _, item in _items(data.get("items")) if isinstance(item, dict)]
        for index, item in enumerate(_as_list(data.get("items"))):
            if not isinstance(item, dict):
                continue
            line = _item_line(data, "items", index)
            ident = item.get("id")
            if isinstance(ident, str | int) and str(ident) in seen:
                self.add(at, line_of(item, "id"), f"item id '{ident}' is used twice (also on line {seen[str(ident)]})",
                         "give every item its own id (q1, q2, ...)")
            elif isinstance(ident, str | int):
                seen[str(ident)] = line_of(item, "id")
            if "text" in item:
                self._text(at, line_of(item, "text"), item.get("text"))
            if not _as_list(item.get("options")) and not _as_list(shared):
                self.add(at, line, f"item {index + 1} has no answer options",
                         "add options: to the questionnaire (shared by every item) or to this item")
            for option in _as_list(item.get("options")):
                if isinstance(option, dict) and "label" in option:
                    self._text(at, line_of(option, "label"), option.get("label"))
        scope = _Scope.of(data, items)
        self._check_bands(data, at, scope)
        for index, threshold in enumerate(_as_list(data.get("thresholds"))):
            if not isinstance(threshold, dict):
                continue
            if "if" in threshold:
                self._condition(at, threshold.get("if"), line_of(threshold, "if"), scope)
            reason = threshold.get("reason")
            if isinstance(reason, str):
                unknown = [p for p in _placeholders(reason) or [] if p not in scope.placeholders]
                if _placeholders(reason) is None:
                    self.add(at, line_of(threshold, "reason"), f"threshold {index + 1}: the reason has an unmatched "
                             "{ or }", "write placeholders as {score}; remove stray braces")
                elif unknown:
                    self.add(at, line_of(threshold, "reason"), f"threshold {index + 1}: the reason uses "
                             f"{_and('{' + p + '}' for p in unknown)}, which this questionnaire does not have",
                             f"use {_and('{' + p + '}' for p in sorted(scope.placeholders))}")

    def _check_bands(self, data: LineDict, at: _At, scope: _Scope) -> None:
        previous: tuple[float, str] | None = None
        for _, band in _items(data.get("bands")):
            if not isinstance(band, dict) or not _is_number(band.get("min")):
                continue
            low = float(band["min"])
            name = str(band.get("band"))
            if previous is not None and low <= previous[0]:
                self.add(at, line_of(band, "min"), f"bands are not increasing: '{name}' starts at {_num(low)}, "
                         f"not above '{previous[1]}' ({_num(previous[0])})",
                         "list bands from the lowest score up, each min higher than the one before")
            if scope.score is not None and not scope.score[0] <= low <= scope.score[1]:
                self.add(at, line_of(band, "min"), f"band '{name}' starts at {_num(low)}, but the score can only be "
                         f"{_num(scope.score[0])}–{_num(scope.score[1])} ({scope.explain})",
                         "check the band limits against the instrument's manual")
            previous = (low, name)

    def _check_exercise(self, data: LineDict, at: _At) -> None:
        if "title" in data:
            self._text(at, line_of(data, "title"), data.get("title"))
        for _, step in _items(data.get("steps")):
            if isinstance(step, dict) and "text" in step:
                self._text(at, line_of(step, "text"), step.get("text"))

    def _check_crisis(self, data: LineDict, at: _At) -> None:
        response = data.get("response")
        if isinstance(response, dict):
            if FALLBACK_LOCALE not in response:
                self.add(at, line_of(data, "response"), "the safety response has no English ('en')",
                         "add an en: text; it is sent whenever the patient's language has none")
            for locale, text in response.items():
                if isinstance(text, str) and "{lines}" not in text:
                    self.add(at, line_of(response, locale), f"the '{locale}' safety response has no {{lines}}, "
                             "so patients would not see the crisis numbers",
                             "put {lines} where the crisis lines should appear")
        zones = data.get("timezones")
        if isinstance(zones, list):
            known = _timezones()
            for index, zone in _items(zones):
                if isinstance(zone, str) and zone not in known:
                    self.add(at, _item_line(data, "timezones", index), f"unknown time zone '{zone}'"
                             + _did_you_mean(zone, known), "use an IANA time zone name such as Europe/London")

    def _check_programme(self, data: LineDict, at: _At) -> None:
        entries: list[tuple[Any, int]] = []
        for key in ("daily", "every"):
            for _, entry in _items(data.get(key)):
                if isinstance(entry, dict) and "dialogue" in entry:
                    entries.append((entry.get("dialogue"), line_of(entry, "dialogue")))
        sessions = data.get("sessions")
        if isinstance(sessions, dict) and "feedback_dialogue" in sessions:
            entries.append((sessions.get("feedback_dialogue"), line_of(sessions, "feedback_dialogue")))
        for section, key in (("goals", "dialogue"), ("goals", "review"), ("ending", "dialogue")):
            block = data.get(section)
            if isinstance(block, dict) and key in block:
                entries.append((block.get(key), line_of(block, key)))
        self._check_programme_length(data, at)
        for dialogue, line in entries:
            if isinstance(dialogue, str) and dialogue not in self.refs.dialogues:
                self.add(at, line, f"unknown dialogue '{dialogue}'" + _did_you_mean(dialogue, self.refs.dialogues),
                         f"use the id of a dialogue in dialogues/ ({_listing(self.refs.dialogues)})")
        for index, entry in _items(data.get("daily")):
            if not isinstance(entry, dict):
                continue
            if index == 0 and ("after" in entry or "at" in entry):
                self.add(at, line_of(entry, "dialogue"), "daily: the first entry is the day's check-in and starts "
                         "the chain; it cannot have 'after' or 'at'",
                         "move it down, or put the check-in first")
            elif "after" in entry and "at" in entry:
                self.add(at, line_of(entry, "at"), f"daily: '{entry.get('dialogue')}' has both 'after' and 'at'",
                         "use 'after: checkin' or 'after: exercise' to run it in the morning chain, or "
                         "'at: \"HH:MM\"' for its own time, not both")
        weeks = data.get("weeks")
        if isinstance(weeks, dict):
            for week, days in weeks.items():
                for index, exercise in _items(days):
                    if isinstance(exercise, str) and exercise not in self.refs.exercises:
                        self.add(at, line_of(days, index), f"week {week}: unknown exercise '{exercise}'"
                                 + _did_you_mean(exercise, self.refs.exercises),
                                 f"use the id of a file in content/exercises/ ({_listing(self.refs.exercises)})")
        for section, key in PROGRAMME_MESSAGES:
            block = data.get(section)
            value = block.get(key) if isinstance(block, dict) else None
            if not isinstance(value, str) or value in self.keys:
                continue
            if PROGRAMME_MESSAGES_WITH_DEFAULTS.get((section, key)) == value:
                continue  # the bot has this text built in
            self.add(at, line_of(block, key), f"{section}: {key} names message key '{value}', which is missing"
                     + _did_you_mean(value, self.keys),
                     f"add '{value}' to content/messages/{FALLBACK_LOCALE}.yaml, or name an existing key")

    def _check_programme_length(self, data: LineDict, at: _At) -> None:
        """What starts on a day after the programme's last never runs (length_weeks)."""
        weeks = data.get("length_weeks", 12)
        if not isinstance(weeks, int) or isinstance(weeks, bool) or weeks < 1:
            return  # the schema says so
        last = 7 * weeks - 1
        # questionnaires may run on the last day; the goal review gives way to the look-back there
        starts = [(f"every: '{entry.get('dialogue')}'", entry, last) for _, entry in _items(data.get("every"))
                  if isinstance(entry, dict)]
        if isinstance(data.get("goals"), dict):
            starts.append(("goals: the review", data["goals"], last - 1))
        for what, block, latest in starts:
            first = block.get("first_day")
            if isinstance(first, int) and not isinstance(first, bool) and first > latest:
                self.add(at, line_of(block, "first_day"), f"{what} starts on day {first}, but the programme's "
                         f"last day is day {last} (length_weeks: {weeks}, counting from day 0), so it never runs",
                         f"choose a first_day of {latest} or less, or make length_weeks longer")

    def _check_messages(self, data: LineDict, at: _At) -> None:
        locale = str(data.get("locale"))
        english = self.refs.messages.get(FALLBACK_LOCALE, {})
        for key, (line, text) in _message_lines(data.get("messages")).items():
            names = _placeholders(text)
            if names is None:
                self.add(at, line, f"'{key}' has an unmatched {{ or }}",
                         "write placeholders as {name}; remove stray braces")
            elif locale != FALLBACK_LOCALE and key in english:
                extra = sorted(set(names) - set(_placeholders(english[key]) or []))
                if extra:
                    self.add(at, line, f"'{key}' uses {_and('{' + n + '}' for n in extra)}, which the English text "
                             "does not have", "use exactly the placeholders of the English text; they are filled "
                             "in by the bot, and a misspelt one is shown to patients as it is")

    # --- across files ---

    def _check_duplicate_ids(self) -> None:
        first: dict[tuple[str, str], str] = {}
        for source in self.bundle.files:
            if source.kind not in TABLES or not isinstance(source.data, dict):
                continue
            key = (source.kind, str(source.data.get(source.kind)))
            if key in first:
                self.add(_At(source.path, key[1]), line_of(source.data, source.kind),
                         f"{source.kind} '{key[1]}' is defined twice: here and in {first[key]}",
                         "ids must be unique across all files: rename one of them, or delete the copy")
            else:
                first[key] = source.path

    def _check_locales(self) -> None:
        """A key one language has must exist in every other (unless a file says `partial: true`)."""
        files = [f for f in self.bundle.files if f.kind == "messages" and isinstance(f.data, dict)]
        everywhere: dict[str, set[str]] = {loc: set(texts) for loc, texts in self.refs.messages.items()}
        done: set[str] = set()
        defined_in: dict[tuple[str, str], str] = {}
        for source in files:
            locale = str(source.data.get("locale"))
            for key, (line, _) in _message_lines(source.data.get("messages")).items():
                if (locale, key) in defined_in:
                    self.add(_At(source.path), line, f"'{key}' is also defined in {defined_in[(locale, key)]}",
                             f"keep each key in one '{locale}' file: the later one wins, which is easy to miss")
                else:
                    defined_in[(locale, key)] = source.path
            if locale in done:
                continue
            done.add(locale)
            partial = source.data.get("partial") is True and locale != FALLBACK_LOCALE
            if partial:
                continue
            mine = everywhere.get(locale, set())
            for key in sorted(set().union(*everywhere.values()) - mine):
                others = sorted(loc for loc, keys in everywhere.items() if key in keys)
                verb = "has" if len(others) == 1 else "have"
                self.add(_At(source.path), _nearest_section_line(source.data, key),
                         f"'{key}' has no '{locale}' text, but {_and(others)} {verb} one",
                         f"add {key} to this file"
                         + ("" if locale == FALLBACK_LOCALE else
                            ", or put 'partial: true' at the top to let English stand in for missing texts"))

    def _check_crisis_default(self) -> None:
        given = [f for f in self.bundle.files if f.kind == "crisis" and isinstance(f.data, dict)]
        if given and DEFAULT_REGION not in self.refs.crisis:
            self.add(_At(given[0].path, str(given[0].data.get("crisis"))), line_of(given[0].data, "crisis"),
                     f"there is no crisis file for the region '{DEFAULT_REGION}'",
                     f"add content/crisis/{DEFAULT_REGION}.yaml with 'crisis: {DEFAULT_REGION}': it is used "
                     "for every patient whose time zone no region lists")


# --- dialogue variables ---------------------------------------------------------------------

CONTEXT_VARIABLES = ("name", "locale", "timezone", "checkin_time", "text")
"""What every dialogue may test without recording it (bot.conversations.context_of, and the
text just typed)."""
STARTED_WITH = ("exercise", "rupture", "said", "team", "goal_count", "goal_1", "goal_2", "goal_3")
"""What the bot starts dialogues with: the day's `exercise` (bot.programme.prompt); the kind of
`rupture`, what the patient `said` and whether the `team` can be told (bot.service, for the
rupture_repair dialogue); how many goals the patient has and their words (bot.goals, for the
goals and goal review dialogues)."""
EXERCISE_VARIABLES = ("exercise.id", "exercise.outcome", "exercise.rating", "exercise.kind")
"""What an `exercise:` state records or sets (bot.engine.exercises)."""
EXERCISE_RECORDED = ("exercise.id", "exercise.outcome", "exercise.rating")
"""What an `exercise:` state stores as answers (`exercise.kind` is only set)."""


def dialogue_variables(name: str, data: Any, refs: Bundle) -> set[str]:
    """The variables a dialogue's conditions may test: the context, what its own actions and
    its questionnaire and exercise states record or set, and what other dialogues start or
    schedule it with. A condition on anything else is never true: a misspelt name silently
    disables its branch (a safety branch included)."""
    known = {*CONTEXT_VARIABLES, *STARTED_WITH}
    for key, value in _entries(data):
        if key in ("record", "set") and isinstance(value, dict):
            known.update(str(k) for k in value)
        elif key == "score" and isinstance(value, str):
            known.update((f"{value}.score", f"{value}.band"))
        elif key == "questionnaire" and isinstance(value, str):
            items = dict(refs.questionnaires.get(value) or {}).get("items")
            known.update(f"{value}.{item.get('id')}" for item in _as_list(items) if isinstance(item, dict))
            known.update((f"{value}.score", f"{value}.band"))
        elif key == "exercise":
            known.update(EXERCISE_VARIABLES)
    for other in refs.dialogues.values():
        for key, value in _entries(other):
            if key in ("start", "schedule") and isinstance(value, dict) and value.get("dialogue") == name:
                vars_ = value.get("vars")
                known.update(str(k) for k in (vars_ if isinstance(vars_, dict) else {}))
    return known


def recorded_variables(data: Any) -> set[str]:
    """What a dialogue stores as answers (a measure must be one of them): its `record:` keys
    and what its exercise states record. `set:` and start variables are not stored."""
    known: set[str] = set()
    for key, value in _entries(data.get("states") if isinstance(data, dict) else None):
        if key == "record" and isinstance(value, dict):
            known.update(str(k) for k in value)
        elif key == "exercise":
            known.update(EXERCISE_RECORDED)
    return known


def _recorded_values(data: Any, name: str) -> Iterator[tuple[int, Any]]:
    """(line, value) of every `record: {name: value}` in the dialogue's states."""
    def walk(node: Any) -> Iterator[tuple[int, Any]]:
        if isinstance(node, dict):
            record = node.get("record")
            if isinstance(record, dict) and name in record:
                yield line_of(record, name), record[name]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    yield from walk(data.get("states") if isinstance(data, dict) else None)


def _entries(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of every mapping in a YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from _entries(value)
    elif isinstance(node, list):
        for item in node:
            yield from _entries(item)


# --- questionnaire scores -------------------------------------------------------------------


@dataclass
class _Scope:
    """What a questionnaire's thresholds can test, and the range each variable can take."""

    ranges: dict[str, tuple[float, float]]
    bands: set[str]
    explain: str
    score: tuple[float, float] | None

    @property
    def placeholders(self) -> set[str]:
        return {*THRESHOLD_VARIABLES, *(k for k in self.ranges if k not in THRESHOLD_VARIABLES)}

    @classmethod
    def of(cls, data: LineDict, items: list[Any]) -> _Scope:
        shared = _option_values(data.get("options"))
        per_item = {str(item.get("id")): _option_values(item.get("options")) or shared for item in items}
        ranges = {ident: (min(v), max(v)) for ident, v in per_item.items() if v}
        bands = {str(b.get("band")) for b in _as_list(data.get("bands")) if isinstance(b, dict)}
        scoring: Any = data.get("scoring") if isinstance(data.get("scoring"), dict) else {}
        method = str(scoring.get("method", "sum"))
        multiplier = float(scoring["multiplier"]) if _is_number(scoring.get("multiplier")) else 1.0
        score: tuple[float, float] | None = None
        explain = ""
        if items and len(ranges) == len(per_item):
            lows = [r[0] for r in ranges.values()]
            highs = [r[1] for r in ranges.values()]
            raw = (min(lows), max(highs)) if method == "mean" else (sum(lows), sum(highs))
            ends = sorted((raw[0] * multiplier, raw[1] * multiplier))
            score = (ends[0], ends[1])
            ranges["raw"] = raw
            ranges["score"] = score
            same = len(set(ranges[i] for i in per_item)) == 1
            each = f"{_num(lows[0])}–{_num(highs[0])}" if same else "their options"
            explain = f"{len(per_item)} item(s) × {each}, {'averaged' if method == 'mean' else 'summed'}"
            if multiplier != 1:
                explain += f", × {_num(multiplier)}"
        return cls(ranges, bands, explain, score)

    def check(self, validator: _Validator, at: _At, line: int, var: str, op: str, value: Any) -> None:
        known = {*self.ranges, *THRESHOLD_VARIABLES}
        if var not in known:
            items = _listing(k for k in self.ranges if k not in THRESHOLD_VARIABLES)
            validator.add(at, line, f"a threshold tests '{var}', which this questionnaire does not have"
                          + _did_you_mean(var, known), f"test score, raw, band or an item id ({items})")
            return
        if var == "band":
            values = value if op == "in" and isinstance(value, list) else [value] if op in ("eq", "ne") else []
            for band in values:
                if str(band) not in self.bands:
                    validator.add(at, line, f"a threshold tests band '{band}', which the bands do not name"
                                  + _did_you_mean(str(band), self.bands),
                                  f"use one of the bands: {_listing(self.bands)}")
            return
        limits = self.ranges.get(var)
        if limits is None or op not in ("eq", "ne", "lt", "le", "gt", "ge") or not _is_number(value):
            return
        low, high = limits
        number = float(value)
        never = (op == "gt" and number >= high) or (op == "lt" and number <= low)
        if never or not low <= number <= high:
            what = f"the score can only be {_num(low)}–{_num(high)} ({self.explain})" if var == "score" else \
                f"{var} can only be {_num(low)}–{_num(high)}"
            validator.add(at, line, f"a threshold compares {var} with {_num(number)}, but {what}",
                          "check the number against the instrument's manual; score is after the multiplier, "
                          "raw before it")


def _option_values(options: Any) -> list[float]:
    return [float(o["value"]) for o in _as_list(options) if isinstance(o, dict) and _is_number(o.get("value"))]


# --- schema errors in authors' words --------------------------------------------------------


def _explain(error: ValidationError, root: Any) -> list[tuple[int, list[Any], str, str]]:
    """(line, data path, message, hint) for one schema error; alternatives are narrowed down."""
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    line = _line_at(root, path)
    subject = _describe(path) or ("the state" if len(path) == 2 and path[0] == "states" else "")
    if kind in ("anyOf", "oneOf"):
        branches = _plausible_branches(error)
        if branches:
            out: list[tuple[int, list[Any], str, str]] = []
            for sub in branches:
                out += _explain(sub, root)
            return out
        expected = schema.get("x-expected") or "something else"
        return [(line, path, f"{subject or 'this'} should be {expected}, not {_kind_of(error.instance)}",
                 _hint(schema, f"write {expected}"))]
    if "propertyNames" in error.relative_schema_path or "propertyNames" in error.schema_path:
        name = str(error.instance)
        return [(line_of(_node_at(root, path), name), [*path, name],
                 _prefixed(subject, f"'{name}' is not a valid name"), _hint(schema, "rename it"))]
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        out = []
        for prop in (str(k) for k in error.validator_value if k not in instance):
            hint = _hint(dict((schema.get("properties") or {}).get(prop) or {}, **{"x-hint": None}), f"add '{prop}:'")
            out.append((line, path, _prefixed(subject, f"missing '{prop}'"), hint))
        return out
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = [str(k) for k in (schema.get("properties") or {})]
        noun = schema.get("x-noun", "field")
        node = _node_at(root, path)
        return [
            (line_of(node, key), [*path, key],
             _prefixed(subject, f"unknown {noun} '{key}'" + _did_you_mean(str(key), allowed)),
             f"check the spelling, or remove it; allowed here: {', '.join(allowed)}")
            for key in error.instance if key not in allowed
        ]
    if kind == "type":
        expected = schema.get("x-expected") or _type_words(error.validator_value)
        hint = _hint(schema, f"write {expected} here")
        if isinstance(error.instance, bool) and "string" in _as_list(error.validator_value):
            hint = "put the text in quotes, such as \"Yes\": unquoted yes, no, on and off mean true/false in YAML"
        return [(line, path, f"{subject or 'this'} should be {expected}, not {_kind_of(error.instance)}", hint)]
    if kind == "enum":
        options = [str(v) for v in error.validator_value]
        noun = schema.get("x-noun", "value")
        return [(line, path, _prefixed(subject, f"'{error.instance}' is not a known {noun}"
                                       + _did_you_mean(str(error.instance), options)),
                 f"use one of: {', '.join(options)}")]
    if kind == "pattern":
        noun = schema.get("x-noun", "value")
        return [(line, path, _prefixed(subject, f"'{error.instance}' is not a valid {noun}"),
                 _hint(schema, "correct the value"))]
    if kind in ("minItems", "minProperties", "minLength"):
        return [(line, path, f"{subject or 'this'} is empty", _hint(schema, "add at least one entry"))]
    if kind == "maxProperties" and isinstance(error.instance, dict):
        keys = [str(k) for k in error.instance]
        return [(line, path, _prefixed(subject, f"{len(keys)} keys ({_and(keys)}) where one is expected"),
                 _hint(schema, "split it into one entry per key"))]
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        return [(line, path, f"{subject or 'this'} must be {bound} {error.validator_value}, not {error.instance}",
                 _hint(schema, f"use a number {bound} {error.validator_value}"))]
    return [(line, path, _prefixed(subject, error.message), _hint(schema, "see bot/content/schema/"))]


def _plausible_branches(error: ValidationError) -> list[ValidationError]:
    """Errors of the alternatives that accept this kind of value (so the real mistake shows)."""
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    here = list(error.absolute_path)
    plausible = [subs for subs in by_branch.values() if not any(_mismatch(s, here) for s in subs)]
    if not plausible:
        return []
    return min(plausible, key=len)


def _mismatch(error: ValidationError, here: list[Any]) -> bool:
    """The value itself is of the wrong kind for this alternative (not something inside it)."""
    if list(error.absolute_path) != here:
        return False
    if error.validator == "type":
        return True
    if error.validator in ("anyOf", "oneOf"):
        return not _plausible_branches(error)
    return False


def _hint(schema: dict[str, Any], action: str) -> str:
    """The schema's own hint, else what to do plus what the field is for (when that is short)."""
    if schema.get("x-hint"):
        return str(schema["x-hint"])
    described = str(schema.get("description") or "").rstrip(".")
    if not described or len(described) > MAX_DESCRIPTION_IN_HINT:
        return action
    if described[:2].istitle():
        described = described[0].lower() + described[1:]
    return f"{action} ({described})"


def _prefixed(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def _describe(path: list[Any]) -> str:
    """Where in the file, in words: "button 2, action 1, flag, severity"."""
    if len(path) >= 2 and path[0] == "states":
        path = path[2:]  # the state is named separately
    words: list[str] = []
    for index, part in enumerate(path):
        following = path[index + 1] if index + 1 < len(path) else None
        if isinstance(part, int):
            parent = str(path[index - 1]) if index > 0 else ""
            if index >= 2 and path[index - 2] == "intents":
                parent = "routes"
            words.append(f"{SINGULAR.get(parent, 'entry')} {part + 1}")
        elif isinstance(following, int) and str(part) in SINGULAR:
            continue
        else:
            words.append(str(part))
    return ", ".join(words)


def _type_words(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(TYPE_WORDS.get(str(n), str(n)) for n in names)


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


# --- YAML data helpers ----------------------------------------------------------------------


def _node_at(root: Any, path: list[Any]) -> Any:
    node = root
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _line_at(root: Any, path: list[Any]) -> int:
    """The line where the value at `path` is introduced (its key, or its list item)."""
    if not path:
        return line_of(root)
    parent = _node_at(root, path[:-1])
    return line_of(parent, path[-1]) if parent is not None else line_of(root)


def _key_line(parent: Any, key: Any) -> int:
    return line_of(parent, key) if isinstance(parent, LineDict) else 1


def _item_line(container: Any, key: str, index: int | None) -> int:
    """Line of `container[key][index]` (or of `container[key]` when it is a single value)."""
    value = container.get(key) if isinstance(container, dict) else None
    if index is not None and isinstance(value, LineList):
        return line_of(value, index)
    return _key_line(container, key)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _items(value: Any) -> Iterator[tuple[int | None, Any]]:
    """(index, item) of a list, or (None, value) for a single value."""
    if isinstance(value, list):
        yield from enumerate(value)
    elif value is not None:
        yield None, value


def _parse_routes(container: Any, key: Any) -> Iterator[_Route]:
    """The routes under `container[key]` with their lines: a name, a route or a list of them."""
    if not isinstance(container, dict) or key not in container:
        return
    raw = container[key]
    if key == "goto":  # a button's own goto (its `if` and `do` belong to the button)
        yield _Route(raw, container.get("if"), container.get("do"), line_of(container, "goto"), None)
        return
    for index, item in _items(raw):
        line = _item_line(container, key, index)
        if isinstance(item, str):
            yield _Route(item, None, None, line, None)
        elif isinstance(item, dict) and "goto" in item:
            yield _Route(item.get("goto"), item.get("if"), item.get("do"), line_of(item, "goto"), item)


def _has_cycle(data: Any) -> bool:
    """YAML aliases can make a value contain itself; checks would never finish on those."""
    stack: set[int] = set()

    def visit(node: Any) -> bool:
        if not isinstance(node, dict | list):
            return False
        if id(node) in stack:
            return True
        stack.add(id(node))
        children = node.values() if isinstance(node, dict) else node
        found = any(visit(child) for child in children)
        stack.discard(id(node))
        return found

    try:
        return visit(data)
    except RecursionError:
        return True


def _message_lines(tree: Any, prefix: str = "") -> dict[str, tuple[int, str]]:
    """Flat message keys -> (line, text), like `flatten_messages` but keeping lines."""
    flat: dict[str, tuple[int, str]] = {}
    if not isinstance(tree, dict):
        return flat
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_message_lines(value, full + "."))
        elif value is not None:
            flat[full] = (line_of(tree, key), str(value))
    return flat


def _nearest_section_line(data: LineDict, key: str) -> int:
    """Where a missing key belongs: its deepest existing section, else `messages:`."""
    node: Any = data.get("messages")
    line = line_of(data, "messages")
    for part in key.split(".")[:-1]:
        if not isinstance(node, dict) or part not in node:
            break
        line = line_of(node, part)
        node = node[part]
    return line


def _placeholders(text: str) -> list[str] | None:
    """Names in {braces}; None when the braces don't match (the bot then shows the text raw)."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name]
    except ValueError:
        return None


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _did_you_mean(name: str, choices: Iterable[Any]) -> str:
    choices = [str(c) for c in choices]
    if OPERATOR_ALIASES.get(name) in choices:
        return f" (did you mean '{OPERATOR_ALIASES[name]}'?)"
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _listing(names: Iterable[Any]) -> str:
    names = sorted(str(n) for n in names)
    if not names:
        return "none defined"
    shown = ", ".join(names[:MAX_SUGGESTIONS])
    return shown + (f", … ({len(names)} in all)" if len(names) > MAX_SUGGESTIONS else "")


def _and(words: Iterable[str]) -> str:
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = set(problems)
    return sorted(unique, key=lambda p: (p.path, p.line, p.dialogue or "", p.state or "", p.message))
