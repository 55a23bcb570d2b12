"""A patient's charts written directly as SVG, for the dashboard's pages.

Matplotlib took 60–100 ms per chart (figure, layout, SVG writer): a patient's first view took
about 440 ms. These functions take the very arguments `bot.charts` takes (the same
`bot.clinicians.chart_plans`) and decide everything that carries meaning with the same helpers:
band colours (`charts.band_colors`, green at the good end), threshold order and styles, date
ticks, side-by-side points on one day, the rolling mean, legend texts. Only the pixels are
computed here, in a millisecond or two. Each element that carries meaning has a class (`band`,
`zone`, `threshold`, `event`, `point`, `mark`) and its value in a `data-` attribute, so tests
can check a chart's structure, not its looks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates

from bot import charts
from bot.web.html import e

WIDTH, HEIGHT = 600, 450
"""The viewBox; the page scales it to its width (4:3, as the Telegram pictures)."""
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, LEGEND_SIZE, NOTE_SIZE = 20, 15, 15, 15, 14
"""Sizes in viewBox units: on a phone the chart is about 360 px wide, so 15 reads as about 9 px."""
CHAR_WIDTH = 0.56
"""An average character's width as a share of the font size (for laying out the legend)."""
LEFT, RIGHT, TOP = 64, 16, 40
BAND_LABELS = 104
"""Room on the right for the questionnaire bands' names."""
LEGEND_ROW = 21
POINT_RADIUS = 5
DASHES = {"-": "", "--": "7 4", "-.": "7 3 2 3", ":": "2 3"}
FONT = 'font-family="system-ui,sans-serif"'


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _dash(style: str) -> str:
    pattern = DASHES.get(style, "")
    return f' stroke-dasharray="{pattern}"' if pattern else ""


@dataclass
class Legend:
    """Entries under the plot: (kind, colour, style, text); kind is line, marker, ring or box."""

    entries: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, kind: str, color: str, text: str, style: str = "-") -> None:
        self.entries.append((kind, color, style, text))

    def rows(self, width: float) -> list[list[tuple[float, tuple[str, str, str, str]]]]:
        """Entries flowed left to right, a new row when the next would not fit."""
        rows: list[list[tuple[float, tuple[str, str, str, str]]]] = [[]]
        x = 0.0
        for entry in self.entries:
            size = 30 + len(entry[3]) * LEGEND_SIZE * CHAR_WIDTH + 16
            if rows[-1] and x + size > width:
                rows.append([])
                x = 0.0
            rows[-1].append((x, entry))
            x += size
        return [row for row in rows if row]

    def svg(self, left: float, top: float, width: float) -> str:
        parts = ['<g class="legend">']
        for number, row in enumerate(self.rows(width)):
            y = top + number * LEGEND_ROW + LEGEND_ROW / 2
            for x, (kind, color, style, text) in row:
                x0 = left + x
                if kind == "box":
                    parts.append(f'<rect x="{_n(x0 + 4)}" y="{_n(y - 6)}" width="18" height="12" fill="{color}"/>')
                elif kind == "ring":
                    parts.append(f'<circle cx="{_n(x0 + 13)}" cy="{_n(y)}" r="7" fill="none" stroke="{color}" '
                                 'stroke-width="2.5"/>')
                else:
                    parts.append(f'<line x1="{_n(x0)}" x2="{_n(x0 + 26)}" y1="{_n(y)}" y2="{_n(y)}" '
                                 f'stroke="{color}" stroke-width="2.5"{_dash(style)}/>')
                    if kind == "marker":
                        parts.append(f'<circle cx="{_n(x0 + 13)}" cy="{_n(y)}" r="4" fill="{color}"/>')
                parts.append(f'<text x="{_n(x0 + 30)}" y="{_n(y + 4.5)}" font-size="{LEGEND_SIZE}">{e(text)}</text>')
        return "".join(parts) + "</g>"


@dataclass
class Frame:
    """The plot area in pixels and the data range it shows."""

    x0: float
    x1: float
    y0: float
    y1: float
    left: float = LEFT
    right: float = WIDTH - RIGHT
    top: float = TOP
    bottom: float = HEIGHT - 60

    def x(self, value: float) -> float:
        return self.left + (value - self.x0) / ((self.x1 - self.x0) or 1) * (self.right - self.left)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.y0) / ((self.y1 - self.y0) or 1) * (self.bottom - self.top)


