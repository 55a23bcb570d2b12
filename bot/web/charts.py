"""Charts in the dashboard's pages, as inline SVG: no scripts, no external assets.

A patient's page shows the charts the Telegram side sends as pictures, from the same plans
(`bot.clinicians.chart_plans`): each plan's function and arguments are handed to its SVG twin
in `bot.web.svgcharts`, which takes every decision that carries meaning (band colours,
thresholds, ticks, events) from `bot.charts`. Matplotlib's SVG took 60-100 ms a chart and a
patient's first view about 440 ms; written directly, a chart takes a millisecond or two, so
nothing is cached (no patient data kept in the process between requests). A plan with no
twin is drawn by Matplotlib, as before.

A group's page gives each patient a sparkline of their mood over the last days, drawn here by
hand (a few lines of SVG are far cheaper than a figure per patient).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import charts, clinicians
from bot.signals import EXERCISE_DID, EXERCISE_KEY, MOOD_KEY, as_number
from bot.storage.models import Answer, Patient
from bot.timeutil import zone
from bot.web import svgcharts
from bot.web.html import e
from bot.work import Work

SPARK_DAYS = 14
SPARK_WIDTH = 140
SPARK_HEIGHT = 36
SPARK_PAD = 3
EXERCISE_BAR = 4
"""Exercise days are short green bars along the sparkline's bottom edge."""


# --- sparklines on a group's page -------------------------------------------------------------


@dataclass(frozen=True)
class Spark:
    """A patient's mood per local day (the day's mean) and days with exercise done."""

    first: date
    days: int
    moods: list[tuple[date, float]]
    exercise: list[date]


async def sparks(work: Work, patients: list[Patient], days: int = SPARK_DAYS) -> dict[str, Spark]:
    """Every patient's sparkline data, in one query for all of them."""
    since = work.now - timedelta(days=days)
    by_id = {p.id: p for p in patients}
    moods: dict[str, dict[date, list[float]]] = {p.id: {} for p in patients}
    exercise: dict[str, set[date]] = {p.id: set() for p in patients}
    if patients:
        rows = await work.session.execute(select(Answer.patient_id, Answer.key, Answer.value, Answer.at).where(
            Answer.patient_id.in_(list(by_id)), Answer.key.in_((MOOD_KEY, EXERCISE_KEY)), Answer.at >= since))
        for patient_id, key, value, at in rows:
            day = at.astimezone(zone(by_id[patient_id].timezone)).date()
            if key == MOOD_KEY:
                number = as_number(value)
                if number is not None:
                    moods[patient_id].setdefault(day, []).append(number)
            elif str(value) in EXERCISE_DID:
                exercise[patient_id].add(day)
    out = {}
    for patient in patients:
        today = work.now.astimezone(zone(patient.timezone)).date()
        first = today - timedelta(days=days - 1)
        daily = sorted((day, round(sum(v) / len(v), 1)) for day, v in moods[patient.id].items() if day >= first)
        out[patient.id] = Spark(first, days, daily, sorted(d for d in exercise[patient.id] if d >= first))
    return out


def spark_text(spark: Spark) -> str:
    """The sparkline in words, for screen readers and anyone who cannot see it."""
    if not spark.moods:
        text = f"Mood over {spark.days} days: no answers"
    else:
        values = ", ".join(f"{v:g}" for _, v in spark.moods)
        text = f"Mood over {spark.days} days: {values}; latest {spark.moods[-1][1]:g} of {charts.MOOD_MAX}"
    return text + f"; exercise done on {len(spark.exercise)} of {spark.days} days"


def sparkline(spark: Spark) -> str:
    """A small SVG: mood per day on 0–10 (a dot each, joined), the low-mood line, exercise bars."""
    width, height, pad = SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD
    step = (width - 2 * pad) / max(1, spark.days - 1)
    x = lambda day: pad + (day - spark.first).days * step  # noqa: E731
    y = lambda value: pad + (charts.MOOD_MAX - value) / charts.MOOD_MAX * (height - 2 * pad - EXERCISE_BAR)  # noqa: E731
    label = e(spark_text(spark))
    parts = [f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{label}"><title>{label}</title>',
             f'<line class="low" x1="{pad}" x2="{width - pad}" y1="{y(charts.LOW_MOOD):.1f}" '
             f'y2="{y(charts.LOW_MOOD):.1f}" stroke="{charts.COLOR_THRESHOLD}" stroke-width="1" '
             'stroke-dasharray="3 2"/>']
    for day in spark.exercise:
        parts.append(f'<rect class="exercise" x="{x(day) - step / 2 + 1:.1f}" y="{height - EXERCISE_BAR}" '
                     f'width="{max(1.0, step - 2):.1f}" height="{EXERCISE_BAR}" fill="{charts.COLOR_DONE}"/>')
    points = [(x(day), y(value)) for day, value in spark.moods]
    if len(points) > 1:
        joined = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{joined}" fill="none" stroke="{charts.COLOR_LINE}" stroke-width="1.5"/>')
    for px, py in points:
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2" fill="{charts.COLOR_LINE}"/>')
    return "".join(parts) + "</svg>"


# --- a patient's charts -----------------------------------------------------------------------


def _matplotlib_svg(plan: clinicians.ChartPlan) -> str:
    """A chart without an SVG twin: drawn as Telegram draws it, and written as SVG."""
    args = tuple(charts.IN_MEMORY if isinstance(arg, Path) else arg for arg in plan.args)
    chart: charts.Chart = plan.function(*args, **plan.kwargs)
    salt = hashlib.sha256(repr((chart.kind, chart.title)).encode()).hexdigest()[:12]  # ids unique on a page
    return charts.svg_markup(chart, salt)


async def patient_svgs(work: Work, patient: Patient) -> list[str]:
    """The patient's charts, as Telegram sends them, each as inline SVG."""
    out = []
    plans: list[Any] = await clinicians.chart_plans(work, patient)
    for plan in plans:
        twin = svgcharts.DRAWERS.get(plan.function)
        if twin is not None:
            out.append(twin(*plan.args, **plan.kwargs))
        else:
            out.append(await asyncio.to_thread(_matplotlib_svg, plan))
    return out
