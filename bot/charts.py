"""Charts for clinicians, drawn to be read on a phone: one message, one picture, one question.

This module only draws: it takes plain data (already read from the database by
`bot.clinicians`) and writes a PNG under `settings.data_dir / "charts"`. Every chart returns
the data it plotted (`Chart.data`), and the same data is embedded in the PNG as a text chunk
(`DATA_KEY`), so a test or an audit can check a picture against the records it came from.
Telegram recompresses photos, so the embedded text never reaches the chat.

Matplotlib is used through `Figure` objects with the Agg canvas (no pyplot, no global state),
so charts can be drawn in a worker thread while the bot serves others.
"""

from __future__ import annotations

import io
import json
import logging
import re
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.measures import finite_number

log = logging.getLogger(__name__)

CHART_SIZE_INCHES = (8.0, 6.0)
CHART_DPI = 150
"""8 × 6 inches at 150 dpi: 1200 × 900 pixels, 4:3 so it fills a phone held upright. Telegram
shows a photo about 390 pixels wide on a phone: the smallest text here (14 points, 29 pixels
in the file) is still about 9–10 pixels there."""
PHONE_WIDTH_PX = 390
TITLE_SIZE = 20
LABEL_SIZE = 16
TICK_SIZE = 15
LEGEND_SIZE = 14
NOTE_SIZE = 14
LINE_WIDTH = 3.0
MARKER_SIZE = 10
DATA_KEY = "coachbot-data"
"""PNG text chunk holding the JSON of what was plotted."""
CHARTS_FOLDER = "charts"
IN_MEMORY = Path("in-memory.svg")
"""Given as a chart's path, the chart is drawn but no file is written: tests, and the dashboard
for a chart without a hand-written SVG twin (`bot.web.svgcharts`), use the figure (`svg_markup`)."""
CHART_RETENTION = timedelta(days=7)
"""Charts hold patient data: files older than this are deleted when new ones are drawn."""
MOOD_MAX = 10
LOW_MOOD = 3
"""Mood at or below this is "low": the daily check-in's own cut-off (dialogues/daily_checkin)."""
ROLLING_WINDOW = 5
"""The mood chart's average line uses the same window as the mood-drop signal."""
MAX_DATE_TICKS = 7
"""At most this many dates on a time axis (one tick per date that has data, never repeated)."""
SAME_DAY_SPREAD = 0.25
"""Points of one series on the same day are drawn this many days apart, side by side."""
SERIES_SPREAD = 0.06
"""Several series on one date (the feedback chart) are shifted this many days apart."""
Y_PAD_SHARE = 0.05
"""The y-axis reaches this share of its range beyond the lowest and highest possible value,
so a point at 0 (or at the top) is drawn whole, not half hidden on the axis."""

COLOR_DONE = "#2e7d32"
COLOR_HARD = "#81c784"
COLOR_SKIPPED = "#ef6c00"
COLOR_NO_ANSWER = "#bdbdbd"
COLOR_LINE = "#1565c0"
COLOR_THRESHOLD = "#c62828"
COLOR_MARK = "#b71c1c"
BAND_SCALE = ("#c8e6c9", "#f0f4c3", "#fff9c4", "#ffe0b2", "#ffcdd2")
"""Band shades from the best (green) to the worst (red)."""
BAND_BEST, BAND_WORST = BAND_SCALE[0], BAND_SCALE[-1]
THRESHOLD_STYLES = (("#b71c1c", "--"), ("#ef6c00", "-."), ("#6a1b9a", ":"), ("#37474f", "--"))
"""Threshold lines, the most severe first: each its own colour and dash."""
ITEM_COLORS = ("#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#2e7d32")
COLOR_MEAN = "#212121"
EVENT_STYLES = {
    "session": ("#546e7a", ":", "Group session"),
    "crisis": ("#b71c1c", "-", "Crisis alert"),
    "pause": ("#8e24aa", "--", "Pause"),
}
"""The mood chart's vertical markers: colour, line style, legend text."""


@dataclass
class Chart:
    """A drawn chart: where it is, what it is called, and exactly what it shows."""

    kind: str
    title: str
    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    figure: Figure | None = field(default=None, repr=False, compare=False)
    """The Matplotlib figure it was drawn from (tests inspect its axes, lines and texts)."""

    @property
    def caption(self) -> str:
        return self.title


@dataclass(frozen=True)
class WeekAdherence:
    """One programme week of exercise: days offered, and what the patient said each day."""

    week: int
    start: date
    offered: int
    done: int
    hard: int
    skipped: int

    @property
    def did(self) -> int:
        return self.done + self.hard

    @property
    def no_answer(self) -> int:
        return max(0, self.offered - self.did - self.skipped)

    @property
    def percent(self) -> int | None:
        return round(100 * self.did / self.offered) if self.offered else None


