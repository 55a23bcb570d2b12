"""Charts: valid PNGs of phone size, the data they plot, and reading thresholds from content."""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot import charts
from bot.charts import MemberWeek, WeekAdherence

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MINI = {  # as tests/fixtures/project/content/questionnaires/mini.yaml
    "questionnaire": "mini",
    "options": [{"value": 0}, {"value": 1}, {"value": 3}],
    "items": [{"id": "q1"}, {"id": "q2"}],
    "scoring": {"method": "sum"},
    "bands": [{"min": 0, "band": "low"}, {"min": 3, "band": "high"}],
    "thresholds": [{"if": {"var": "score", "ge": 3}, "flag": "concern"},
                   {"if": {"var": "q2", "gt": 0}, "flag": "crisis"}],
}


def day(n: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, n, hour, 0)


def assert_phone_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (1200, 900)


def test_mood_chart_is_a_phone_sized_png_with_its_data(tmp_path: Path) -> None:
    points = [(day(2), 8.0), (day(3), 6.0), (day(4), 7.0), (day(5), 3.0)]
    chart = charts.mood_chart(points, "Maria: mood", tmp_path / "mood.png")
    assert_phone_png(chart.path)
    assert chart.data == {"dates": ["2026-03-02T09:00", "2026-03-03T09:00", "2026-03-04T09:00",
                                    "2026-03-05T09:00"],
                          "values": [8.0, 6.0, 7.0, 3.0], "average": [8.0, 7.0, 7.0, 6.0],
                          "low_line": charts.LOW_MOOD, "events": []}
    assert charts.read_chart_data(chart.path) == chart.data
    assert chart.caption == "Maria: mood"


def test_a_single_point_and_no_points_still_draw(tmp_path: Path) -> None:
    assert_phone_png(charts.mood_chart([(day(2), 5.0)], "one", tmp_path / "one.png").path)
    empty = charts.mood_chart([], "none", tmp_path / "none.png")
    assert_phone_png(empty.path)
    assert empty.data["values"] == []


def test_rolling_mean_uses_up_to_the_window_before_each_value() -> None:
    assert charts.rolling_mean([2, 4, 6, 8, 10, 12], window=3) == [2, 3, 4, 6, 8, 10]
    assert charts.rolling_mean([]) == []


def test_adherence_chart_counts_days_per_week(tmp_path: Path) -> None:
    weeks = [WeekAdherence(1, date(2026, 3, 2), offered=7, done=4, hard=1, skipped=1),
             WeekAdherence(2, date(2026, 3, 9), offered=2, done=0, hard=0, skipped=0)]
    chart = charts.adherence_chart(weeks, "exercise", tmp_path / "a.png")
    assert_phone_png(chart.path)
    assert weeks[0].no_answer == 1 and weeks[0].percent == 71
    assert weeks[1].no_answer == 2 and weeks[1].percent == 0
    assert [w["percent"] for w in charts.read_chart_data(chart.path)["weeks"]] == [71, 0]


def test_questionnaire_chart_draws_the_contents_thresholds_and_bands(tmp_path: Path) -> None:
    chart = charts.questionnaire_chart(
        [(day(3), 1.0), (day(10), 4.0)], "mini", tmp_path / "q.png",
        thresholds=charts.score_thresholds(MINI), bands=charts.score_bands(MINI),
        max_score=charts.max_score(MINI))
    assert_phone_png(chart.path)
    assert charts.read_chart_data(chart.path) == {
        "dates": ["2026-03-03T09:00", "2026-03-10T09:00"], "values": [1.0, 4.0],
        "thresholds": [[3.0, "concern ≥ 3"]], "bands": [[0.0, "low"], [3.0, "high"]], "max_score": 6.0,
        "higher_is_better": False, "marked": []}


