"""Runs dialogue scripts as `transitions` state machines, without any I/O.

One machine is compiled per (dialogue, content version) and shared by every patient; a
conversation is plain JSON (`Conversation`), loaded into a throw-away model for one input.
Transition callbacks only append events to that model; nothing is sent from inside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from transitions import Machine

from bot.content.bundle import Bundle
from bot.engine import events as ev
from bot.engine.conditions import evaluate
from bot.engine.scoring import score_questionnaire
from bot.engine.script import DialogueSpec, Route, StateSpec, TextRef, as_list, parse_dialogue
from bot.errors import EngineError, StaleButton

MAX_AUTOMATIC_STEPS = 50
"""Guard against `next:` loops an author wrote by mistake (the validator also reports them)."""

FALLBACK_KEY = "system.no_match"
FALLBACK_TEXT = "Sorry, I didn't quite get that. You can use the buttons, or type /help."


@dataclass
class Conversation:
    """A patient's place in one dialogue: plain data, stored as a row."""

    dialogue: str
    version: str
    state: str
    seq: int = 0
    vars: dict[str, Any] = field(default_factory=dict)
    finished: bool = False


@dataclass
class Input:
    """What a patient did: pressed button `index`, or wrote `text` (with an NLU `intent`)."""

    kind: str  # "press" | "text"
    index: int = -1
    seq: int = -1
    text: str = ""
    intent: str | None = None


@dataclass
class StepResult:
    conversation: Conversation
    events: list[ev.Event]
    matched: bool = True


class _Model:
    """The throw-away object a machine runs on for one input."""

    def __init__(self, conversation: Conversation, context: dict[str, Any], locale: str) -> None:
        self.state = conversation.state
        self.vars = dict(conversation.vars)
        self.context = context
        self.locale = locale
        self.events: list[ev.Event] = []
        self.text = ""
        self.entered: list[str] = []


class _SafeVars(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, variables: dict[str, Any]) -> str:
    """Fill `{name}`-style placeholders; unknown ones stay visible instead of crashing.
    `str.format_map` does what `string.Formatter` does, in C (a fifth of the time: every
    message and button label of every input is rendered)."""
    if "{" not in template and "}" not in template:
        return template
    try:
        return template.format_map(_SafeVars(variables))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return template


class CompiledDialogue:
    def __init__(self, spec: DialogueSpec, bundle: Bundle) -> None:
        self.spec = spec
        self.bundle = bundle
        self.machine = Machine(
            model=None, states=list(spec.states), initial=None,
            auto_transitions=False, send_event=True, ignore_invalid_triggers=True,
        )
        for state in spec.states.values():
            self.machine.get_state(state.name).on_enter.append(self._on_enter)
            for index, button in enumerate(state.buttons):
                self._add_routes(f"press_{index}", state.name, button.routes)
            self._add_routes("text", state.name, state.text_routes)
            for intent, routes in state.intent_routes.items():
                self._add_routes(f"intent_{intent}", state.name, routes)
            self._add_routes("auto", state.name, state.auto_routes)

    def _add_routes(self, trigger: str, source: str, routes: list[Route]) -> None:
        for route in routes:
            if route.goto not in self.spec.states:
                continue  # reported by the validator; the route is simply not taken
            self.machine.add_transition(
                trigger, source, route.goto,
                conditions=[self._condition(route.condition)],
                before=[self._actions(route.actions)],
            )

    def _condition(self, condition: Any) -> Any:
        def check(event: Any) -> bool:
            model: _Model = event.model
            # `text` too, as actions see it: a text route may test what was typed
            return condition is None or evaluate(condition, {**model.context, **model.vars, "text": model.text})

        return check

    def _actions(self, actions: list[dict[str, Any]]) -> Any:
        def run(event: Any) -> None:
            run_actions(actions, event.model, self.bundle, self.spec.id)

        return run

    def _on_enter(self, event: Any) -> None:
        model: _Model = event.model
        state = self.spec.states[model.state]
        model.entered.append(state.name)
        run_actions(state.enter_actions, model, self.bundle, self.spec.id)

    def trigger(self, model: _Model, name: str) -> bool:
        event = self.machine.events.get(name)
        return bool(event and event.trigger(model))


