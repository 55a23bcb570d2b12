"""The `exercise:` state kind: an exercise from content/exercises/ walked through step by step.

    practise:
      exercise: "{exercise}"        # an exercise id, or a variable naming today's exercise
      say: exercise.intro           # optional, shown with the first step
      then:                         # routes once it is done, skipped or rated
        - {if: {var: exercise.outcome, eq: skipped}, goto: rest_day}
        - goto: well_done

becomes plain states, named so a patient's place survives restarts and content reloads:

    practise                          routes to today's exercise (on the variable), else .none
    practise.<exercise>.1 … .N        one per step, each with "Next" (step 1 also "Skip today")
    practise.<exercise>.outcome       Done / Done, it was hard / Skip today
    practise.<exercise>.rating        difficulty or pain 0–10 (after done or hard)
    practise.none                     no such exercise today: says so, then `then`
    practise.end                      follows `then`, after the answers above are recorded

Recorded answers: `exercise.id`, `exercise.outcome` (done | hard | skipped) and
`exercise.rating`; `exercise.kind` is set (not recorded) so `then` can tell physio apart.
Importing this module registers the kind (`bot.engine.engine` imports it).
"""

from __future__ import annotations

from typing import Any

from bot.engine.script import ButtonSpec, Route, StateSpec, TextRef, as_list, expander, parse_routes

OUTCOMES = (("done", "exercise.done"), ("hard", "exercise.hard"), ("skipped", "exercise.skip"))
"""(recorded outcome, message key of its button), in the order the buttons are shown."""
RATING_SCALE = range(0, 11)
RATING_COLUMNS = 6
DEFAULT_TEXTS = {
    "exercise.next": "Next ▶️",
    "exercise.done": "Done ✅",
    "exercise.hard": "Done, it was hard",
    "exercise.skip": "Skip today",
    "exercise.today": "Today's exercise: {title}",
    "exercise.ask_outcome": "How did it go?",
    "exercise.rate.default": "How hard was it? 0 = easy, 10 = very hard.",
    "exercise.rate.physio": "How much pain or strain did you feel? 0 = none, 10 = the worst.",
    "exercise.none": "There's no exercise planned for today.",
}
"""English fallbacks, so the kind works in a bundle without these messages (tests, previews)."""


def variable_name(target: str) -> str | None:
    """`"{exercise}"` -> `exercise`; a plain id -> None."""
    target = target.strip()
    if target.startswith("{") and target.endswith("}") and len(target) > 2:
        return target[1:-1].strip()
    return None


@expander("exercise")
def expand_exercise(name: str, raw: dict[str, Any], bundle: Any) -> list[StateSpec]:
    target = str(raw.get("exercise") or "")
    variable = variable_name(target)
    known: dict[str, Any] = dict(getattr(bundle, "exercises", {}) or {})
    ids = sorted(known) if variable else [target]
    then = parse_routes(raw.get("then"))

    entry = StateSpec(name=name, origin=name, enter_actions=as_list(raw.get("do")))
    if variable:
        entry.auto_routes = [_begin(name, ex, known[ex], {"var": variable, "eq": ex}) for ex in ids]
    elif target in known:
        entry.auto_routes = [_begin(name, target, known[target], None)]
    entry.auto_routes.append(Route(goto=f"{name}.none"))

    none = StateSpec(
        name=f"{name}.none", origin=name, say=[_ref(bundle, "exercise.none")],
        enter_actions=[{"set": {"exercise.outcome": "none"}}],
        auto_routes=[Route(goto=f"{name}.end")],
    )
    end = StateSpec(name=f"{name}.end", origin=name, auto_routes=then)
    states = [entry, none, end]
    for ex in ids:
        if ex in known:
            states.extend(_exercise_states(name, ex, known[ex], raw, bundle))
    return states


def _begin(name: str, ex: str, spec: Any, condition: Any) -> Route:
    """The route into one exercise; it notes the kind so `then` can treat physio apart."""
    first = f"{name}.{ex}.1" if as_list(spec.get("steps")) else f"{name}.{ex}.outcome"
    kind = str(spec.get("kind") or "")
    return Route(goto=first, condition=condition, actions=[{"set": {"exercise.kind": kind}}])