def test_thresholds_only_on_the_total_score_and_inside_any_all() -> None:
    spec = {"thresholds": [
        {"if": {"any": [{"var": "score", "ge": 10}, {"all": [{"var": "score", "lt": 2}]}]}, "flag": "concern"},
        {"if": {"var": "q9", "gt": 0}, "flag": "crisis"},
        {"if": {"var": "score", "ge": "not a number"}, "flag": "concern"},
    ]}
    assert charts.score_thresholds(spec) == [(2.0, "concern < 2"), (10.0, "concern ≥ 10")]


def test_max_score_follows_the_scoring_rules() -> None:
    who5 = {"options": [{"value": v} for v in range(6)], "items": [{"id": str(i)} for i in range(5)],
            "scoring": {"method": "sum", "multiplier": 4}}
    feedback = {"options": [{"value": v} for v in range(11)], "items": [{"id": "a"}, {"id": "b"}],
                "scoring": {"method": "mean"}}
    assert charts.max_score(who5) == 100
    assert charts.max_score(feedback) == 10
    assert charts.max_score(MINI) == 6
    assert charts.max_score({}) is None
    assert charts.item_max({"items": [{"id": "x", "options": [{"value": 7}]}]}) == 7


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["thresholds", "bands", "items", "options", "scoring", "if", "var", "ge",
                         "lt", "any", "all", "min", "band", "value", "method", "multiplier", "flag"]),
        children, max_size=5),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["thresholds", "bands", "items", "options", "scoring"]), json_like))
def test_reading_odd_content_never_fails(spec: dict[str, Any]) -> None:
    charts.score_thresholds(spec)
    charts.score_bands(spec)
    charts.max_score(spec)
    charts.item_max(spec)


def test_feedback_chart_plots_items_and_overall(tmp_path: Path) -> None:
    chart = charts.feedback_chart({"heard": [(day(2), 8.0), (day(9), 3.0)]},
                                  [(day(2), 8.5), (day(9), 4.5)], "feedback", tmp_path / "f.png",
                                  low_line=4.0)
    assert_phone_png(chart.path)
    assert charts.read_chart_data(chart.path) == {
        "overall": {"dates": ["2026-03-02T09:00", "2026-03-09T09:00"], "values": [8.5, 4.5]},
        "items": {"heard": [8.0, 3.0]}, "low_line": 4.0}


def test_group_chart_shows_each_member(tmp_path: Path) -> None:
    members = [MemberWeek("Lena", 0, 7, None, None), MemberWeek("Maria", 5, 7, 6.3, 8.0),
               MemberWeek("Omar", 0, 0, 0.5, 2.0)]
    chart = charts.group_chart(members, "group", tmp_path / "g.png")
    assert_phone_png(chart.path)
    assert [(m["name"], m["percent"], m["mood"]) for m in charts.read_chart_data(chart.path)["members"]] == [
        ("Lena", 0, None), ("Maria", 71, 6.3), ("Omar", 0, 0.5)]


def test_chart_files_live_under_the_data_dir_and_old_ones_are_pruned(tmp_path: Path) -> None:
    settings_ = SimpleNamespace(data_dir=tmp_path / "data")
    old = charts.chart_dir(settings_)
    old.mkdir(parents=True)
    stale = old / "p1-mood-old.png"
    stale.write_bytes(PNG_SIGNATURE)
    week_ago = time.time() - charts.CHART_RETENTION.total_seconds() - 60
    os.utime(stale, (week_ago, week_ago))
    fresh = old / "p1-mood-fresh.png"
    fresh.write_bytes(PNG_SIGNATURE)
    path = charts.new_chart_path(settings_, "../p1 x", "mood")
    assert path.parent == tmp_path / "data" / "charts"
    assert path.name.startswith("___p1_x-mood-") and path.suffix == ".png"
    assert not stale.exists() and fresh.exists()


# --- what a clinician sees: structure of the drawn figures ------------------------------------------

CONTENT = Path(__file__).resolve().parent.parent / "content" / "questionnaires"


def spec(name: str) -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load((CONTENT / f"{name}.yaml").read_text(encoding="utf-8")))


def drawn(chart: charts.Chart) -> Any:
    assert chart.figure is not None
    return chart.figure