def run_actions(actions: list[dict[str, Any]], model: _Model, bundle: Bundle, dialogue: str) -> None:
    """Carry out `do:` actions by changing variables and appending events, nothing else."""
    variables = {**model.context, **model.vars, "text": model.text}
    for action in actions:
        if not isinstance(action, dict) or len(action) != 1:
            continue
        (kind, arg), = action.items()
        if kind in ("record", "set") and isinstance(arg, dict):
            for key, value in arg.items():
                value = render(value, variables) if isinstance(value, str) else value
                model.vars[str(key)] = value
                variables[str(key)] = value
                if kind == "record":
                    model.events.append(ev.RecordAnswer(key=str(key), value=value))
        elif kind == "score":
            qid = str(arg)
            result = score_questionnaire(bundle.questionnaires.get(qid) or {}, qid, model.vars)
            model.vars[f"{qid}.score"] = result.score
            model.vars[f"{qid}.band"] = result.band
            model.events.append(result.event)
            model.events.extend(result.flags)
        elif kind == "flag" and isinstance(arg, dict):
            model.events.append(ev.RaiseFlag(
                severity=str(arg.get("severity", "concern")),
                reason=render(str(arg.get("reason", "")), variables),
                detail={"dialogue": dialogue, "state": model.state},
            ))
        elif kind == "schedule" and isinstance(arg, dict):
            model.events.append(ev.ScheduleDialogue(
                dialogue=str(arg.get("dialogue")), after=parse_duration(str(arg.get("after", "PT0S"))),
                vars=dict(arg.get("vars") or {}),
            ))
        elif kind == "start":
            target = arg if isinstance(arg, str) else (arg or {}).get("dialogue")
            extra = {} if isinstance(arg, str) else dict((arg or {}).get("vars") or {})
            extra = {k: render(v, variables) if isinstance(v, str) else v for k, v in extra.items()}
            model.events.append(ev.StartDialogue(dialogue=str(target), vars=extra))
        elif kind == "say":
            model.events.append(ev.SendMessage(text=_text(bundle, arg, model.locale, variables)))


def _text(bundle: Bundle, ref: TextRef, locale: str, variables: dict[str, Any]) -> str:
    if isinstance(ref, dict):
        template = ref.get(locale) or ref.get("en") or next(iter(ref.values()), "")
    else:
        template = bundle.message(str(ref), locale) or str(ref)
    return render(str(template), variables)


def parse_duration(text: str) -> timedelta:
    """ISO-8601 durations such as PT26H, P1D, P1DT2H30M, PT90S (no months or years)."""
    from bot.isotime import parse_duration as _parse

    return _parse(text)