@dataclass(frozen=True)
class MemberWeek:
    """A group member's week, as the digest chart shows it."""

    name: str
    did: int
    offered: int
    mood: float | None
    previous_mood: float | None

    @property
    def percent(self) -> int:
        return round(100 * self.did / self.offered) if self.offered else 0


# --- files -----------------------------------------------------------------------------------


def chart_dir(settings: Any) -> Path:
    return Path(settings.data_dir) / CHARTS_FOLDER


def new_chart_path(settings: Any, owner: str, kind: str) -> Path:
    """A fresh file name; old charts are pruned first so patient data does not pile up."""
    folder = chart_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    prune(folder)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in owner)[:40]
    return folder / f"{safe}-{kind}-{uuid.uuid4().hex[:12]}.png"


def prune(folder: Path, older_than: timedelta = CHART_RETENTION) -> int:
    """Delete charts (by file time) older than `older_than`; returns how many went."""
    limit = time.time() - older_than.total_seconds()
    removed = 0
    for file in folder.glob("*.png"):
        try:
            if file.stat().st_mtime < limit:
                file.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def read_chart_data(path: Path) -> dict[str, Any]:
    """The data a chart embedded when it was drawn (tests and audits use this)."""
    from PIL import Image

    with Image.open(path) as image:
        text = getattr(image, "text", {}) or image.info
        return dict(json.loads(text[DATA_KEY]))


# --- drawing helpers -------------------------------------------------------------------------


def _figure(title: str, ncols: int = 1, sharey: bool = False) -> tuple[Figure, list[Axes]]:
    figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, ncols, sharey=sharey, squeeze=False)[0]
    figure.suptitle(title, fontsize=TITLE_SIZE, fontweight="bold")
    for ax in axes:
        ax.tick_params(labelsize=TICK_SIZE)
        ax.grid(True, alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return figure, list(axes)


def _x(moments: Sequence[datetime]) -> Any:
    """Dates as Matplotlib's day numbers (what a date axis plots)."""
    return mdates.date2num(list(moments))


def _day_x(day: date) -> float:
    """Where a day sits on a date axis: its noon, so its tick is in the middle of its points."""
    return float(mdates.date2num(datetime(day.year, day.month, day.day, 12)))


def _spread(moments: Sequence[datetime], shift: float = 0.0) -> list[float]:
    """Each point at its day's noon (+ `shift` days); several on one day side by side, in
    order, so none hides another."""
    per_day = Counter(m.date() for m in moments)
    seen: Counter[date] = Counter()
    out = []
    for moment in moments:
        day = moment.date()
        count, index = per_day[day], seen[day]
        seen[day] += 1
        step = min(SAME_DAY_SPREAD, 0.8 / count)
        out.append(_day_x(day) + shift + (index - (count - 1) / 2) * step)
    return out


def date_ticks(days: Sequence[date], most: int = MAX_DATE_TICKS) -> list[date]:
    """One tick per date with data, none repeated; when there are many, only dates far enough
    apart that their labels do not run into each other (the first one always)."""
    unique = sorted(set(days))
    if len(unique) <= 1:
        return unique
    gap = max(1.0, ((unique[-1] - unique[0]).days + 1) / most)
    ticks = [unique[0]]
    for day in unique[1:]:
        if (day - ticks[-1]).days >= gap:
            ticks.append(day)
    return ticks


def _date_axis(ax: Axes, days: Sequence[date], extra: Sequence[datetime] = ()) -> None:
    """Ticks on the dates that have data ("02 Mar"), each once; the view spans them and
    `extra` moments (events drawn on the chart)."""
    ticks = date_ticks(days)
    if not ticks:
        ax.set_xticks([])
        return
    ax.set_xticks([_day_x(d) for d in ticks], [f"{d:%d %b}" for d in ticks])
    ends = [_day_x(min(days)) - 0.6, _day_x(max(days)) + 0.6, *(float(v) for v in _x(extra))]
    ax.set_xlim(min(ends) - (0.1 if extra else 0), max(ends) + (0.1 if extra else 0))


def _pad_y(ax: Axes, low: float, high: float) -> tuple[float, float]:
    pad = (high - low) * Y_PAD_SHARE
    ax.set_ylim(low - pad, high + pad)
    return low - pad, high + pad


def _legend(ax: Axes, ncols: int = 2) -> None:
    """Under the plot, where it covers no point."""
    ax.legend(fontsize=LEGEND_SIZE, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncols=ncols,
              frameon=False)


def _save(figure: Figure, path: Path, data: dict[str, Any]) -> None:
    figure.tight_layout(rect=(0, 0, 1, 0.95))
    if path == IN_MEMORY:
        return
    figure.savefig(path, format="png", dpi=CHART_DPI,
                   metadata={DATA_KEY: json.dumps(data, ensure_ascii=True, sort_keys=True)})


def _no_data(ax: Axes, text: str = "No answers yet") -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=LABEL_SIZE, color="#757575")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def rolling_mean(values: Sequence[float], window: int = ROLLING_WINDOW) -> list[float]:
    """The mean of each value and up to `window - 1` before it."""
    out = []
    for index in range(len(values)):
        part = values[max(0, index - window + 1):index + 1]
        out.append(round(sum(part) / len(part), 2))
    return out