def legend_texts(ax: Any) -> list[str]:
    legend = ax.get_legend()
    return [text.get_text() for text in legend.get_texts()] if legend is not None else []


def bands_drawn(ax: Any) -> list[tuple[float, float, str]]:
    """(lowest, highest score, colour) of each shaded band, bottom up, read off the figure."""
    from matplotlib.colors import to_hex

    out = []
    inverse = ax.transData.inverted()
    for patch in ax.patches:
        box = patch.get_window_extent()
        (_, low), (_, high) = inverse.transform([(box.x0, box.y0), (box.x1, box.y1)])
        out.append((round(float(low), 1), round(float(high), 1), to_hex(patch.get_facecolor())))
    return sorted(out)


def question_chart(name: str, points: list[tuple[datetime, float]], path: Path,
                   answers: list[dict[str, Any]] | None = None) -> charts.Chart:
    content = spec(name)
    marked, label = charts.item_marks(content, answers or [{} for _ in points])
    return charts.questionnaire_chart(
        points, name, path, thresholds=charts.score_thresholds(content), bands=charts.score_bands(content),
        max_score=charts.max_score(content), higher_is_better=charts.higher_is_better(content),
        marked=marked, mark_label=label)


def test_who5_bands_are_red_where_well_being_is_low_and_green_where_it_is_high(tmp_path: Path) -> None:
    chart = question_chart("who5", [(day(2), 24.0), (day(9), 60.0)], tmp_path / "w.png")
    (ax,) = drawn(chart).axes
    shaded = bands_drawn(ax)
    assert [colour for _, _, colour in shaded] == [charts.BAND_WORST, charts.BAND_SCALE[2], charts.BAND_BEST]
    assert shaded[1][:2] == (29.0, 51.0)  # "poor well-being" between its two cut-offs
    assert charts.higher_is_better(spec("who5")) is True
    band_names = [t.get_text().strip().replace("\n", " ") for t in ax.texts]
    assert band_names == ["likely depression", "poor well-being", "good well-being"]


def test_phq9_and_gad7_bands_stay_green_where_scores_are_low(tmp_path: Path) -> None:
    for name in ("phq9", "gad7"):
        assert charts.higher_is_better(spec(name)) is False
        (ax,) = drawn(question_chart(name, [(day(2), 3.0)], tmp_path / f"{name}.png")).axes
        shaded = bands_drawn(ax)
        assert shaded[0][2] == charts.BAND_BEST and shaded[-1][2] == charts.BAND_WORST


def test_who5_threshold_lines_differ_and_say_what_they_mean(tmp_path: Path) -> None:
    (ax,) = drawn(question_chart("who5", [(day(2), 24.0)], tmp_path / "w.png")).axes
    lines = {line.get_label(): line for line in ax.get_lines() if line.get_label().startswith("concern")}
    assert set(lines) == {"concern ≤ 28 (likely depression)", "concern ≤ 50 (poor well-being)"}
    severe, milder = lines["concern ≤ 28 (likely depression)"], lines["concern ≤ 50 (poor well-being)"]
    assert list(severe.get_ydata()) == [28, 28] and list(milder.get_ydata()) == [50, 50]
    assert severe.get_color() != milder.get_color() and severe.get_linestyle() != milder.get_linestyle()
    assert severe.get_color() == charts.THRESHOLD_STYLES[0][0]  # the most severe is the red one
    assert set(lines) <= set(legend_texts(ax))


def test_points_at_0_and_at_the_top_are_drawn_whole(tmp_path: Path) -> None:
    for chart in (question_chart("who5", [(day(2), 0.0), (day(9), 100.0)], tmp_path / "w.png"),
                  charts.mood_chart([(day(2), 0.0), (day(3), 10.0)], "m", tmp_path / "m.png"),
                  charts.feedback_chart({"heard": [(day(2), 0.0)]}, [(day(2), 10.0)], "f", tmp_path / "f.png")):
        (ax,) = drawn(chart).axes
        radius = charts.MARKER_SIZE / 2 * charts.CHART_DPI / 72
        top = max(max(line.get_ydata()) for line in ax.get_lines() if line.get_marker() not in ("None", None, ""))
        bottom_px = ax.transData.transform((0, 0))[1] - ax.bbox.y0
        top_px = ax.bbox.y1 - ax.transData.transform((0, top))[1]
        assert ax.get_ylim()[0] < 0
        assert bottom_px >= radius and top_px >= radius, chart.kind