class Engine:
    """Compiles dialogues on demand, once per version, and steps conversations."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, str], CompiledDialogue] = {}

    def compiled(self, bundle: Bundle, dialogue: str) -> CompiledDialogue:
        key = (bundle.version, dialogue)
        if key not in self._compiled:
            raw = bundle.dialogues.get(dialogue)
            if raw is None:
                raise EngineError(f"no dialogue {dialogue!r} in content version {bundle.version}")
            self._compiled[key] = CompiledDialogue(parse_dialogue(raw, bundle), bundle)
        return self._compiled[key]

    def start(
        self, bundle: Bundle, dialogue: str, context: dict[str, Any],
        variables: dict[str, Any] | None = None,
    ) -> StepResult:
        compiled = self.compiled(bundle, dialogue)
        conversation = Conversation(
            dialogue=dialogue, version=bundle.version, state=compiled.spec.start,
            vars=dict(variables or {}),
        )
        model = _Model(conversation, context, str(context.get("locale", "en")))
        model.entered.append(compiled.spec.start)
        run_actions(compiled.spec.states[compiled.spec.start].enter_actions, model, bundle, dialogue)
        return self._finish(compiled, conversation, model)

    def handle(
        self, bundle: Bundle, conversation: Conversation, step: Input, context: dict[str, Any]
    ) -> StepResult:
        """Apply one input; `bundle` must be the conversation's own version."""
        if conversation.finished:
            raise EngineError("conversation already finished")
        compiled = self.compiled(bundle, conversation.dialogue)
        state = compiled.spec.states.get(conversation.state)
        if state is None:
            raise EngineError(f"state {conversation.state!r} not in {conversation.dialogue}")
        model = _Model(conversation, context, str(context.get("locale", "en")))
        moved = False
        if step.kind == "press":
            if step.seq != conversation.seq or not 0 <= step.index < len(state.buttons):
                raise StaleButton("this button belongs to an earlier question")
            moved = compiled.trigger(model, f"press_{step.index}")
        elif step.kind == "text":
            model.text = step.text
            if step.intent and step.intent in state.intent_routes:
                moved = compiled.trigger(model, f"intent_{step.intent}")
            if not moved and state.text_routes:
                moved = compiled.trigger(model, "text")
        if not moved:
            return StepResult(conversation, self.reprompt(bundle, conversation, context, True), False)
        return self._finish(compiled, conversation, model)

    def reprompt(
        self, bundle: Bundle, conversation: Conversation, context: dict[str, Any],
        no_match: bool = False,
    ) -> list[ev.Event]:
        """The current question again (after a message that fit nothing, or as a reminder)."""
        compiled = self.compiled(bundle, conversation.dialogue)
        state = compiled.spec.states[conversation.state]
        locale = str(context.get("locale", "en"))
        variables = {**context, **conversation.vars}
        out: list[ev.Event] = []
        if no_match:
            hint = bundle.message(FALLBACK_KEY, locale) or FALLBACK_TEXT
            out.append(ev.SendMessage(text=render(hint, variables)))
        if state.say or state.buttons:
            out.extend(self._say(bundle, state, locale, variables, conversation.seq, last_only=True))
        return out

    def _finish(self, compiled: CompiledDialogue, before: Conversation, model: _Model) -> StepResult:
        for _ in range(MAX_AUTOMATIC_STEPS):
            if not compiled.spec.states[model.state].auto_routes:
                break
            if not compiled.trigger(model, "auto"):
                break
        else:
            raise EngineError(f"{compiled.spec.id}: too many automatic steps from {before.state!r}")
        after = replace(
            before, state=model.state, vars=model.vars,
            seq=before.seq + (1 if model.entered else 0),
        )
        locale = model.locale
        variables = {**model.context, **model.vars}
        said: list[ev.Event] = []
        for name in model.entered:
            state = compiled.spec.states[name]
            seq = after.seq if name == model.state else -1
            said.extend(self._say(compiled.bundle, state, locale, variables, seq))
        final = compiled.spec.states[model.state]
        events: list[ev.Event] = [*model.events]
        events = _interleave(said, events)
        if final.end or not (final.buttons or final.text_routes or final.intent_routes):
            after.finished = True
            events.append(ev.DialogueFinished(dialogue=compiled.spec.id))
        return StepResult(after, events)

    def _say(
        self, bundle: Bundle, state: StateSpec, locale: str, variables: dict[str, Any], seq: int,
        last_only: bool = False,
    ) -> list[ev.Event]:
        texts = [_text(bundle, ref, locale, variables) for ref in state.say]
        if last_only and texts:
            texts = texts[-1:]
        buttons: list[list[ev.Button]] = []
        if state.buttons and seq >= 0:
            labels = [
                ev.Button(label=_text(bundle, b.label, locale, variables), index=i)
                for i, b in enumerate(state.buttons)
            ]
            width = max(1, state.columns)
            buttons = [labels[i:i + width] for i in range(0, len(labels), width)]
        if not texts and buttons:
            texts = ["…"]
        out: list[ev.Event] = [ev.SendMessage(text=t) for t in texts[:-1]]
        if texts:
            out.append(ev.SendMessage(text=texts[-1], buttons=buttons, seq=seq))
        return out


def _interleave(said: list[ev.Event], others: list[ev.Event]) -> list[ev.Event]:
    """Records and flags first, then messages: the order the service needs to store them."""
    return [*others, *said]


def new_conversation_vars(*pairs: tuple[str, Any]) -> dict[str, Any]:
    return dict(pairs)


__all__ = ["Conversation", "Engine", "Input", "StepResult", "as_list", "render"]
