"""Conditions over recorded answers, as plain YAML data an editor can complete.

    {var: mood, le: 3}                  compare a variable
    {var: phq9.band, in: [severe, moderately severe]}
    {var: note, exists: true}
    {var: text, is: timezone}           what the patient typed is a time zone ("Madrid"), or
    {var: text, is: time}               a time of day ("7:30", "7pm")
    {all: [...]}, {any: [...]}, {not: {...}}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.timeutil import parse_hhmm, resolve_zone

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "exists", "is")
FORMATS: dict[str, Callable[[str], bool]] = {
    "timezone": lambda text: resolve_zone(text) is not None,
    "time": lambda text: parse_hhmm(text) is not None,
}
"""What `is:` can check typed text against: the forms the service knows how to read."""
COMBINATORS = ("all", "any", "not")


def evaluate(condition: Any, variables: dict[str, Any]) -> bool:
    """True when the condition holds; a malformed condition or missing variable is False."""
    if condition is None:
        return True
    if not isinstance(condition, dict):
        return bool(condition)
    if "all" in condition:
        return all(evaluate(c, variables) for c in condition["all"] or [])
    if "any" in condition:
        return any(evaluate(c, variables) for c in condition["any"] or [])
    if "not" in condition:
        return not evaluate(condition["not"], variables)
    name = condition.get("var")
    value = variables.get(str(name))
    for op in COMPARISONS:
        if op in condition:
            return _compare(op, value, condition[op])
    return False


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "exists":
        return (left is not None and left != "") == bool(right)
    if left is None:
        return False
    if op == "is":
        check = FORMATS.get(str(right))
        return check is not None and check(str(left))
    if op == "in":
        return left in (right or [])
    if op in ("eq", "ne"):
        equal = left == right or str(left) == str(right)
        return equal if op == "eq" else not equal
    try:
        a, b = float(left), float(right)
    except (TypeError, ValueError):
        return False
    return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[op]