def test_phq9_has_one_tick_per_date_and_same_day_scores_side_by_side(tmp_path: Path) -> None:
    points = [(day(2, 9), 12.0), (day(2, 18), 14.0), (day(3), 16.0)]
    (ax,) = drawn(question_chart("phq9", points, tmp_path / "p.png")).axes
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["02 Mar", "03 Mar"]
    [score] = [line for line in ax.get_lines() if line.get_label() == "Score"]
    xs = list(score.get_xdata())
    assert list(score.get_ydata()) == [12.0, 14.0, 16.0]
    assert xs[0] < xs[1] < xs[2] and xs[1] - xs[0] >= 0.2  # not on top of each other
    assert abs((xs[0] + xs[1]) / 2 - ax.get_xticks()[0]) < 1e-6  # around their date's tick


def test_date_ticks_never_repeat_or_crowd() -> None:
    days = [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 30)]
    assert charts.date_ticks(days) == [date(2026, 3, 1), date(2026, 3, 30)]
    daily = [date(2026, 3, 1) + (date(2026, 3, 2) - date(2026, 3, 1)) * n for n in range(84)]
    ticks = charts.date_ticks(daily)
    assert len(ticks) <= charts.MAX_DATE_TICKS + 1 and len(set(ticks)) == len(ticks)


def test_feedback_has_one_tick_per_date_no_hidden_points_and_one_overall(tmp_path: Path) -> None:
    items = {item: [(day(2, 18), 8.0), (day(9, 18), 5.0)] for item in ("heard", "mattered", "overall")}
    chart = charts.feedback_chart(items, [(day(2, 18), 8.0), (day(9, 18), 5.0)], "f", tmp_path / "f.png",
                                  low_line=4.0)
    (ax,) = drawn(chart).axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["02 Mar", "09 Mar"]
    texts = legend_texts(ax)
    assert len({t.casefold() for t in texts}) == len(texts)
    assert texts == ["Heard", "Mattered", "Overall", charts.MEAN_LABEL, "Low (≤ 4)"]
    first_points = [line.get_xdata()[0] for line in ax.get_lines() if line.get_marker() not in ("None", "")]
    assert len(first_points) == 4 and len(set(first_points)) == 4  # equal ratings, side by side
    [mean] = [line for line in ax.get_lines() if line.get_label() == charts.MEAN_LABEL]
    assert list(mean.get_ydata()) == [8.0, 5.0]


def test_phq9_item_9_above_0_is_marked(tmp_path: Path) -> None:
    points = [(day(2), 6.0), (day(9), 11.0), (day(16), 9.0)]
    answers: list[dict[str, Any]] = [{"q9": 0}, {"q9": 2}, {"q9": "0"}]
    chart = question_chart("phq9", points, tmp_path / "p.png", answers)
    (ax,) = drawn(chart).axes
    [ring] = [line for line in ax.get_lines() if line.get_label() == "item 9 > 0 (crisis)"]
    [score] = [line for line in ax.get_lines() if line.get_label() == "Score"]
    assert list(ring.get_ydata()) == [11.0] and list(ring.get_xdata()) == [score.get_xdata()[1]]
    assert "item 9 > 0 (crisis)" in legend_texts(ax)
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("item")] == ["item 9: 2"]
    assert chart.data["marked"] == [[1, "item 9: 2"]]
    clean = question_chart("phq9", points, tmp_path / "c.png", [{"q9": 0}] * 3)
    assert not [line for line in drawn(clean).axes[0].get_lines() if "item 9" in line.get_label()]