# --- per patient -----------------------------------------------------------------------------


def mood_chart(
    points: Sequence[tuple[datetime, float]], title: str, path: Path, *,
    events: Sequence[tuple[datetime, str]] = (), low_line: float | None = LOW_MOOD,
) -> Chart:
    """Mood (0–10) over the programme, with a running average to show the trend, the low-mood
    line, and `events` (moment, "session" | "crisis" | "pause") as vertical lines."""
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    average = rolling_mean(values)
    figure, (ax,) = _figure(title)
    xs = _spread(moments)
    shown = [(at, kind) for at, kind in events if kind in EVENT_STYLES]
    if points:
        ax.plot(xs, values, marker="o", linewidth=LINE_WIDTH, markersize=MARKER_SIZE,
                color=COLOR_LINE, label="Mood", zorder=3)
        if len(values) >= 3:
            ax.plot(xs, average, linewidth=2, linestyle="--", color="#616161",
                    label=f"Average of the last {ROLLING_WINDOW}", zorder=2)
        if low_line is not None:
            ax.axhline(low_line, color=COLOR_THRESHOLD, linestyle="--", linewidth=2,
                       label=f"Low mood (≤ {low_line:g})", zorder=1)
        labelled: set[str] = set()
        for at, kind in sorted(shown):
            color, style, label = EVENT_STYLES[kind]
            ax.axvline(float(mdates.date2num(at)), color=color, linestyle=style, linewidth=2,
                       label=None if kind in labelled else label, zorder=1)
            labelled.add(kind)
        _legend(ax, ncols=3)
    else:
        _no_data(ax)
    _pad_y(ax, 0, MOOD_MAX)
    ax.set_yticks(range(0, MOOD_MAX + 1, 2))
    ax.set_ylabel("Mood (0 = worst, 10 = best)", fontsize=LABEL_SIZE)
    _date_axis(ax, [m.date() for m in moments], [at for at, _ in shown] if points else ())
    data = {"dates": [_iso(m) for m in moments], "values": values, "average": average,
            "low_line": low_line if points else None,
            "events": [[_iso(at), kind] for at, kind in sorted(shown)] if points else []}
    _save(figure, path, data)
    return Chart("mood", title, path, data, figure)


def adherence_chart(weeks: Sequence[WeekAdherence], title: str, path: Path) -> Chart:
    """Exercise per programme week: days done, done-but-hard, skipped, and not answered."""
    figure, (ax,) = _figure(title)
    labels = [f"Wk {w.week}\n{w.start:%d %b}" for w in weeks]
    positions = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for name, attr, color in (("Done", "done", COLOR_DONE), ("Hard but done", "hard", COLOR_HARD),
                              ("Skipped", "skipped", COLOR_SKIPPED),
                              ("No answer", "no_answer", COLOR_NO_ANSWER)):
        heights = [getattr(w, attr) for w in weeks]
        ax.bar(positions, heights, bottom=bottom, color=color, label=name, width=0.65)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for x, week in zip(positions, weeks, strict=True):
        if week.percent is not None:
            ax.text(x, week.offered + 0.15, f"{week.percent}%", ha="center", va="bottom",
                    fontsize=NOTE_SIZE, fontweight="bold")
    if not weeks:
        _no_data(ax)
    ax.set_xticks(positions, labels)
    ax.set_ylim(0, max([7, *[w.offered for w in weeks]]) + 1.2)
    ax.set_ylabel("Days", fontsize=LABEL_SIZE)
    ax.set_xlabel("Programme week (starting)", fontsize=LABEL_SIZE)
    ax.legend(fontsize=LEGEND_SIZE, loc="upper left", ncols=2)
    data = {"weeks": [{"week": w.week, "start": w.start.isoformat(), "offered": w.offered,
                       "done": w.done, "hard": w.hard, "skipped": w.skipped,
                       "percent": w.percent} for w in weeks]}
    _save(figure, path, data)
    return Chart("adherence", title, path, data, figure)


BAND_LABEL_WIDTH = 12
"""Characters per line of a band's name beside a questionnaire chart."""


def band_label_lines(name: str) -> list[str]:
    """A band's name as the lines it is written in, beside the chart (PNG and dashboard SVG alike)."""
    return textwrap.wrap(name, BAND_LABEL_WIDTH, break_on_hyphens=False)