def _exercise_states(name: str, ex: str, spec: Any, raw: dict[str, Any], bundle: Any) -> list[StateSpec]:
    base = f"{name}.{ex}"
    kind = str(spec.get("kind") or "")
    steps = [s for s in as_list(spec.get("steps")) if isinstance(s, dict)]
    outcome_state, rating_state, end_state = f"{base}.outcome", f"{base}.rating", f"{name}.end"

    def outcome(value: str) -> dict[str, Any]:
        return {"record": {"exercise.id": ex, "exercise.outcome": value}}

    after = {"done": rating_state, "hard": rating_state, "skipped": end_state}
    choose = {value: [Route(goto=after[value], actions=[outcome(value)])] for value, _ in OUTCOMES}
    intents = {"done_exercise": choose["done"], "skip_exercise": choose["skipped"]}

    states: list[StateSpec] = []
    for number, step in enumerate(steps, start=1):
        following = f"{base}.{number + 1}" if number < len(steps) else outcome_state
        say: list[TextRef] = []
        buttons = [ButtonSpec(label=_ref(bundle, "exercise.next"), routes=[Route(goto=following)])]
        if number == 1:
            say.extend(as_list(raw.get("say")))
            say.append(_compose(bundle, "exercise.today", spec.get("title") or {"en": ex}))
            buttons.append(ButtonSpec(label=_ref(bundle, "exercise.skip"), routes=choose["skipped"]))
        say.append(_numbered(step.get("text", "?"), number, len(steps)))
        states.append(StateSpec(
            name=f"{base}.{number}", origin=name, say=say, buttons=buttons,
            columns=2 if number == 1 else 1, intent_routes=dict(intents),
        ))

    states.append(StateSpec(
        name=outcome_state, origin=name, say=[_ref(bundle, "exercise.ask_outcome")],
        buttons=[ButtonSpec(label=_ref(bundle, key), routes=choose[value]) for value, key in OUTCOMES],
        intent_routes=dict(intents),
    ))
    rate_key = f"exercise.rate.{kind}"
    if not (_has(bundle, rate_key) or rate_key in DEFAULT_TEXTS):
        rate_key = "exercise.rate.default"
    states.append(StateSpec(
        name=rating_state, origin=name, say=[_ref(bundle, rate_key)], columns=RATING_COLUMNS,
        buttons=[
            ButtonSpec(label=str(value), routes=[
                Route(goto=end_state, actions=[{"record": {"exercise.rating": value}}])])
            for value in RATING_SCALE
        ],
    ))
    return states


def _has(bundle: Any, key: str) -> bool:
    return bool(getattr(bundle, "messages", {}).get("en", {}).get(key))


def _ref(bundle: Any, key: str) -> TextRef:
    """The message key when content has it, else the built-in English text."""
    if _has(bundle, key):
        return key
    return {"en": DEFAULT_TEXTS.get(key, key)}


def _compose(bundle: Any, key: str, title: Any) -> dict[str, str]:
    """`Today's exercise: {title}` in every locale, with the exercise's own title filled in;
    other placeholders such as `{name}` are left for the engine to render."""
    titles = title if isinstance(title, dict) else {"en": str(title)}
    locales = sorted(getattr(bundle, "messages", {}) or {}) or ["en"]
    out: dict[str, str] = {}
    for locale in locales:
        template = (bundle.message(key, locale) if hasattr(bundle, "message") else None) \
            or DEFAULT_TEXTS[key]
        text = titles.get(locale) or titles.get("en") or next(iter(titles.values()), "")
        out[locale] = template.replace("{title}", str(text))
    return out


def _numbered(text: Any, number: int, total: int) -> TextRef:
    """"(2/4) …" so patients see how far along they are (a message key is left as it is)."""
    if isinstance(text, dict) and total > 1:
        return {loc: f"({number}/{total}) {value}" for loc, value in text.items()}
    return text if isinstance(text, dict) else str(text)
