"""A patient's own goals: one to three, in their words, agreed at the start and revisited weekly.

Bordin's alliance is agreement on goals and tasks plus a bond (../shared/DOMAIN.md): the goals
dialogue (onboarding's last step, and /goals) records the patient's words; when it ends they
become the patient's goals here, in place of the old ones (which are ended, not deleted, so
their ratings keep their meaning). The weekly goal review rates each 0-10 with an optional
note; clinicians see the goals and their trend (/patient, the dashboard) and the patient sees
them in the look-back at the programme's end (bot.ending).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from bot import daily_batch
from bot.storage.models import Goal, GoalRating, Patient
from bot.work import Work

GOALS_DIALOGUE = "goals"
REVIEW_DIALOGUE = "goal_review"
MAX_GOALS = 3
GOAL_CHARS = 200
"""What is kept of one goal's words (a goal is a line, not a letter)."""
NOTE_CHARS = 500
TREND_STEP = 1.0
"""A change of at least this much between the first and the last ratings is a trend."""


@dataclass
class GoalTrend:
    """A goal with its ratings, oldest first."""

    goal: Goal
    ratings: list[GoalRating] = field(default_factory=list)

    @property
    def values(self) -> list[int]:
        return [r.rating for r in self.ratings]

    @property
    def direction(self) -> str:
        """rising, falling, steady, or "" with fewer than two ratings."""
        if len(self.ratings) < 2:
            return ""
        change = self.values[-1] - self.values[0]
        return "rising" if change >= TREND_STEP else "falling" if change <= -TREND_STEP else "steady"

    @property
    def last_note(self) -> str | None:
        return next((r.note for r in reversed(self.ratings) if r.note), None)


async def current_goals(work: Work, patient_id: str) -> list[Goal]:
    if (known := await daily_batch.current_goals(work, patient_id)) is not None:
        return known
    return list(await work.session.scalars(
        select(Goal).where(Goal.patient_id == patient_id, Goal.ended_at.is_(None)).order_by(Goal.position)))


async def dialogue_vars(work: Work, patient: Patient, review: bool = True) -> dict[str, Any]:
    """What the goals and goal review dialogues start with: `goal_count` and `goals_now` (one a
    line); for the `review`, `goal_1`..`goal_3` (their words) and `goal_1_id`.. (which goal a
    rating is about). The goals dialogue records `goal_1`.. itself: it must not start with them."""
    goals = await current_goals(work, patient.id)
    out: dict[str, Any] = {"goal_count": len(goals),
                           "goals_now": "\n".join(f"{n}. {g.text}" for n, g in enumerate(goals, 1))}
    if not review:
        return out
    for n, goal in enumerate(goals, 1):
        out[f"goal_{n}"] = goal.text
        out[f"goal_{n}_id"] = goal.id
    return out


def _words(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


async def save_goals(work: Work, patient: Patient, variables: dict[str, Any]) -> bool:
    """The goals dialogue's words become the patient's goals (the old ones end); nothing typed
    (kept, or "not now"): nothing changes. True when goals were set."""
    words = [_words(variables.get(f"goal_{n}"), GOAL_CHARS) for n in range(1, MAX_GOALS + 1)]
    words = [w for w in words if w]
    if not words:
        return False
    for goal in await current_goals(work, patient.id):
        goal.ended_at = work.now
    for position, text in enumerate(words, 1):
        work.session.add(Goal(patient_id=patient.id, position=position, text=text, set_at=work.now))
    work.audit(f"patient:{patient.id}", "goals_set", patient_id=patient.id, count=len(words))
    return True


async def save_ratings(work: Work, patient: Patient, variables: dict[str, Any]) -> int:
    """The goal review's ratings and notes, each with the goal it was about; returns how many."""
    saved = 0
    for n in range(1, MAX_GOALS + 1):
        rating, goal_id = variables.get(f"goal_{n}.rating"), variables.get(f"goal_{n}_id")
        if rating is None or goal_id is None:
            continue
        try:
            value, goal = max(0, min(10, int(rating))), await work.session.get(Goal, int(goal_id))
        except (TypeError, ValueError):
            continue
        if goal is None or goal.patient_id != patient.id:
            continue
        note = _words(variables.get(f"goal_{n}.note"), NOTE_CHARS) or None
        work.session.add(GoalRating(goal_id=goal.id, patient_id=patient.id, rating=value, note=note, at=work.now))
        saved += 1
    return saved


async def trends(work: Work, patient_id: str, include_ended: bool = False) -> list[GoalTrend]:
    """The patient's goals (current ones; with `include_ended`, earlier ones too, first) with
    their ratings, oldest first."""
    query = select(Goal).where(Goal.patient_id == patient_id)
    if not include_ended:
        query = query.where(Goal.ended_at.is_(None))
    goals = list(await work.session.scalars(query.order_by(Goal.set_at, Goal.position, Goal.id)))
    if not goals:
        return []
    by_goal: dict[int, GoalTrend] = {g.id: GoalTrend(g) for g in goals}
    for rating in await work.session.scalars(select(GoalRating).where(
            GoalRating.patient_id == patient_id).order_by(GoalRating.at, GoalRating.id)):
        if rating.goal_id in by_goal:
            by_goal[rating.goal_id].ratings.append(rating)
    return list(by_goal.values())


def trend_line(trend: GoalTrend, limit: int = 120) -> str:
    """For clinicians: “walk to the shops”: 3 → 5 → 6 of 10 (rising); last note: “...”."""
    text = _clipped(trend.goal.text, limit)
    if not trend.ratings:
        return f"“{text}”: not rated yet"
    shown = trend.values[-6:]
    line = f"“{text}”: {' → '.join(str(v) for v in shown)} of 10"
    if trend.direction:
        line += f" ({trend.direction})"
    if trend.last_note:
        line += f"; last note: “{_clipped(trend.last_note, limit)}”"
    return line


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


async def clinician_lines(work: Work, patient_id: str) -> list[str]:
    """The goals part of a patient's summary (/patient and the dashboard)."""
    found = await trends(work, patient_id)
    if not found:
        return ["Goals: none set yet"]
    return ["Goals (weekly ratings, 0-10):", *(f"• {trend_line(t)}" for t in found)]


async def erase(work: Work, patient_id: str) -> None:
    """/delete: the patient's goals and ratings go with the rest of their answers."""
    await work.session.execute(delete(GoalRating).where(GoalRating.patient_id == patient_id))
    await work.session.execute(delete(Goal).where(Goal.patient_id == patient_id))