def band_colors(count: int, higher_is_better: bool = False) -> list[str]:
    """Shades for `count` bands from the lowest score up: green where the scores are good,
    red where they are bad (a low WHO-5 is bad, a low PHQ-9 is good)."""
    if count <= 0:
        return []
    if count == 1:
        return [BAND_BEST]
    last = len(BAND_SCALE) - 1
    best_first = [BAND_SCALE[round(i * last / (count - 1))] for i in range(count)]
    return best_first[::-1] if higher_is_better else best_first


def _band_of(value: float, bands: Sequence[tuple[float, str]]) -> str | None:
    name = None
    for low, band in sorted(bands):
        if value >= low:
            name = band
    return name


def questionnaire_chart(
    points: Sequence[tuple[datetime, float]], title: str, path: Path, *,
    thresholds: Sequence[tuple[float, str]] = (), bands: Sequence[tuple[float, str]] = (),
    max_score: float | None = None, ylabel: str = "Score", higher_is_better: bool = False,
    marked: Sequence[tuple[int, str]] = (), mark_label: str = "",
) -> Chart:
    """Scores over time against the instrument's bands (shaded green for good to red for bad)
    and thresholds (a line each, the most severe first, told apart by colour and dash).
    `marked`: (index of a point, note) for answers that need a look on their own (PHQ-9 item 9
    above 0), ringed and noted."""
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    top = max([*values, *(t for t, _ in thresholds), *(b for b, _ in bands), max_score or 0, 1])
    figure, (ax,) = _figure(title)
    bottom_y, top_y = _pad_y(ax, 0, top)
    ordered = sorted(bands)
    colors = band_colors(len(ordered), higher_is_better)
    for index, (low, name) in enumerate(ordered):
        high = ordered[index + 1][0] if index + 1 < len(ordered) else top_y
        ax.axhspan(bottom_y if index == 0 else low, high, color=colors[index], zorder=0, label=None)
        ax.text(1.0, (max(low, 0) + min(high, top)) / 2, " " + "\n".join(band_label_lines(name)),
                transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=NOTE_SIZE,
                clip_on=False)
    severe_first = sorted(thresholds, key=lambda t: t[0], reverse=not higher_is_better)
    for index, (value, label) in enumerate(severe_first):
        color, style = THRESHOLD_STYLES[min(index, len(THRESHOLD_STYLES) - 1)]
        band = _band_of(value, ordered)
        ax.axhline(value, color=color, linestyle=style, linewidth=2.5, zorder=2,
                   label=f"{label} ({band})" if band else label)
    xs = _spread(moments)
    if points:
        ax.plot(xs, values, marker="o", linewidth=LINE_WIDTH, markersize=MARKER_SIZE,
                color=COLOR_LINE, label="Score", zorder=3)
    else:
        _no_data(ax)
    rings = [(i, note) for i, note in marked if 0 <= i < len(points)]
    if rings:
        ax.plot([xs[i] for i, _ in rings], [values[i] for i, _ in rings], linestyle="none", marker="o",
                markersize=MARKER_SIZE * 2.2, markerfacecolor="none", markeredgecolor=COLOR_MARK,
                markeredgewidth=3, label=mark_label or "Needs a look", zorder=4)
        for i, note in rings:
            ax.annotate(note, (xs[i], values[i]), xytext=(0, 16), textcoords="offset points",
                        ha="center", va="bottom", fontsize=NOTE_SIZE, color=COLOR_MARK, fontweight="bold")
    if points or thresholds:
        _legend(ax, ncols=2)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    _date_axis(ax, [m.date() for m in moments])
    data = {"dates": [_iso(m) for m in moments], "values": values,
            "thresholds": [[v, label] for v, label in thresholds],
            "bands": [[v, name] for v, name in ordered], "max_score": max_score,
            "higher_is_better": higher_is_better, "marked": [[i, note] for i, note in rings]}
    _save(figure, path, data)
    return Chart("questionnaire", title, path, data, figure)


MEAN_LABEL = "Mean of the items"
"""The feedback chart's thick line: the score (the mean of the items), never called "overall"
(an item may be called that)."""