class Drawing:
    """One chart: the frame, its parts in drawing order, and the legend under it."""

    def __init__(self, title: str, kind: str, right: float = RIGHT) -> None:
        self.title, self.kind = title, kind
        self.parts: list[str] = []
        self.legend = Legend()
        self.right = right
        self.frame = Frame(0, 1, 0, 1, right=WIDTH - right)

    def layout(self, x0: float, x1: float, y0: float, y1: float, tick_rows: int = 1, xlabel: bool = False) -> Frame:
        """The frame, once the legend's height is known (it sits under the x ticks)."""
        rows = len(self.legend.rows(WIDTH - LEFT - self.right))
        below = 10 + tick_rows * (TICK_SIZE + 3) + (LABEL_SIZE + 8 if xlabel else 0) + rows * LEGEND_ROW + 6
        self.frame = Frame(x0, x1, y0, y1, right=WIDTH - self.right, bottom=HEIGHT - below)
        return self.frame

    def add(self, part: str) -> None:
        self.parts.append(part)

    def hline(self, value: float, color: str, style: str, width: float, cls: str, data: str = "") -> None:
        y = self.frame.y(value)
        self.add(f'<line class="{cls}" x1="{_n(self.frame.left)}" x2="{_n(self.frame.right)}" y1="{_n(y)}" '
                 f'y2="{_n(y)}" stroke="{color}" stroke-width="{width}"{_dash(style)} data-value="{value:g}"{data}/>')

    def series(self, xs: Sequence[float], values: Sequence[float], color: str, *, width: float = 3,
               radius: float = POINT_RADIUS, square: bool = False, style: str = "-", points: bool = True,
               name: str = "") -> None:
        f = self.frame
        coords = [(f.x(x), f.y(v)) for x, v in zip(xs, values, strict=True)]
        label = f' data-series="{e(name)}"' if name else ""
        if len(coords) > 1:
            joined = " ".join(f"{_n(px)},{_n(py)}" for px, py in coords)
            self.add(f'<polyline class="line"{label} points="{joined}" fill="none" stroke="{color}" '
                     f'stroke-width="{width}"{_dash(style)} stroke-linejoin="round"/>')
        if not points:
            return
        for (px, py), value in zip(coords, values, strict=True):
            if square:
                self.add(f'<rect class="point"{label} x="{_n(px - radius)}" y="{_n(py - radius)}" '
                         f'width="{_n(2 * radius)}" height="{_n(2 * radius)}" fill="{color}" data-value="{value:g}"/>')
            else:
                self.add(f'<circle class="point"{label} cx="{_n(px)}" cy="{_n(py)}" r="{_n(radius)}" '
                         f'fill="{color}" data-value="{value:g}"/>')

    def no_data(self, text: str = "No answers yet") -> None:
        f = self.frame
        self.add(f'<text x="{_n((f.left + f.right) / 2)}" y="{_n((f.top + f.bottom) / 2)}" text-anchor="middle" '
                 f'font-size="{LABEL_SIZE}" fill="#757575">{e(text)}</text>')

    def y_axis(self, ticks: Sequence[float], label: str) -> None:
        f = self.frame
        for tick in ticks:
            y = f.y(tick)
            self.add(f'<line x1="{_n(f.left)}" x2="{_n(f.right)}" y1="{_n(y)}" y2="{_n(y)}" stroke="#000" '
                     'stroke-opacity="0.12"/>')
            self.add(f'<text class="ytick" x="{_n(f.left - 6)}" y="{_n(y + 4.5)}" text-anchor="end" '
                     f'font-size="{TICK_SIZE}">{tick:g}</text>')
        middle = (f.top + f.bottom) / 2
        self.add(f'<text class="ylabel" x="14" y="{_n(middle)}" transform="rotate(-90 14 {_n(middle)})" '
                 f'text-anchor="middle" font-size="{LABEL_SIZE}">{e(label)}</text>')

    def x_ticks(self, ticks: Sequence[tuple[float, str]]) -> None:
        """Tick labels under the axis; a label may have a second line after a newline."""
        f = self.frame
        for x, text in ticks:
            px = f.x(x)
            self.add(f'<line x1="{_n(px)}" x2="{_n(px)}" y1="{_n(f.top)}" y2="{_n(f.bottom)}" stroke="#000" '
                     'stroke-opacity="0.12"/>')
            lines = text.split("\n")
            spans = "".join(f'<tspan x="{_n(px)}" dy="{0 if i == 0 else TICK_SIZE + 2}">{e(line)}</tspan>'
                            for i, line in enumerate(lines))
            self.add(f'<text class="xtick" x="{_n(px)}" y="{_n(f.bottom + 8 + TICK_SIZE)}" text-anchor="middle" '
                     f'font-size="{TICK_SIZE}">{spans}</text>')

    def date_axis(self, days: Sequence[date]) -> None:
        self.x_ticks([(charts._day_x(d), f"{d:%d %b}") for d in charts.date_ticks(days)])

    def x_label(self, text: str, rows: int) -> None:
        f = self.frame
        y = f.bottom + 10 + rows * (TICK_SIZE + 3) + LABEL_SIZE
        self.add(f'<text class="xlabel" x="{_n((f.left + f.right) / 2)}" y="{_n(y)}" text-anchor="middle" '
                 f'font-size="{LABEL_SIZE}">{e(text)}</text>')

    def svg(self, tick_rows: int = 1, xlabel: bool = False) -> str:
        f = self.frame
        title = e(self.title)
        legend_top = f.bottom + 10 + tick_rows * (TICK_SIZE + 3) + (LABEL_SIZE + 8 if xlabel else 0)
        axis = 'stroke="#212121"'
        axes = (f'<line class="axis" x1="{_n(f.left)}" x2="{_n(f.left)}" y1="{_n(f.top)}" y2="{_n(f.bottom)}" '
                f'{axis}/><line class="axis" x1="{_n(f.left)}" x2="{_n(f.right)}" y1="{_n(f.bottom)}" '
                f'y2="{_n(f.bottom)}" {axis}/>')
        return (f'<svg class="chart-{self.kind}" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
                f'aria-label="{title}" {FONT}><title>{title}</title>'
                f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
                f'<text class="title" x="{WIDTH / 2:g}" y="26" text-anchor="middle" font-size="{TITLE_SIZE}" '
                f'font-weight="bold">{title}</text>'
                + "".join(self.parts) + axes + self.legend.svg(f.left, legend_top, f.right - f.left) + "</svg>")


