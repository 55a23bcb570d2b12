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

import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

CHART_SIZE_INCHES = (10.0, 7.0)
CHART_DPI = 100
"""10 × 7 inches at 100 dpi: 1000 × 700 pixels, sharp on a phone and small to send."""
TITLE_SIZE = 22
LABEL_SIZE = 17
TICK_SIZE = 15
LEGEND_SIZE = 14
NOTE_SIZE = 14
LINE_WIDTH = 3.0
MARKER_SIZE = 9
DATA_KEY = "coachbot-data"
"""PNG text chunk holding the JSON of what was plotted."""
CHARTS_FOLDER = "charts"
CHART_RETENTION = timedelta(days=7)
"""Charts hold patient data: files older than this are deleted when new ones are drawn."""
MOOD_MAX = 10
ROLLING_WINDOW = 5
"""The mood chart's average line uses the same window as the mood-drop signal."""

COLOR_DONE = "#2e7d32"
COLOR_HARD = "#81c784"
COLOR_SKIPPED = "#ef6c00"
COLOR_NO_ANSWER = "#bdbdbd"
COLOR_LINE = "#1565c0"
COLOR_THRESHOLD = "#c62828"
BAND_COLORS = ("#e8f5e9", "#fffde7", "#fff3e0", "#ffebee", "#fce4ec")
ITEM_COLORS = ("#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#2e7d32")


@dataclass
class Chart:
    """A drawn chart: where it is, what it is called, and exactly what it shows."""

    kind: str
    title: str
    path: Path
    data: dict[str, Any] = field(default_factory=dict)

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


def _date_axis(ax: Axes, moments: Sequence[datetime]) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    if moments:
        first, last = min(moments), max(moments)
        if last - first < timedelta(days=2):
            ax.set_xlim(_x([first - timedelta(days=1), last + timedelta(days=1)]))
    ax.set_xlabel("Date", fontsize=LABEL_SIZE)


def _save(figure: Figure, path: Path, data: dict[str, Any]) -> None:
    figure.tight_layout(rect=(0, 0, 1, 0.95))
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


def mood_chart(points: Sequence[tuple[datetime, float]], title: str, path: Path) -> Chart:
    """Mood (0–10) over the programme, with a running average to show the trend."""
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    average = rolling_mean(values)
    figure, (ax,) = _figure(title)
    if points:
        ax.plot(_x(moments), values, marker="o", linewidth=LINE_WIDTH, markersize=MARKER_SIZE,
                color=COLOR_LINE, label="Mood")
        if len(values) >= 3:
            ax.plot(_x(moments), average, linewidth=2, linestyle="--", color="#616161",
                    label=f"Average of the last {ROLLING_WINDOW}")
        ax.legend(fontsize=LEGEND_SIZE, loc="lower left")
    else:
        _no_data(ax)
    ax.set_ylim(-0.3, MOOD_MAX + 0.3)
    ax.set_yticks(range(0, MOOD_MAX + 1, 2))
    ax.set_ylabel("Mood (0 = worst, 10 = best)", fontsize=LABEL_SIZE)
    _date_axis(ax, moments)
    data = {"dates": [_iso(m) for m in moments], "values": values, "average": average}
    _save(figure, path, data)
    return Chart("mood", title, path, data)


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
    ax.legend(fontsize=LEGEND_SIZE, loc="upper left", ncols=4)
    data = {"weeks": [{"week": w.week, "start": w.start.isoformat(), "offered": w.offered,
                       "done": w.done, "hard": w.hard, "skipped": w.skipped,
                       "percent": w.percent} for w in weeks]}
    _save(figure, path, data)
    return Chart("adherence", title, path, data)


def questionnaire_chart(
    points: Sequence[tuple[datetime, float]], title: str, path: Path, *,
    thresholds: Sequence[tuple[float, str]] = (), bands: Sequence[tuple[float, str]] = (),
    max_score: float | None = None, ylabel: str = "Score",
) -> Chart:
    """Scores over time against the instrument's bands (shaded) and thresholds (red lines)."""
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    top = max([*values, *(t for t, _ in thresholds), *(b for b, _ in bands), max_score or 0, 1])
    figure, (ax,) = _figure(title)
    ordered = sorted(bands)
    for index, (low, name) in enumerate(ordered):
        high = ordered[index + 1][0] if index + 1 < len(ordered) else top
        ax.axhspan(low, high, color=BAND_COLORS[min(index, len(BAND_COLORS) - 1)], zorder=0)
        ax.text(1.0, (low + high) / 2, f" {name}", transform=ax.get_yaxis_transform(),
                va="center", ha="left", fontsize=NOTE_SIZE, clip_on=False)
    for value, label in thresholds:
        ax.axhline(value, color=COLOR_THRESHOLD, linestyle="--", linewidth=2, label=label)
    if points:
        ax.plot(_x(moments), values, marker="o", linewidth=LINE_WIDTH, markersize=MARKER_SIZE,
                color=COLOR_LINE, label="Score", zorder=3)
    else:
        _no_data(ax)
    if points or thresholds:
        ax.legend(fontsize=LEGEND_SIZE, loc="upper left")
    ax.set_ylim(0, top * 1.05)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    _date_axis(ax, moments)
    data = {"dates": [_iso(m) for m in moments], "values": values,
            "thresholds": [[v, label] for v, label in thresholds],
            "bands": [[v, name] for v, name in ordered], "max_score": max_score}
    _save(figure, path, data)
    return Chart("questionnaire", title, path, data)