def feedback_chart(
    items: Mapping[str, Sequence[tuple[datetime, float]]], overall: Sequence[tuple[datetime, float]],
    title: str, path: Path, *, scale_max: float = 10, low_line: float | None = None,
) -> Chart:
    """Session feedback per item (thin lines) and their mean (thick), with the 'low' line.

    On a date each series is shifted a little to the side, so equal ratings do not hide each
    other; the legend names each once (item ids capitalised, the mean as MEAN_LABEL)."""
    figure, (ax,) = _figure(title)
    moments = [at for at, _ in overall]
    count = len(items) + (1 if overall else 0)
    shift = lambda index: (index - (count - 1) / 2) * SERIES_SPREAD  # noqa: E731
    names: dict[str, str] = {}
    for index, (item, series) in enumerate(items.items()):
        label = _unique_label(item[:1].upper() + item[1:], names)
        ax.plot(_spread([at for at, _ in series], shift(index)), [float(v) for _, v in series], marker="o",
                linewidth=1.8, markersize=7, color=ITEM_COLORS[index % len(ITEM_COLORS)],
                label=label, alpha=0.85)
        moments.extend(at for at, _ in series)
    if overall:
        ax.plot(_spread([at for at, _ in overall], shift(count - 1)), [float(v) for _, v in overall],
                marker="s", linewidth=LINE_WIDTH + 1, markersize=MARKER_SIZE, color=COLOR_MEAN,
                label=_unique_label(MEAN_LABEL, names), zorder=3)
    if low_line is not None:
        ax.axhline(low_line, color=COLOR_THRESHOLD, linestyle="--", linewidth=2,
                   label=_unique_label(f"Low (≤ {low_line:g})", names))
    if overall or items:
        _legend(ax, ncols=3)
    else:
        _no_data(ax)
    _pad_y(ax, 0, scale_max)
    ax.set_ylabel(f"Rating (0–{scale_max:g})", fontsize=LABEL_SIZE)
    _date_axis(ax, [m.date() for m in moments])
    data = {"overall": {"dates": [_iso(at) for at, _ in overall],
                        "values": [float(v) for _, v in overall]},
            "items": {label: [float(v) for _, v in series] for label, series in items.items()},
            "low_line": low_line}
    _save(figure, path, data)
    return Chart("session_feedback", title, path, data, figure)


def _unique_label(label: str, taken: dict[str, str]) -> str:
    """A legend text no other entry has, ignoring case ("overall" and "Overall" are one)."""
    key, number = label.casefold(), 2
    while key in taken:
        key = f"{label} ({number})".casefold()
        number += 1
    taken[key] = label if number == 2 else f"{label} ({number - 1})"
    return taken[key]