def _date_range(days: Sequence[date], extra: Sequence[datetime] = ()) -> tuple[float, float]:
    """The x range `charts._date_axis` gives: the days with data, half a day more each side,
    and the moments of `extra` events."""
    if not days:
        return 0.0, 1.0
    ends = [charts._day_x(min(days)) - 0.6, charts._day_x(max(days)) + 0.6,
            *(float(mdates.date2num(at)) for at in extra)]
    pad = 0.1 if extra else 0.0
    return min(ends) - pad, max(ends) + pad


def _padded(low: float, high: float) -> tuple[float, float]:
    pad = (high - low) * charts.Y_PAD_SHARE
    return low - pad, high + pad


def nice_ticks(low: float, high: float, most: int = 7) -> list[float]:
    """Round ticks from `low` to `high` (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    span = max(high - low, 1e-9)
    raw = span / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [round(first + n * step, 6) for n in range(int((high - first) // step + 1e-9) + 1)]


# --- the charts, with bot.charts' arguments ----------------------------------------------------


def mood(points: Sequence[tuple[datetime, float]], title: str, path: Path | None = None, *,
         events: Sequence[tuple[datetime, str]] = (), low_line: float | None = charts.LOW_MOOD) -> str:
    """`charts.mood_chart`: mood, the running average, the low-mood line, events as vertical lines."""
    d = Drawing(title, "mood")
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    shown = sorted((at, kind) for at, kind in events if kind in charts.EVENT_STYLES) if points else []
    if points:
        d.legend.add("marker", charts.COLOR_LINE, "Mood")
        if len(values) >= 3:
            d.legend.add("line", "#616161", f"Average of the last {charts.ROLLING_WINDOW}", "--")
        if low_line is not None:
            d.legend.add("line", charts.COLOR_THRESHOLD, f"Low mood (≤ {low_line:g})", "--")
        for kind in dict.fromkeys(kind for _, kind in shown):
            color, style, label = charts.EVENT_STYLES[kind]
            d.legend.add("line", color, label, style)
    x0, x1 = _date_range([m.date() for m in moments], [at for at, _ in shown])
    d.layout(x0, x1, *_padded(0, charts.MOOD_MAX))
    d.y_axis(range(0, charts.MOOD_MAX + 1, 2), "Mood (0 = worst, 10 = best)")
    d.date_axis([m.date() for m in moments])
    if not points:
        d.no_data()
        return d.svg()
    if low_line is not None:
        d.hline(low_line, charts.COLOR_THRESHOLD, "--", 2, "threshold")
    for at, kind in shown:
        color, style, _ = charts.EVENT_STYLES[kind]
        x = d.frame.x(float(mdates.date2num(at)))
        d.add(f'<line class="event" data-kind="{kind}" data-at="{at.isoformat(timespec="minutes")}" '
              f'x1="{_n(x)}" x2="{_n(x)}" y1="{_n(d.frame.top)}" y2="{_n(d.frame.bottom)}" stroke="{color}" '
              f'stroke-width="2"{_dash(style)}/>')
    xs = charts._spread(moments)
    if len(values) >= 3:
        d.series(xs, charts.rolling_mean(values), "#616161", width=2, style="--", points=False, name="average")
    d.series(xs, values, charts.COLOR_LINE, name="mood")
    return d.svg()


def adherence(weeks: Sequence[charts.WeekAdherence], title: str, path: Path | None = None) -> str:
    """`charts.adherence_chart`: days done, done but hard, skipped and not answered, per week."""
    d = Drawing(title, "adherence")
    stacks = (("Done", "done", charts.COLOR_DONE), ("Hard but done", "hard", charts.COLOR_HARD),
              ("Skipped", "skipped", charts.COLOR_SKIPPED), ("No answer", "no_answer", charts.COLOR_NO_ANSWER))
    for name, _, color in stacks:
        d.legend.add("box", color, name)
    most = max([7, *[w.offered for w in weeks]])
    f = d.layout(-0.6, max(len(weeks), 1) - 0.4, 0, most + 1.2, tick_rows=2, xlabel=True)
    d.y_axis(nice_ticks(0, most, 8), "Days")
    d.x_ticks([(i, f"Wk {w.week}\n{w.start:%d %b}") for i, w in enumerate(weeks)])
    d.x_label("Programme week (starting)", 2)
    half = 0.65 / 2
    for i, week in enumerate(weeks):
        bottom = 0
        for name, attr, color in stacks:
            height = int(getattr(week, attr))
            if height:
                y_top, y_bottom = f.y(bottom + height), f.y(bottom)
                d.add(f'<rect class="bar" data-kind="{attr}" data-value="{height}" x="{_n(f.x(i - half))}" '
                      f'y="{_n(y_top)}" width="{_n(f.x(i + half) - f.x(i - half))}" height="{_n(y_bottom - y_top)}" '
                      f'fill="{color}"><title>{e(name)}: {height}</title></rect>')
            bottom += height
        if week.percent is not None:
            d.add(f'<text class="percent" x="{_n(f.x(i))}" y="{_n(f.y(week.offered + 0.15) - 3)}" '
                  f'text-anchor="middle" font-size="{NOTE_SIZE + 1}" font-weight="bold">{week.percent}%</text>')
    if not weeks:
        d.no_data()
    return d.svg(tick_rows=2, xlabel=True)


def questionnaire(
    points: Sequence[tuple[datetime, float]], title: str, path: Path | None = None, *,
    thresholds: Sequence[tuple[float, str]] = (), bands: Sequence[tuple[float, str]] = (),
    max_score: float | None = None, ylabel: str = "Score", higher_is_better: bool = False,
    marked: Sequence[tuple[int, str]] = (), mark_label: str = "",
) -> str:
    """`charts.questionnaire_chart`: scores against the bands (green where scores are good) and
    the threshold lines, the most severe first; answers that need a look ringed and noted."""
    d = Drawing(title, "questionnaire", right=BAND_LABELS if bands else RIGHT)
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    top = max([*values, *(t for t, _ in thresholds), *(b for b, _ in bands), max_score or 0, 1])
    ordered = sorted(bands)
    colors = charts.band_colors(len(ordered), higher_is_better)
    severe_first = sorted(thresholds, key=lambda t: t[0], reverse=not higher_is_better)
    for index, (value, label) in enumerate(severe_first):
        color, style = charts.THRESHOLD_STYLES[min(index, len(charts.THRESHOLD_STYLES) - 1)]
        band = charts._band_of(value, ordered)
        d.legend.add("line", color, f"{label} ({band})" if band else label, style)
    if points:
        d.legend.add("marker", charts.COLOR_LINE, "Score")
    rings = [(i, note) for i, note in marked if 0 <= i < len(points)]
    if rings:
        d.legend.add("ring", charts.COLOR_MARK, mark_label or "Needs a look")
    x0, x1 = _date_range([m.date() for m in moments])
    bottom_y, top_y = _padded(0, top)
    f = d.layout(x0, x1, bottom_y, top_y)
    for index, (low, name) in enumerate(ordered):
        high = ordered[index + 1][0] if index + 1 < len(ordered) else top_y
        y_top, y_bottom = f.y(high), f.y(bottom_y if index == 0 else low)
        d.add(f'<rect class="band" data-band="{e(name)}" data-from="{low:g}" x="{_n(f.left)}" y="{_n(y_top)}" '
              f'width="{_n(f.right - f.left)}" height="{_n(y_bottom - y_top)}" fill="{colors[index]}"/>')
        middle = f.y((max(low, 0) + min(high, top)) / 2)
        lines = charts.band_label_lines(name)
        first = middle - (len(lines) - 1) * (NOTE_SIZE + 1) / 2 + 4
        spans = "".join(f'<tspan x="{_n(f.right + 6)}" y="{_n(first + i * (NOTE_SIZE + 1))}">{e(line)}</tspan>'
                        for i, line in enumerate(lines))
        d.add(f'<text class="band-name" font-size="{NOTE_SIZE}">{spans}</text>')
    d.y_axis(nice_ticks(0, top), ylabel)
    d.date_axis([m.date() for m in moments])
    for index, (value, label) in enumerate(severe_first):
        color, style = charts.THRESHOLD_STYLES[min(index, len(charts.THRESHOLD_STYLES) - 1)]
        d.hline(value, color, style, 2.5, "threshold", f' data-label="{e(label)}"')
    xs = charts._spread(moments)
    if points:
        d.series(xs, values, charts.COLOR_LINE, name="score")
    else:
        d.no_data()
    for i, note in rings:
        px, py = f.x(xs[i]), f.y(values[i])
        d.add(f'<circle class="mark" data-value="{values[i]:g}" cx="{_n(px)}" cy="{_n(py)}" r="11" fill="none" '
              f'stroke="{charts.COLOR_MARK}" stroke-width="3"/>')
        d.add(f'<text class="mark-note" x="{_n(px)}" y="{_n(py - 16)}" text-anchor="middle" font-size="{NOTE_SIZE}" '
              f'font-weight="bold" fill="{charts.COLOR_MARK}">{e(note)}</text>')
    return d.svg()


def feedback(
    items: Mapping[str, Sequence[tuple[datetime, float]]], overall: Sequence[tuple[datetime, float]],
    title: str, path: Path | None = None, *, scale_max: float = 10, low_line: float | None = None,
) -> str:
    """`charts.feedback_chart`: each item thin, their mean thick, each series a little to the side."""
    d = Drawing(title, "session_feedback")
    moments = [at for at, _ in overall] + [at for series in items.values() for at, _ in series]
    count = len(items) + (1 if overall else 0)
    shift = lambda index: (index - (count - 1) / 2) * charts.SERIES_SPREAD  # noqa: E731
    names: dict[str, str] = {}
    labels = [charts._unique_label(item[:1].upper() + item[1:], names) for item in items]
    for index, label in enumerate(labels):
        d.legend.add("marker", charts.ITEM_COLORS[index % len(charts.ITEM_COLORS)], label)
    if overall:
        d.legend.add("marker", charts.COLOR_MEAN, charts._unique_label(charts.MEAN_LABEL, names))
    if low_line is not None:
        d.legend.add("line", charts.COLOR_THRESHOLD, charts._unique_label(f"Low (≤ {low_line:g})", names), "--")
    x0, x1 = _date_range([m.date() for m in moments])
    d.layout(x0, x1, *_padded(0, scale_max))
    d.y_axis(nice_ticks(0, scale_max), f"Rating (0–{scale_max:g})")
    d.date_axis([m.date() for m in moments])
    if low_line is not None:
        d.hline(low_line, charts.COLOR_THRESHOLD, "--", 2, "threshold")
    for index, ((_, series), label) in enumerate(zip(items.items(), labels, strict=True)):
        d.series(charts._spread([at for at, _ in series], shift(index)), [float(v) for _, v in series],
                 charts.ITEM_COLORS[index % len(charts.ITEM_COLORS)], width=1.8, radius=4, name=label)
    if overall:
        d.series(charts._spread([at for at, _ in overall], shift(count - 1)), [float(v) for _, v in overall],
                 charts.COLOR_MEAN, width=4, radius=5, square=True, name=charts.MEAN_LABEL)
    if not overall and not items:
        d.no_data()
    return d.svg()


def measure(
    points: Sequence[tuple[datetime, float]], title: str, path: Path | None = None, *, low: float, high: float,
    higher_is_better: bool, thresholds: Sequence[tuple[float, str]] = (), ylabel: str = "Value",
) -> str:
    """`charts.measure_chart`: an author's measure on its own scale, its zones from green at the
    good end to red, and a line per threshold."""
    d = Drawing(title, "measure")
    moments = [at for at, _ in points]
    values = [float(v) for _, v in points]
    comparison = "≤" if higher_is_better else "≥"
    severe_first = sorted(thresholds, key=lambda t: t[0], reverse=not higher_is_better)
    for index, (value, label) in enumerate(severe_first):
        color, style = charts.THRESHOLD_STYLES[min(index, len(charts.THRESHOLD_STYLES) - 1)]
        d.legend.add("line", color, f"{label} ({comparison} {value:g})", style)
    if points:
        d.legend.add("marker", charts.COLOR_LINE, ylabel)
    x0, x1 = _date_range([m.date() for m in moments])
    bottom_y, top_y = _padded(low, high)
    f = d.layout(x0, x1, bottom_y, top_y)
    edges = [bottom_y, *sorted(at for at, _ in thresholds), top_y]
    colors = charts.band_colors(len(edges) - 1, higher_is_better)
    for index in range(len(edges) - 1):
        y_top, y_bottom = f.y(edges[index + 1]), f.y(edges[index])
        d.add(f'<rect class="zone" data-from="{(edges[index] if index else low):g}" x="{_n(f.left)}" '
              f'y="{_n(y_top)}" width="{_n(f.right - f.left)}" height="{_n(y_bottom - y_top)}" '
              f'fill="{colors[index]}"/>')
    step = max(1.0, round((high - low) / 5))
    better = "higher" if higher_is_better else "lower"
    d.y_axis([low + step * n for n in range(int((high - low) // step) + 1)],
             f"{ylabel} ({low:g}–{high:g}, {better} is better)")
    d.date_axis([m.date() for m in moments])
    for index, (value, label) in enumerate(severe_first):
        color, style = charts.THRESHOLD_STYLES[min(index, len(charts.THRESHOLD_STYLES) - 1)]
        d.hline(value, color, style, 2.5, "threshold", f' data-label="{e(label)}"')
    if points:
        d.series(charts._spread(moments), values, charts.COLOR_LINE, name=ylabel)
    else:
        d.no_data()
    return d.svg()


DRAWERS: dict[Callable[..., Any], Callable[..., str]] = {
    charts.mood_chart: mood,
    charts.adherence_chart: adherence,
    charts.questionnaire_chart: questionnaire,
    charts.feedback_chart: feedback,
    charts.measure_chart: measure,
}
"""Each `bot.charts` function a patient's chart plan may name, and its SVG twin here."""