def test_mood_chart_has_the_low_mood_line_and_events(tmp_path: Path) -> None:
    import matplotlib.dates as mdates

    events = [(day(2, 18), "session"), (day(9, 18), "session"), (day(4, 10), "crisis"), (day(6, 8), "pause")]
    points = [(day(n), float(v)) for n, v in zip(range(2, 11), [7, 6, 2, 3, 5, 6, 6, 7, 8], strict=True)]
    chart = charts.mood_chart(points, "m", tmp_path / "m.png", events=events)
    (ax,) = drawn(chart).axes
    [low] = [line for line in ax.get_lines() if line.get_label() == "Low mood (≤ 3)"]
    assert list(low.get_ydata()) == [3, 3]
    vertical = {(float(line.get_xdata()[0]), line.get_color()) for line in ax.get_lines()
                if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2}
    assert vertical == {(float(mdates.date2num(at)), charts.EVENT_STYLES[kind][0]) for at, kind in events}
    texts = legend_texts(ax)
    assert texts.count("Group session") == 1 and "Crisis alert" in texts and "Pause" in texts
    assert chart.data["events"] == [["2026-03-02T18:00", "session"], ["2026-03-04T10:00", "crisis"],
                                    ["2026-03-06T08:00", "pause"], ["2026-03-09T18:00", "session"]]


def test_digest_chart_labels_are_never_under_a_marker(tmp_path: Path) -> None:
    members = [MemberWeek("Lena", 0, 7, None, 2.0), MemberWeek("Maria", 5, 7, 6.3, 8.0),
               MemberWeek("Omar", 0, 0, 0.5, 0.6), MemberWeek("Tom", 7, 7, 10.0, 9.5),
               MemberWeek("Ida", 7, 7, 1.0, None)]
    figure = drawn(charts.group_chart(members, "group", tmp_path / "g.png"))
    right = figure.axes[1]
    renderer = figure.canvas.get_renderer()
    [diamonds] = [line for line in right.get_lines() if line.get_label() == "Week before"]
    radius = charts.MARKER_SIZE / 2 * charts.CHART_DPI / 72
    marker_right = {round(float(y)): right.transData.transform((x, y))[0] + radius
                    for x, y in zip(diamonds.get_xdata(), diamonds.get_ydata(), strict=True)}
    bars = {round(bar.get_y() + bar.get_height() / 2): bar.get_window_extent().x1 for bar in right.patches}
    labels = {t.get_text(): t for t in right.texts}
    assert set(labels) == {"no answers", "6.3", "0.5", "10", "1"}
    for row, text in enumerate(("no answers", "6.3", "0.5", "10", "1")):
        left_edge = labels[text].get_window_extent(renderer).x0
        assert left_edge > marker_right.get(row, 0) and left_edge > bars[row], text
        assert labels[text].get_window_extent(renderer).x1 <= right.bbox.x1 + 1, text  # inside its panel


def test_charts_read_on_a_phone(tmp_path: Path) -> None:
    from matplotlib.text import Text

    drawings = [charts.mood_chart([(day(2), 5.0), (day(3), 6.0)], "m", tmp_path / "m.png",
                                  events=[(day(2, 18), "session")]),
                question_chart("phq9", [(day(2), 5.0)], tmp_path / "p.png", [{"q9": 1}]),
                charts.feedback_chart({"heard": [(day(2), 5.0)]}, [(day(2), 5.0)], "f", tmp_path / "f.png", low_line=4),
                charts.adherence_chart([WeekAdherence(1, date(2026, 3, 2), 7, 3, 1, 1)], "a", tmp_path / "a.png"),
                charts.group_chart([MemberWeek("Maria", 5, 7, 6.3, 8.0)], "g", tmp_path / "g.png")]
    for chart in drawings:
        figure = drawn(chart)
        width_px = figure.get_figwidth() * figure.dpi
        assert (width_px, figure.get_figheight() * figure.dpi) == (1200, 900)
        sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text().strip() and t.get_visible()]
        smallest_on_phone = min(sizes) * figure.dpi / 72 * charts.PHONE_WIDTH_PX / width_px
        assert smallest_on_phone >= 9, (chart.kind, min(sizes))
