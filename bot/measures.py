"""Measures an author declares in a dialogue: a recorded value the care team follows over time.

    dialogue: pain_diary
    measures:
      pain:                       # the variable the dialogue records ({record: {pain: 7}})
        name: Pain                # what the care team reads
        scale: [0, 10]            # lowest and highest value
        better: lower             # lower | higher: which end is the good one
        thresholds:               # optional: "at this value or worse"
          - {at: 4, name: moderate}
          - {at: 7, name: severe}

A measure's answers are the patient's `Answer` rows of that dialogue and key. They are shown
in /patient, /patients, the digest and the dashboard (through `bot.clinicians.patient_week`)
and drawn by `bot.charts.measure_chart`; a dialogue that declares measures is a diary, not a
check-in, so its conversations never count as check-ins. Crossing a threshold is flagged in
those views, not alerted: an author who wants an alert at once writes a `flag:` action in the
dialogue (and then it folds into the patient's one open concern alert).

Content is validated before it is served (`bot.content.validate`), but these readers still
skip whatever they do not understand, so a view never fails on an odd file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DIRECTIONS = ("higher", "lower")
"""`better:` values: which end of the scale is the good one."""
MAX_THRESHOLDS = 4
"""A chart tells at most this many threshold lines apart (bot.charts.THRESHOLD_STYLES)."""
TREND_SHARE = 0.1
"""A change of the period's mean of at least this share of the scale shows as ↑ or ↓
(1 point on 0–10, as for mood)."""


@dataclass(frozen=True)
class Threshold:
    at: float
    name: str


@dataclass(frozen=True)
class Measure:
    """One declared measure: which answers it is, and how to read them."""

    dialogue: str
    key: str
    name: str
    low: float
    high: float
    higher_is_better: bool
    thresholds: tuple[Threshold, ...] = ()
    """Mildest first (the one nearest the good end)."""

    @property
    def in_text(self) -> str:
        """The name inside a sentence: "Pain" as "pain", an acronym ("VAS") as it is."""
        return self.name[:1].lower() + self.name[1:] if self.name[:2].istitle() else self.name

    @property
    def scale_text(self) -> str:
        return f"{self.low:g}–{self.high:g}, {'higher' if self.higher_is_better else 'lower'} is better"

    def comparison(self) -> str:
        return "≤" if self.higher_is_better else "≥"

    def crossed(self, value: float) -> Threshold | None:
        """The most severe threshold this value reaches ("at this value or worse"), if any."""
        reached = None
        for threshold in self.thresholds:
            if (value <= threshold.at) if self.higher_is_better else (value >= threshold.at):
                reached = threshold
        return reached

    def threshold_text(self, threshold: Threshold) -> str:
        return f"{threshold.name} ({self.comparison()} {threshold.at:g})"

    def value(self, raw: Any) -> float | None:
        """A recorded answer as a number on the scale; anything else (typed words, a value off
        the scale) is not a measurement."""
        number = finite_number(raw.strip() if isinstance(raw, str) else raw)
        if number is None or not self.low <= number <= self.high:
            return None
        return number


def finite_number(value: Any) -> float | None:
    """A value as a finite float, or None (booleans, words, NaN and infinity are not numbers
    here): what content authors and patients give is read with it."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def parse(dialogue: str, key: str, spec: Any) -> Measure | None:
    """One declaration, or None when it is not usable (the validator says why)."""
    if not isinstance(spec, dict):
        return None
    scale = spec.get("scale")
    if not isinstance(scale, list) or len(scale) != 2:
        return None
    low, high = finite_number(scale[0]), finite_number(scale[1])
    better = spec.get("better")
    if low is None or high is None or low >= high or better not in DIRECTIONS:
        return None
    higher = better == "higher"
    thresholds = []
    raw = spec.get("thresholds")
    for entry in raw if isinstance(raw, list) else []:
        at = finite_number(entry.get("at")) if isinstance(entry, dict) else None
        if at is not None and low <= at <= high:
            thresholds.append(Threshold(at, str(entry.get("name") or "threshold")))
    thresholds.sort(key=lambda t: -t.at if higher else t.at)  # mildest first
    name = str(spec.get("name") or key)
    return Measure(dialogue, str(key), name, low, high, higher, tuple(thresholds[:MAX_THRESHOLDS]))


def of_dialogue(dialogue: str, data: Any) -> list[Measure]:
    declared = data.get("measures") if isinstance(data, dict) else None
    if not isinstance(declared, dict):
        return []
    found = (parse(dialogue, str(key), spec) for key, spec in declared.items())
    return [m for m in found if m is not None]


def declared(bundle: Any) -> list[Measure]:
    """Every usable measure of the bundle's dialogues, by dialogue id then declaration order."""
    dialogues: dict[str, Any] = dict(getattr(bundle, "dialogues", {}) or {})
    return [m for ident in sorted(dialogues) for m in of_dialogue(ident, dialogues[ident])]


def diaries(bundle: Any) -> set[str]:
    """Dialogues that declare a measure: their conversations are never counted as check-ins."""
    return {m.dialogue for m in declared(bundle)}


@dataclass
class MeasureWeek:
    """One measure over a period and the period of the same length before it."""

    measure: Measure
    values: list[float] = field(default_factory=list)
    previous: list[float] = field(default_factory=list)
    crossed_days: int = 0
    """Local days in the period with an answer at `worst` or beyond it."""
    worst: Threshold | None = None
    """The most severe threshold reached in the period."""

    @property
    def mean(self) -> float | None:
        return round(sum(self.values) / len(self.values), 1) if self.values else None

    @property
    def previous_mean(self) -> float | None:
        return round(sum(self.previous) / len(self.previous), 1) if self.previous else None

    @property
    def trend(self) -> str:
        now, before = self.mean, self.previous_mean
        if now is None or before is None:
            return ""
        step = TREND_SHARE * (self.measure.high - self.measure.low)
        return "↑" if now - before >= step else "↓" if before - now >= step else "→"

    def text(self) -> str:
        """"pain 6.2/10 ↑ (before 4), ⚑ severe (≥ 7) on 2 days": the status line's part."""
        measure = self.measure
        name = measure.in_text
        if self.mean is None:
            return f"{name} –"
        part = f"{name} {self.mean:g}/{measure.high:g}"
        if self.previous_mean is not None:
            part += f" {self.trend} (before {self.previous_mean:g})"
        if self.worst is not None:
            days = f"{self.crossed_days} day{'s' if self.crossed_days != 1 else ''}"
            part += f", ⚑ {measure.threshold_text(self.worst)} on {days}"
        return part


def week_of(measure: Measure, answers: Iterable[tuple[Any, Any, bool]]) -> MeasureWeek:
    """The figures from (local day, recorded value, in the current period) triples."""
    week = MeasureWeek(measure)
    reached: dict[Any, int] = {}
    """local day -> the most severe threshold reached that day (its index, mildest 0)"""
    for day, raw, current in answers:
        number = measure.value(raw)
        if number is None:
            continue
        if not current:
            week.previous.append(number)
            continue
        week.values.append(number)
        threshold = measure.crossed(number)
        if threshold is not None:
            reached[day] = max(reached.get(day, 0), measure.thresholds.index(threshold))
    if reached:
        worst = max(reached.values())
        week.worst = measure.thresholds[worst]
        week.crossed_days = sum(1 for index in reached.values() if index == worst)
    return week
