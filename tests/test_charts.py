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
        assert image.size == (1000, 700)


def test_mood_chart_is_a_phone_sized_png_with_its_data(tmp_path: Path) -> None:
    points = [(day(2), 8.0), (day(3), 6.0), (day(4), 7.0), (day(5), 3.0)]
    chart = charts.mood_chart(points, "Maria: mood", tmp_path / "mood.png")
    assert_phone_png(chart.path)
    assert chart.data == {"dates": ["2026-03-02T09:00", "2026-03-03T09:00", "2026-03-04T09:00",
                                    "2026-03-05T09:00"],
                          "values": [8.0, 6.0, 7.0, 3.0], "average": [8.0, 7.0, 7.0, 6.0]}
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
        "thresholds": [[3.0, "concern ≥ 3"]], "bands": [[0.0, "low"], [3.0, "high"]], "max_score": 6.0}


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
