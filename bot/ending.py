"""A good ending: the look-back on the programme's last day (DOMAIN.md, "Ending well").

The programme (bot.programme) starts the look-back dialogue (content/programme.yaml `ending`)
after the last day's other dialogues; this module gives it what it needs: the patient's
picture of their weeks (mood, days with exercise, their goals' ratings, questionnaires' first
and last scores in plain words), sent just before it, and its variables in the patient's
language (the exercises they did most, example warning signs, whom to contact).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot import charts, goals, signals
from bot.conversations import context_of
from bot.storage.models import Answer, Patient, Score
from bot.timeutil import zone
from bot.work import Work

KEPT_EXERCISES = 2
"""How many of the exercises they did most the plan suggests keeping."""
NOT_IN_PICTURE = ("session_feedback", "programme_feedback")
"""Feedback on sessions and on the programme is about us, not about how the patient is."""


def _local(patient: Patient, moment: datetime) -> datetime:
    return moment.astimezone(zone(patient.timezone)).replace(tzinfo=None)


def _text(work: Work, patient: Patient, key: str, **variables: Any) -> str:
    return work.text(key, patient.locale, key, **context_of(patient), **variables)


async def exercises_done(work: Work, patient: Patient) -> list[str]:
    """Exercise ids, the most often done (done or hard) first; ties in the order first done."""
    rows = await work.session.execute(select(Answer.conversation_id, Answer.key, Answer.value).where(
        Answer.patient_id == patient.id, Answer.key.in_(("exercise.id", "exercise.outcome")))
        .order_by(Answer.at, Answer.id))
    ids: dict[int | None, str] = {}
    outcomes: dict[int | None, str] = {}
    for conversation, key, value in rows:
        (ids if key == "exercise.id" else outcomes)[conversation] = str(value)
    done = Counter(ids[c] for c, outcome in outcomes.items() if outcome in signals.EXERCISE_DID and c in ids)
    return [exercise for exercise, _ in done.most_common()]


def exercise_title(work: Work, patient: Patient, exercise: str) -> str:
    spec = dict(work.bundle.exercises.get(exercise) or {})
    return charts.localized(spec.get("title"), patient.locale) or exercise


async def dialogue_vars(work: Work, patient: Patient) -> dict[str, Any]:
    """What the look-back dialogue starts with, in the patient's language."""
    from bot.programme import length_weeks
    from bot.safety.escalation import group_clinicians

    kept = [exercise_title(work, patient, e) for e in (await exercises_done(work, patient))[:KEPT_EXERCISES]]
    none = _text(work, patient, "ending.keep_none_words")
    team = [c.name for c in await group_clinicians(work, patient.group_id) if c.name]
    contact = (_text(work, patient, "ending.contact_team", team=", ".join(team)) if team
               else _text(work, patient, "ending.contact_gp"))
    return {"weeks": length_weeks(work), "kept_exercises": ", ".join(kept) or none, "keep_none_words": none,
            "example_signs": _text(work, patient, "ending.example_signs"), "contact": contact}


def band_words(work: Work, patient: Patient, questionnaire: str, band: str | None) -> str:
    """A questionnaire band in plain words (`ending.band.<questionnaire>.<band>`), else as it is."""
    if not band:
        return ""
    key = f"ending.band.{questionnaire}." + "_".join(band.replace("-", " ").split())
    return work.bundle.message(key, patient.locale) or band


async def score_lines(work: Work, patient: Patient) -> list[str]:
    """Each questionnaire's first and last score, with the last one's band in plain words."""
    by_questionnaire: dict[str, list[Score]] = {}
    for score in await work.session.scalars(select(Score).where(Score.patient_id == patient.id)
                                            .order_by(Score.at, Score.id)):
        if score.questionnaire not in NOT_IN_PICTURE:
            by_questionnaire.setdefault(score.questionnaire, []).append(score)
    lines = []
    for qid, scores in by_questionnaire.items():
        spec = dict(work.bundle.questionnaires.get(qid) or {})
        title = charts.localized(spec.get("title"), patient.locale) or qid
        lines.append(_text(work, patient, "ending.score_line", title=title, first=f"{scores[0].score:g}",
                           last=f"{scores[-1].score:g}", band=band_words(work, patient, qid, scores[-1].band)))
    return lines


async def look_back(work: Work, patient: Patient) -> charts.LookBack:
    """The picture's data, read from the records."""
    from bot.clinicians import answers, offered_times, week_adherences
    from bot.programme import length_weeks
    from bot.signals import EXERCISE_KEY, MOOD_KEY

    moods = []
    for row in await answers(work, patient, MOOD_KEY):
        try:
            moods.append((_local(patient, row.at), float(row.value)))
        except (TypeError, ValueError):
            continue
    outcomes = [(a.at, str(a.value)) for a in await answers(work, patient, EXERCISE_KEY)]
    offered = [r.started_at for r in await offered_times(work, patient)]
    weeks = week_adherences(patient, offered, outcomes, work.now)[:length_weeks(work)] if offered or outcomes else []
    goal_points = [(t.goal.text, [(_local(patient, r.at), float(r.rating)) for r in t.ratings])
                   for t in await goals.trends(work, patient.id)]
    labels = {key: _text(work, patient, f"ending.chart.{key}")
              for key in ("mood", "exercise", "goals", "scores", "week", "nothing", "date_format")}
    title = _text(work, patient, "ending.chart_caption", weeks=length_weeks(work))
    return charts.LookBack(title=title, moods=moods, weeks=weeks, goals=goal_points,
                           scores=await score_lines(work, patient), labels=labels)


async def send_picture(work: Work, patient: Patient) -> charts.Chart:
    """The picture, drawn off the event loop (a moment of CPU), sent as a photo."""
    data = await look_back(work, patient)
    path = charts.new_chart_path(work.settings, patient.id, "look_back")
    chart = await asyncio.to_thread(charts.look_back_chart, data, path)
    work.send(f"patient:{patient.id}", chart.caption, kind="photo", photo_path=str(chart.path), patient_id=patient.id)
    work.audit("coachbot", "look_back_sent", patient_id=patient.id)
    return chart