def feedback_chart(
    items: dict[str, Sequence[tuple[datetime, float]]], overall: Sequence[tuple[datetime, float]],
    title: str, path: Path, *, scale_max: float = 10, low_line: float | None = None,
) -> Chart:
    """Session feedback per item (thin lines) and overall (thick), with the 'low' line."""
    figure, (ax,) = _figure(title)
    moments = [at for at, _ in overall]
    for index, (label, series) in enumerate(items.items()):
        ax.plot(_x([at for at, _ in series]), [float(v) for _, v in series], marker="o",
                linewidth=1.8, markersize=6, color=ITEM_COLORS[index % len(ITEM_COLORS)],
                label=label, alpha=0.85)
        moments.extend(at for at, _ in series)
    if overall:
        ax.plot(_x([at for at, _ in overall]), [float(v) for _, v in overall], marker="s",
                linewidth=LINE_WIDTH + 1, markersize=MARKER_SIZE, color="#212121", label="Overall")
    if low_line is not None:
        ax.axhline(low_line, color=COLOR_THRESHOLD, linestyle="--", linewidth=2,
                   label=f"Low (≤ {low_line:g})")
    if overall or items:
        ax.legend(fontsize=LEGEND_SIZE - 2, loc="lower left", ncols=2)
    else:
        _no_data(ax)
    ax.set_ylim(-0.3, scale_max + 0.3)
    ax.set_ylabel(f"Rating (0–{scale_max:g})", fontsize=LABEL_SIZE)
    _date_axis(ax, moments)
    data = {"overall": {"dates": [_iso(at) for at, _ in overall],
                        "values": [float(v) for _, v in overall]},
            "items": {label: [float(v) for _, v in series] for label, series in items.items()},
            "low_line": low_line}
    _save(figure, path, data)
    return Chart("session_feedback", title, path, data)


# --- per group -------------------------------------------------------------------------------


def group_chart(members: Sequence[MemberWeek], title: str, path: Path) -> Chart:
    """The digest's picture: exercise adherence and mood per member, side by side."""
    figure, (left, right) = _figure(title, ncols=2, sharey=True)
    names = [m.name for m in members]
    rows = list(range(len(members)))
    left.barh(rows, [m.percent for m in members], color=COLOR_DONE, height=0.6)
    for y, member in zip(rows, members, strict=True):
        label = f" {member.did}/{member.offered}" if member.offered else " –"
        left.text(min(member.percent, 100), y, label, va="center", fontsize=NOTE_SIZE)
    left.set_xlim(0, 125)
    left.set_xticks([0, 25, 50, 75, 100])
    left.set_xlabel("Exercise days done (%)", fontsize=LABEL_SIZE)
    left.set_yticks(rows, names)
    left.invert_yaxis()
    moods = [m.mood if m.mood is not None else 0 for m in members]
    right.barh(rows, moods, color=COLOR_LINE, height=0.6, label="This week")
    previous = [(y, m.previous_mood) for y, m in zip(rows, members, strict=True) if m.previous_mood is not None]
    if previous:
        right.plot([p for _, p in previous], [y for y, _ in previous], "D", color="#212121",
                   markersize=MARKER_SIZE, markerfacecolor="white", markeredgewidth=2,
                   label="Week before", linestyle="none")
    for y, member in zip(rows, members, strict=True):
        if member.mood is None:
            right.text(0.2, y, "no answers", va="center", fontsize=NOTE_SIZE, color="#757575")
        else:
            inside = member.mood >= 1.5  # room for the label on the bar itself
            right.text(0.2 if inside else member.mood + 0.2, y, f"{member.mood:g}", va="center",
                       fontsize=NOTE_SIZE, color="white" if inside else "#212121", fontweight="bold")
    right.set_xlim(0, MOOD_MAX)
    right.set_xlabel("Average mood (0–10)", fontsize=LABEL_SIZE)
    right.legend(fontsize=LEGEND_SIZE, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2,
                 frameon=False)
    if not members:
        _no_data(left, "No members")
    data = {"members": [{"name": m.name, "did": m.did, "offered": m.offered, "percent": m.percent,
                         "mood": m.mood, "previous_mood": m.previous_mood} for m in members]}
    _save(figure, path, data)
    return Chart("group", title, path, data)


# --- reading questionnaire content -----------------------------------------------------------
# Content is validated before it is served, but a chart must never fail on an odd file: these
# readers skip whatever they do not understand.

COMPARISON_WORDS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "="}


def _entries(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == number and abs(number) != float("inf") else None


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
            value = _float(condition.get(op))
            if value is not None:
                lines.add((value, f"{flag} {word} {value:g}"))

    for threshold in _entries(spec.get("thresholds")):
        walk(threshold.get("if"), str(threshold.get("flag", "flag")))
    return sorted(lines)


def score_bands(spec: dict[str, Any]) -> list[tuple[float, str]]:
    """The instrument's `bands` as (lowest score, name)."""
    bands = []
    for band in _entries(spec.get("bands")):
        low = _float(band.get("min", 0))
        if low is not None:
            bands.append((low, str(band.get("band"))))
    return sorted(bands)


def item_max(spec: dict[str, Any]) -> float | None:
    """The highest value any item can take (from the shared or the items' own options)."""
    options = _entries(spec.get("options"))
    for item in _entries(spec.get("items")):
        options.extend(_entries(item.get("options")))
    values = [v for v in (_float(o.get("value")) for o in options) if v is not None]
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
    multiplier = _float(scoring.get("multiplier", 1))
    return raw * (1.0 if multiplier is None else multiplier)


def localized(text: Any, locale: str = "en") -> str:
    """A content text that may be a plain string or `{locale: text}`."""
    if isinstance(text, dict):
        return str(text.get(locale) or text.get("en") or next(iter(text.values()), ""))
    return "" if text is None else str(text)
