"""Normalised dialogue scripts: the YAML shorthand turned into explicit states and routes.

Authoring format (see README "Writing a dialogue" and `bot/content/schema/`):

    dialogue: daily_checkin
    start: ask_mood
    states:
      ask_mood:
        say: checkin.ask_mood            # message key in content/messages/<locale>.yaml
        buttons:
          - label: checkin.mood_low
            do: [{record: {mood: 2}}]
            goto: low
        text: {goto: thanks, do: [{record: {note: "{text}"}}]}
        intents: {deny: {goto: thanks}}
      low: {questionnaire: phq9, then: thanks}
      thanks: {say: checkin.thanks, end: true}

A route is `{goto, if?, do?}` or a list of them (first whose `if` holds wins); `goto: X`
alone is shorthand for one route. `next:` routes run as soon as the state is entered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TextRef = str | dict[str, str]
"""A message key into content/messages, or an inline text per locale."""


@dataclass
class Route:
    goto: str
    condition: Any = None
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ButtonSpec:
    label: TextRef
    routes: list[Route]


@dataclass
class StateSpec:
    name: str
    say: list[TextRef] = field(default_factory=list)
    buttons: list[ButtonSpec] = field(default_factory=list)
    columns: int = 1
    text_routes: list[Route] = field(default_factory=list)
    intent_routes: dict[str, list[Route]] = field(default_factory=dict)
    auto_routes: list[Route] = field(default_factory=list)
    enter_actions: list[dict[str, Any]] = field(default_factory=list)
    end: bool = False
    origin: str = ""
    """The authored state this one came from (expanded questionnaire items share it)."""


@dataclass
class DialogueSpec:
    id: str
    start: str
    states: dict[str, StateSpec]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def parse_routes(raw: Any) -> list[Route]:
    """`"x"`, `{goto: x}` or a list of `{if, goto, do}` -> routes."""
    routes = []
    for item in as_list(raw):
        if isinstance(item, str):
            routes.append(Route(goto=item))
        elif isinstance(item, dict) and "goto" in item:
            routes.append(
                Route(goto=str(item["goto"]), condition=item.get("if"), actions=as_list(item.get("do")))
            )
    return routes


def _button(raw: dict[str, Any]) -> ButtonSpec:
    routes = parse_routes(raw.get("routes")) or parse_routes(
        {"goto": raw["goto"], "do": raw.get("do")} if "goto" in raw else None
    )
    if routes and "if" in raw:
        routes[0].condition = raw["if"]
    return ButtonSpec(label=raw.get("label", "?"), routes=routes)


def parse_state(name: str, raw: dict[str, Any]) -> StateSpec:
    state = StateSpec(name=name, origin=name)
    state.say = as_list(raw.get("say"))
    state.buttons = [_button(b) for b in as_list(raw.get("buttons")) if isinstance(b, dict)]
    state.columns = int(raw.get("columns", 1) or 1)
    state.text_routes = parse_routes(raw.get("text"))
    intents = raw.get("intents") or {}
    if isinstance(intents, dict):
        state.intent_routes = {str(k): parse_routes(v) for k, v in intents.items()}
    state.auto_routes = parse_routes(raw.get("next"))
    state.enter_actions = as_list(raw.get("do"))
    state.end = bool(raw.get("end", False))
    return state


Expander = Callable[[str, dict[str, Any], Any], list[StateSpec]]
"""Turns one authored state of a special kind into plain states: (name, raw, bundle) -> states."""

EXPANDERS: dict[str, Expander] = {}


def expander(key: str) -> Callable[[Expander], Expander]:
    """Register a state kind, e.g. `questionnaire:`; the key is the YAML field that marks it."""

    def register(func: Expander) -> Expander:
        EXPANDERS[key] = func
        return func

    return register


def parse_dialogue(raw: dict[str, Any], bundle: Any) -> DialogueSpec:
    states: dict[str, StateSpec] = {}
    for name, body in (raw.get("states") or {}).items():
        body = body or {}
        kind = next((k for k in EXPANDERS if k in body), None)
        expanded = EXPANDERS[kind](str(name), body, bundle) if kind else [parse_state(str(name), body)]
        for state in expanded:
            states[state.name] = state
    return DialogueSpec(id=str(raw.get("dialogue")), start=str(raw.get("start")), states=states)


@expander("questionnaire")
def expand_questionnaire(name: str, raw: dict[str, Any], bundle: Any) -> list[StateSpec]:
    """One state per item, each with the option buttons; the last records its answer and scores,
    then passes through `NAME.scored`, whose `then` routes may branch on the new score."""
    qid = str(raw["questionnaire"])
    questionnaire = bundle.questionnaires.get(qid) or {}
    items = as_list(questionnaire.get("items"))
    options = as_list(questionnaire.get("options"))
    then = parse_routes(raw.get("then"))
    states = []
    for number, item in enumerate(items, start=1):
        state_name = name if number == 1 else f"{name}.{number}"
        next_name = f"{name}.{number + 1}" if number < len(items) else None
        say: list[TextRef] = []
        if number == 1:
            say.extend(as_list(raw.get("say")))
            if questionnaire.get("intro"):
                say.append(questionnaire["intro"])
        prompt = item.get("text", "?")
        say.append(_numbered(prompt, number, len(items)))
        buttons = []
        for option in as_list(item.get("options")) or options:
            record = {"record": {f"{qid}.{item.get('id')}": option.get("value")}}
            if next_name is not None:
                routes = [Route(goto=next_name, actions=[record])]
            else:
                routes = [Route(goto=scored_name(name), actions=[record, {"score": qid}])]
            buttons.append(ButtonSpec(label=option.get("label", "?"), routes=routes))
        state = StateSpec(name=state_name, say=say, buttons=buttons, origin=name,
                          columns=int(questionnaire.get("columns", 1) or 1))
        if number == 1:
            state.enter_actions = as_list(raw.get("do"))
        states.append(state)
    if states:
        states.append(StateSpec(name=scored_name(name), auto_routes=then, origin=name))
    return states


def scored_name(name: str) -> str:
    """The pass-through state after a questionnaire's last answer has been scored."""
    return f"{name}.scored"


def _numbered(prompt: Any, number: int, total: int) -> TextRef:
    """Prefix item text with "(n/N)" so patients see how far along they are."""
    if isinstance(prompt, dict):
        return {loc: f"({number}/{total}) {text}" for loc, text in prompt.items()}
    return str(prompt)