def measure_chart(
    points: Sequence[tuple[datetime, float]], title: str, path: Path, *, low: float, high: float,
    higher_is_better: bool, thresholds: Sequence[tuple[float, str]] = (), ylabel: str = "Value",
) -> Chart:
    """A measure an author declared (bot.measures): its answers over time on its own scale, the
    zones its thresholds mark off shaded from green (the good end) to red, and a line at each
    threshold ("severe (≥ 7)"), the most severe first in the legend."""
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    figure, (ax,) = _figure(title)
    bottom_y, top_y = _pad_y(ax, low, high)
    # zones from the good end: [good end, mildest threshold), ..., [most severe, bad end]
    cuts = sorted(at for at, _ in thresholds)
    edges = [bottom_y, *cuts, top_y]
    colors = band_colors(len(edges) - 1, higher_is_better)
    for index in range(len(edges) - 1):
        ax.axhspan(edges[index], edges[index + 1], color=colors[index], zorder=0)
    comparison = "≤" if higher_is_better else "≥"
    severe_first = sorted(thresholds, key=lambda t: t[0], reverse=not higher_is_better)
    for index, (value, label) in enumerate(severe_first):
        color, style = THRESHOLD_STYLES[min(index, len(THRESHOLD_STYLES) - 1)]
        ax.axhline(value, color=color, linestyle=style, linewidth=2.5, zorder=2,
                   label=f"{label} ({comparison} {value:g})")
    xs = _spread(moments)
    if points:
        ax.plot(xs, values, marker="o", linewidth=LINE_WIDTH, markersize=MARKER_SIZE,
                color=COLOR_LINE, label=ylabel, zorder=3)
        _legend(ax, ncols=2)
    else:
        _no_data(ax)
    step = max(1.0, round((high - low) / 5))
    ticks = [low + step * n for n in range(int((high - low) // step) + 1)]
    ax.set_yticks(ticks)
    better = "higher" if higher_is_better else "lower"
    ax.set_ylabel(f"{ylabel} ({low:g}–{high:g}, {better} is better)", fontsize=LABEL_SIZE)
    _date_axis(ax, [m.date() for m in moments])
    data = {"dates": [_iso(m) for m in moments], "values": values, "scale": [low, high],
            "higher_is_better": higher_is_better,
            "thresholds": [[v, label] for v, label in severe_first],
            "zones": [[edges[i] if i else low, edges[i + 1] if i + 2 < len(edges) else high, colors[i]]
                      for i in range(len(edges) - 1)]}
    _save(figure, path, data)
    return Chart("measure", title, path, data, figure)


# --- per group -------------------------------------------------------------------------------


VALUE_GAP_POINTS = MARKER_SIZE / 2 + 7
"""The digest chart writes each mood this far (in points) right of the end of its bar or of
its week-before marker, whichever is further: never under the marker."""


def group_chart(members: Sequence[MemberWeek], title: str, path: Path) -> Chart:
    """The digest's picture: exercise adherence and mood per member, side by side."""
    figure, (left, right) = _figure(title, ncols=2, sharey=True)
    names = [m.name for m in members]
    rows = list(range(len(members)))
    left.barh(rows, [m.percent for m in members], color=COLOR_DONE, height=0.6)
    for y, member in zip(rows, members, strict=True):
        label = f" {member.did}/{member.offered}" if member.offered else " –"
        left.text(min(member.percent, 100), y, label, va="center", fontsize=NOTE_SIZE)
    left.set_xlim(0, 130)
    left.set_xticks([0, 50, 100])
    left.set_xlabel("Exercise days done (%)", fontsize=LABEL_SIZE)
    left.set_yticks(rows, names)
    left.invert_yaxis()
    moods = [m.mood if m.mood is not None else 0 for m in members]
    right.barh(rows, moods, color=COLOR_LINE, height=0.6, label="This week")
    previous = [(y, m.previous_mood) for y, m in zip(rows, members, strict=True) if m.previous_mood is not None]
    if previous:
        right.plot([p for _, p in previous], [y for y, _ in previous], "D", color="#212121",
                   markersize=MARKER_SIZE, markerfacecolor="white", markeredgewidth=2,
                   label="Week before", linestyle="none", zorder=3)
    for y, member in zip(rows, members, strict=True):
        end = max(member.mood or 0.0, member.previous_mood or 0.0)  # the label starts past both
        missing = member.mood is None
        right.annotate("no answers" if missing else f"{member.mood:g}", (end, y),
                       xytext=(VALUE_GAP_POINTS, 0), textcoords="offset points", va="center", ha="left",
                       fontsize=NOTE_SIZE, zorder=4, color="#757575" if missing else "#212121",
                       fontweight="normal" if missing else "bold")
    right.set_xlim(0, MOOD_MAX + 2.5)
    right.set_xticks(range(0, MOOD_MAX + 1, 2))
    right.set_xlabel("Average mood (0–10)", fontsize=LABEL_SIZE)
    right.legend(fontsize=LEGEND_SIZE, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2,
                 frameon=False)
    if not members:
        _no_data(left, "No members")
    data = {"members": [{"name": m.name, "did": m.did, "offered": m.offered, "percent": m.percent,
                         "mood": m.mood, "previous_mood": m.previous_mood} for m in members]}
    _save(figure, path, data)
    return Chart("group", title, path, data, figure)


# --- reading questionnaire content -----------------------------------------------------------
# Content is validated before it is served, but a chart must never fail on an odd file: these
# readers skip whatever they do not understand.

COMPARISON_WORDS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "="}


def _entries(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def score_thresholds(spec: dict[str, Any]) -> list[tuple[float, str]]:
    """Threshold lines from the instrument's `thresholds` that compare the total `score`."""
    lines: set[tuple[float, str]] = set()

    def walk(condition: Any, flag: str, depth: int = 0) -> None:
        if not isinstance(condition, dict) or depth > 10:
            return
        for key in ("all", "any"):
            for part in _entries(condition.get(key)):
                walk(part, flag, depth + 1)
        if condition.get("var") != "score":
            return
        for op, word in COMPARISON_WORDS.items():
            value = finite_number(condition.get(op))
            if value is not None:
                lines.add((value, f"{flag} {word} {value:g}"))

    for threshold in _entries(spec.get("thresholds")):
        walk(threshold.get("if"), str(threshold.get("flag", "flag")))
    return sorted(lines)


def higher_is_better(spec: dict[str, Any]) -> bool:
    """Whether a high total score is the good end: the instrument's thresholds on the score
    flag low scores (WHO-5: ≤ 28 % likely depression) rather than high ones (PHQ-9, GAD-7)."""
    low = high = 0

    def walk(condition: Any, depth: int = 0) -> None:
        nonlocal low, high
        if not isinstance(condition, dict) or depth > 10:
            return
        for key in ("all", "any"):
            for part in _entries(condition.get(key)):
                walk(part, depth + 1)
        if condition.get("var") == "score":
            low += sum(1 for op in ("le", "lt") if finite_number(condition.get(op)) is not None)
            high += sum(1 for op in ("ge", "gt") if finite_number(condition.get(op)) is not None)

    for threshold in _entries(spec.get("thresholds")):
        walk(threshold.get("if"))
    return low > high


COMPARE = {"ge": lambda a, b: a >= b, "gt": lambda a, b: a > b, "le": lambda a, b: a <= b,
           "lt": lambda a, b: a < b, "eq": lambda a, b: a == b}


def item_flags(spec: dict[str, Any]) -> list[tuple[str, str, float, str, str]]:
    """Thresholds on one item's answer (PHQ-9: q9 > 0 → crisis), as (item id, comparison,
    value, flag, words: "item 9 > 0"); only plain conditions, not inside any/all/not."""
    numbers = {str(item.get("id")): n for n, item in enumerate(_entries(spec.get("items")), start=1)}
    out = []
    for threshold in _entries(spec.get("thresholds")):
        condition = threshold.get("if")
        if not isinstance(condition, dict) or str(condition.get("var")) not in numbers:
            continue
        item = str(condition.get("var"))
        for op, word in COMPARISON_WORDS.items():
            value = finite_number(condition.get(op))
            if value is not None:
                out.append((item, op, value, str(threshold.get("flag", "flag")),
                            f"item {numbers[item]} {word} {value:g}"))
    return out


def item_marks(spec: dict[str, Any], answers: Sequence[Any]) -> tuple[list[tuple[int, str]], str]:
    """Which scores (by index) had an item answer that its own threshold flags, with a note
    ("item 9: 2"), and the legend text ("item 9 > 0 (crisis)")."""
    flags = item_flags(spec)
    marked: list[tuple[int, str]] = []
    for index, given in enumerate(answers):
        notes = []
        for item, op, value, _, words in flags:
            answer = finite_number(given.get(item)) if isinstance(given, dict) else None
            if answer is not None and COMPARE[op](answer, value):
                notes.append(f"{words.split(' ')[0]} {words.split(' ')[1]}: {answer:g}")
        if notes:
            marked.append((index, ", ".join(dict.fromkeys(notes))))
    label = "; ".join(dict.fromkeys(f"{words} ({flag})" for _, _, _, flag, words in flags))
    return marked, label


def score_bands(spec: dict[str, Any]) -> list[tuple[float, str]]:
    """The instrument's `bands` as (lowest score, name)."""
    bands = []
    for band in _entries(spec.get("bands")):
        low = finite_number(band.get("min", 0))
        if low is not None:
            bands.append((low, str(band.get("band"))))
    return sorted(bands)


def item_max(spec: dict[str, Any]) -> float | None:
    """The highest value any item can take (from the shared or the items' own options)."""
    options = _entries(spec.get("options"))
    for item in _entries(spec.get("items")):
        options.extend(_entries(item.get("options")))
    values = [v for v in (finite_number(o.get("value")) for o in options) if v is not None]
    return max(values) if values else None


def max_score(spec: dict[str, Any]) -> float | None:
    """The highest possible score, as `bot.engine.scoring` computes scores (sum or mean)."""
    top = item_max(spec)
    items = _entries(spec.get("items"))
    if top is None or not items:
        return None
    given = spec.get("scoring")
    scoring: dict[str, Any] = given if isinstance(given, dict) else {}
    raw = top if scoring.get("method") == "mean" else top * len(items)
    multiplier = finite_number(scoring.get("multiplier", 1))
    return raw * (1.0 if multiplier is None else multiplier)


def localized(text: Any, locale: str = "en") -> str:
    """A content text that may be a plain string or `{locale: text}`."""
    if isinstance(text, dict):
        return str(text.get(locale) or text.get("en") or next(iter(text.values()), ""))
    return "" if text is None else str(text)


# --- the patient's own look-back at the programme's end ----------------------------------------


@dataclass(frozen=True)
class LookBack:
    """What the patient's look-back picture shows (bot.ending reads it from the records), with
    its words in the patient's language: `labels` has mood, exercise, goals, scores, week,
    nothing and date_format (strftime); `scores` are lines such as "WHO-5: 48 → 80, good well-being"."""

    title: str
    moods: Sequence[tuple[datetime, float]]
    weeks: Sequence[WeekAdherence]
    goals: Sequence[tuple[str, Sequence[tuple[datetime, float]]]]
    scores: Sequence[str]
    labels: dict[str, str]


LOOK_BACK_SIZE_INCHES = (10.0, 11.0)
GOAL_LABEL_CHARS = 28


def _dates_as(ax: Axes, days: Sequence[date], date_format: str) -> None:
    """The date ticks in the patient's own way of writing a date ("02 Mar", "02.03.")."""
    ticks = date_ticks(days)
    if ticks:
        ax.set_xticks([_day_x(d) for d in ticks], [d.strftime(date_format) for d in ticks])


def look_back_chart(look: LookBack, path: Path) -> Chart:
    """One picture for the patient: mood, days with exercise by week, their goals' weekly
    ratings, and their questionnaires' first and last scores in plain words."""
    figure = Figure(figsize=LOOK_BACK_SIZE_INCHES, dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    grid = figure.subplots(2, 2, squeeze=False)
    (mood_ax, exercise_ax), (goals_ax, scores_ax) = grid[0], grid[1]
    figure.suptitle(look.title, fontsize=TITLE_SIZE, fontweight="bold")
    nothing = look.labels.get("nothing", "")
    for ax, key in ((mood_ax, "mood"), (exercise_ax, "exercise"), (goals_ax, "goals"), (scores_ax, "scores")):
        ax.set_title(look.labels.get(key, key), fontsize=LABEL_SIZE, fontweight="bold")
        ax.tick_params(labelsize=TICK_SIZE - 3)
        ax.grid(True, alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if look.moods:
        xs = _spread([at for at, _ in look.moods])
        values = [float(v) for _, v in look.moods]
        mood_ax.plot(xs, values, marker="o", markersize=4, linewidth=1.5, color=COLOR_LINE, alpha=0.5)
        mood_ax.plot(xs, rolling_mean(values, 7), linewidth=LINE_WIDTH, color=COLOR_LINE)
        _date_axis(mood_ax, [at.date() for at, _ in look.moods])
        _dates_as(mood_ax, [at.date() for at, _ in look.moods], look.labels.get("date_format", "%d %b"))
        mood_ax.tick_params(labelsize=TICK_SIZE - 5)
    else:
        _no_data(mood_ax, nothing)
    mood_ax.set_ylim(-0.5, MOOD_MAX + 0.5)
    if look.weeks:
        exercise_ax.bar([w.week for w in look.weeks], [w.did for w in look.weeks], color=COLOR_DONE, width=0.7)
        exercise_ax.set_ylim(0, 7.5)
        exercise_ax.set_xlabel(look.labels.get("week", ""), fontsize=TICK_SIZE - 2)
    else:
        _no_data(exercise_ax, nothing)
    for index, (label, points) in enumerate(look.goals):
        short = label if len(label) <= GOAL_LABEL_CHARS else label[:GOAL_LABEL_CHARS - 1] + "…"
        goals_ax.plot(_x([at for at, _ in points]), [float(v) for _, v in points], marker="o",
                      linewidth=LINE_WIDTH - 1, markersize=MARKER_SIZE - 3,
                      color=ITEM_COLORS[index % len(ITEM_COLORS)], label=short)
    if any(points for _, points in look.goals):
        goals_ax.set_ylim(-0.5, 10.5)
        goals_ax.legend(fontsize=LEGEND_SIZE - 4, loc="lower right")
        _date_axis(goals_ax, [at.date() for _, points in look.goals for at, _ in points])
        _dates_as(goals_ax, [at.date() for _, points in look.goals for at, _ in points],
                  look.labels.get("date_format", "%d %b"))
        goals_ax.tick_params(labelsize=TICK_SIZE - 5)
    else:
        _no_data(goals_ax, nothing)
    scores_ax.axis("off")
    if look.scores:
        wrapped = ["\n".join(textwrap.wrap(line, 34)) for line in look.scores]
        scores_ax.text(0.0, 0.95, "\n\n".join(wrapped), transform=scores_ax.transAxes, va="top", ha="left",
                       fontsize=NOTE_SIZE - 1)
    else:
        _no_data(scores_ax, nothing)
    data = {"moods": len(look.moods), "mood_values": [float(v) for _, v in look.moods],
            "exercise_days": [w.did for w in look.weeks],
            "goals": [[label, [float(v) for _, v in points]] for label, points in look.goals],
            "scores": list(look.scores), "labels": dict(look.labels),
            "date_ticks": [label.get_text() for label in mood_ax.get_xticklabels()]}
    _save(figure, path, data)
    return Chart("look_back", look.title, path, data, figure)


# --- the same charts for a web page ----------------------------------------------------------


_SVG_SETTINGS = threading.Lock()
"""Matplotlib's settings are global: one SVG at a time sets them, so drawings in other threads
never see another's salt or font setting half-way."""


def svg_markup(chart: Chart, salt: str = "") -> str:
    """The chart's figure as SVG to inline in an HTML page: no XML prolog, text kept as text
    (screen readers and tests can read it), scaling to the page's width (viewBox kept), and
    `role="img"` with the title as its name. `salt` keeps element ids of several charts on one
    page apart."""
    if chart.figure is None:
        raise ValueError(f"chart {chart.kind} has no figure")
    # the layout was done when the chart was drawn (`_save`); with a layout engine left in place,
    # savefig would lay it out again, a whole extra drawing pass for the same picture
    chart.figure.set_layout_engine(None)
    buffer = io.StringIO()
    with _SVG_SETTINGS, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt or chart.kind}):
        chart.figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg"):], flags=re.S)
    # ids nothing refers to ("figure_1") would repeat on a page with several charts: they go;
    # clip paths and markers keep theirs (salted, so unique)
    referenced = set(re.findall(r"#([\w.-]+)", text))
    text = re.sub(r'\sid="([^"]*)"', lambda m: m.group(0) if m.group(1) in referenced else "", text)
    end = text.index(">")
    # inline SVG in HTML needs no namespaces; without them the page names no outside address
    head = re.sub(r'\s(?:width|height|xmlns(?::xlink)?)="[^"]*"', "", text[:end])
    title = (chart.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
             .replace('"', "&quot;"))
    return (f'{head} width="100%" role="img" aria-label="{title}">'
            f"<title>{title}</title>{text[end + 1:].rstrip()}")
