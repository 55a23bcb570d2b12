"""The dashboard's hand-written SVG charts (bot.web.svgcharts), read as structure: the bands'
colours (green where scores are good, so an inverted WHO-5 fails), the threshold lines, events
on the time axis, PHQ-9 item 9 ringed, points at 0 drawn whole, and the same data and
colours as the Matplotlib chart Telegram sends from the same arguments."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest

from bot import charts
from bot.charts import WeekAdherence
from bot.web import svgcharts
from tests.test_charts import day, spec


def parsed(svg: str) -> ET.Element:
    assert svg.startswith("<svg ") and 'role="img"' in svg[:svg.index(">")]
    return ET.fromstring(svg)


def of(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == cls]


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter()
            if el.tag == "text" and (cls is None or el.get("class") == cls)]


def values(root: ET.Element, series: str | None = None) -> list[float]:
    return [float(p.get("data-value", "nan")) for p in of(root, "point")
            if series is None or p.get("data-series") == series]


def bottom_up(elements: list[ET.Element]) -> list[ET.Element]:
    return sorted(elements, key=lambda el: -float(el.get("y", 0)))


def questionnaire_args(name: str, points: list[tuple[datetime, float]],
                       answers: list[dict[str, Any]] | None = None) -> tuple[tuple[Any, ...], dict[str, Any]]:
    content = spec(name)
    marked, label = charts.item_marks(content, answers or [{} for _ in points])
    return (points, name, charts.IN_MEMORY), dict(
        thresholds=charts.score_thresholds(content), bands=charts.score_bands(content),
        max_score=charts.max_score(content), higher_is_better=charts.higher_is_better(content),
        marked=marked, mark_label=label)


def test_who5_bands_are_red_where_well_being_is_low_and_green_where_it_is_high() -> None:
    args, kwargs = questionnaire_args("who5", [(day(2), 24.0), (day(9), 60.0)])
    root = parsed(svgcharts.questionnaire(*args, **kwargs))
    bands = bottom_up(of(root, "band"))
    assert [b.get("data-band") for b in bands] == ["likely depression", "poor well-being", "good well-being"]
    assert [b.get("fill") for b in bands] == [charts.BAND_WORST, charts.BAND_SCALE[2], charts.BAND_BEST]
    lines = of(root, "threshold")
    assert len({line.get("stroke") for line in lines}) == len(lines) == 2, "each threshold its own colour"
    assert lines[0].get("stroke") == charts.THRESHOLD_STYLES[0][0] and lines[0].get("data-value") == "28"


@pytest.mark.parametrize("name", ["phq9", "gad7"])
def test_phq9_and_gad7_bands_are_green_where_scores_are_low(name: str) -> None:
    args, kwargs = questionnaire_args(name, [(day(2), 6.0)])
    bands = bottom_up(of(parsed(svgcharts.questionnaire(*args, **kwargs)), "band"))
    assert bands[0].get("fill") == charts.BAND_BEST and bands[-1].get("fill") == charts.BAND_WORST
    assert float(bands[0].get("y", 0)) > float(bands[-1].get("y", 0)), "the lowest scores at the bottom"


def test_phq9_item_9_above_0_is_ringed_and_noted() -> None:
    points = [(day(2), 6.0), (day(9), 11.0), (day(16), 9.0)]
    args, kwargs = questionnaire_args("phq9", points, [{"q9": 0}, {"q9": 2}, {"q9": "0"}])
    root = parsed(svgcharts.questionnaire(*args, **kwargs))
    [ring] = of(root, "mark")
    score = of(root, "point")[1]
    assert (ring.get("cx"), ring.get("cy"), ring.get("data-value")) == (score.get("cx"), score.get("cy"), "11")
    assert texts(root, "mark-note") == ["item 9: 2"]
    assert "item 9 > 0 (crisis)" in texts(root)
    args, kwargs = questionnaire_args("phq9", points, [{"q9": 0}] * 3)
    assert of(parsed(svgcharts.questionnaire(*args, **kwargs)), "mark") == []


def test_points_at_0_and_at_the_top_are_drawn_whole() -> None:
    root = parsed(svgcharts.mood([(day(2), 0), (day(3), 10)], "m"))
    axis_y = max(float(line.get("y1", 0)) for line in of(root, "axis"))
    plot_top = min(float(line.get("y1", 0)) for line in of(root, "axis"))
    low, high = of(root, "point")
    assert float(low.get("cy", 0)) + float(low.get("r", 0)) < axis_y
    assert float(high.get("cy", 0)) - float(high.get("r", 0)) >= plot_top - 0.5


def test_mood_chart_has_the_low_mood_line_and_events_on_the_time_axis() -> None:
    points = [(day(n), 5.0) for n in (2, 3, 4, 5, 6)]
    events = [(day(3, 17), "session"), (day(4, 20), "crisis"), (day(5, 20), "pause"), (day(4), "unknown")]
    root = parsed(svgcharts.mood(points, "m", events=events))
    [low] = of(root, "threshold")
    assert low.get("data-value") == str(charts.LOW_MOOD) and low.get("stroke") == charts.COLOR_THRESHOLD
    shown = of(root, "event")
    assert [e.get("data-kind") for e in shown] == ["session", "crisis", "pause"]
    assert [e.get("stroke") for e in shown] == [charts.EVENT_STYLES[k][0] for k in ("session", "crisis", "pause")]
    xs = [float(p.get("cx", 0)) for p in of(root, "point")]
    session, crisis, pause = (float(e.get("x1", 0)) for e in shown)
    assert xs[1] < session < xs[2] < crisis < xs[3] < pause < xs[4], "each between the days it fell between"
    for label in ("Mood", f"Low mood (≤ {charts.LOW_MOOD})", "Group session", "Crisis alert", "Pause"):
        assert label in texts(root), label
    assert texts(root, "xtick") == [f"{d:%d %b}" for d in charts.date_ticks([day(n).date() for n in (2, 3, 4, 5, 6)])]


def test_pain_is_green_at_no_pain_and_red_at_severe_and_turns_round_when_higher_is_better() -> None:
    points = [(day(2), 0.0), (day(3), 8.0)]
    root = parsed(svgcharts.measure(points, "pain", low=0, high=10, higher_is_better=False,
                                    thresholds=[(4, "moderate"), (7, "severe")], ylabel="Pain"))
    zones = bottom_up(of(root, "zone"))
    assert [z.get("fill") for z in zones] == [charts.BAND_BEST, charts.BAND_SCALE[2], charts.BAND_WORST]
    assert [t.get("data-label") for t in of(root, "threshold")] == ["severe", "moderate"]
    assert "severe (≥ 7)" in texts(root) and "Pain (0–10, lower is better)" in texts(root, "ylabel")
    sleep = parsed(svgcharts.measure(points, "sleep", low=0, high=10, higher_is_better=True,
                                     thresholds=[(4, "poor")]))
    assert [z.get("fill") for z in bottom_up(of(sleep, "zone"))] == [charts.BAND_WORST, charts.BAND_BEST]


MOMENTS = [day(2), day(2, 18), day(9), day(16)]
PLANS: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = [
    (charts.mood_chart, ([(m, v) for m, v in zip(MOMENTS, [3.0, 0.0, 7.0, 10.0], strict=True)], "mood",
                         charts.IN_MEMORY), {"events": [(day(9, 17), "session")]}),
    (charts.adherence_chart, ([WeekAdherence(1, day(2).date(), 7, 3, 1, 2),
                               WeekAdherence(2, day(9).date(), 5, 0, 0, 0)], "exercise", charts.IN_MEMORY), {}),
    (charts.questionnaire_chart, *questionnaire_args("phq9", [(m, v) for m, v in zip(MOMENTS, [4.0, 16.0, 0.0, 27.0],
                                                                                       strict=True)],
                                                     [{"q9": 0}, {"q9": 1}, {}, {"q9": 3}])),
    (charts.questionnaire_chart, *questionnaire_args("who5", [(day(2), 20.0), (day(9), 80.0)])),
    (charts.feedback_chart, ({"heard": [(day(2), 3.0), (day(9), 8.0)], "overall": [(day(2), 5.0), (day(9), 9.0)]},
                             [(day(2), 4.0), (day(9), 8.5)], "feedback", charts.IN_MEMORY), {"low_line": 4.0}),
    (charts.measure_chart, ([(day(2), 2.0), (day(3), 9.0)], "pain", charts.IN_MEMORY),
     {"low": 0.0, "high": 10.0, "higher_is_better": False, "thresholds": [(4.0, "moderate"), (7.0, "severe")]}),
]


@pytest.mark.parametrize(("function", "args", "kwargs"), PLANS, ids=lambda p: getattr(p, "__name__", ""))
def test_the_svg_twin_shows_what_the_telegram_chart_shows(function: Any, args: tuple[Any, ...],
                                                          kwargs: dict[str, Any]) -> None:
    chart: charts.Chart = function(*args, **kwargs)
    root = parsed(svgcharts.DRAWERS[function](*args, **kwargs))
    assert root.get("aria-label") == chart.title and texts(root, "title") == [chart.title]
    data = chart.data
    if chart.kind in ("mood", "questionnaire", "measure"):
        assert values(root, None if chart.kind != "mood" else "mood") == data["values"]
    if chart.kind == "mood":
        assert [[e.get("data-at"), e.get("data-kind")] for e in of(root, "event")] == data["events"]
    if chart.kind == "questionnaire":
        fills = [b.get("fill") for b in bottom_up(of(root, "band"))]
        assert fills == charts.band_colors(len(data["bands"]), data["higher_is_better"])
        rings = [float(m.get("data-value", 0)) for m in of(root, "mark")]
        assert rings == [data["values"][i] for i, _ in data["marked"]]
        assert texts(root, "mark-note") == [note for _, note in data["marked"]]
    if chart.kind == "measure":
        assert [z.get("fill") for z in bottom_up(of(root, "zone"))] == [colour for _, _, colour in data["zones"]]
        assert [t.get("data-label") for t in of(root, "threshold")] == [label for _, label in data["thresholds"]]
    if chart.kind == "session_feedback":
        assert values(root, charts.MEAN_LABEL) == data["overall"]["values"]
        assert values(root, "Heard") == data["items"]["heard"]
        assert texts(root).count(charts.MEAN_LABEL) == 1 and "Overall" in texts(root)
    if chart.kind == "adherence":
        done = [int(b.get("data-value", 0)) for b in of(root, "bar") if b.get("data-kind") == "done"]
        assert done == [w["done"] for w in data["weeks"] if w["done"]]
        assert texts(root, "percent") == [f"{w['percent']}%" for w in data["weeks"]]
    if chart.kind != "adherence":
        moments = [datetime.fromisoformat(d) for d in data.get("dates", data.get("overall", {}).get("dates", []))]
        assert texts(root, "xtick") == [f"{d:%d %b}" for d in charts.date_ticks([m.date() for m in moments])]
    assert len(texts(root, "xtick")) == len(set(texts(root, "xtick"))), "no date twice"


def test_no_data_says_so() -> None:
    assert "No answers yet" in texts(parsed(svgcharts.mood([], "m")))
    assert "No answers yet" in texts(parsed(svgcharts.measure([], "p", low=0, high=10, higher_is_better=False)))

