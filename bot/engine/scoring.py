"""Questionnaire scoring, exactly as the instrument's file says (sum or mean, multiplier, bands).

Thresholds are conditions over `score`, `raw` and the item ids, each raising a flag:

    thresholds:
      - {if: {var: score, ge: 15}, flag: concern, reason: "PHQ-9 {score}: moderately severe"}
      - {if: {var: q9, gt: 0}, flag: crisis, reason: "PHQ-9 item 9 answered {q9}"}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.engine import events as ev
from bot.engine.conditions import evaluate


@dataclass
class ScoreResult:
    score: float
    band: str | None
    event: ev.QuestionnaireScored
    flags: list[ev.RaiseFlag]


def score_questionnaire(spec: dict[str, Any], qid: str, answers: dict[str, Any]) -> ScoreResult:
    """Score from answers recorded as `<qid>.<item id>`; unanswered items count as missing."""
    items = [str(item.get("id")) for item in spec.get("items") or []]
    values: dict[str, float] = {}
    for item in items:
        value = answers.get(f"{qid}.{item}")
        if value is not None:
            try:
                values[item] = float(value)
            except (TypeError, ValueError):
                continue
    scoring = spec.get("scoring") or {}
    raw = sum(values.values())
    if scoring.get("method") == "mean" and values:
        raw = raw / len(values)
    score = raw * float(scoring.get("multiplier", 1))
    score = int(score) if float(score).is_integer() else round(score, 2)
    band = None
    for entry in sorted(spec.get("bands") or [], key=lambda b: float(b.get("min", 0))):
        if score >= float(entry.get("min", 0)):
            band = str(entry.get("band"))
    variables: dict[str, Any] = {"score": score, "raw": raw, "band": band, **values}
    flags = []
    for threshold in spec.get("thresholds") or []:
        if evaluate(threshold.get("if"), variables):
            reason = str(threshold.get("reason", f"{qid} threshold"))
            try:
                reason = reason.format(**{k.replace(".", "_"): v for k, v in variables.items()})
            except (KeyError, ValueError, IndexError):
                pass
            flags.append(ev.RaiseFlag(
                severity=str(threshold.get("flag", "concern")), reason=reason,
                detail={"questionnaire": qid, "score": score, "band": band},
            ))
    scored = ev.QuestionnaireScored(
        questionnaire=qid, score=score, raw=raw, band=band,
        answers={k: int(v) if float(v).is_integer() else v for k, v in values.items()},
    )
    return ScoreResult(score=score, band=band, event=scored, flags=flags)
