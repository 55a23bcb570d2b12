"""The shipped instruments score exactly as their published tables say, and raise the right flags.

PHQ-9: Kroenke et al. 2001 (5/10/15/20); GAD-7: Spitzer et al. 2006 (5/10/15);
WHO-5: raw ×4, ≤ 50 % poor well-being, ≤ 28 % likely depression (Topp et al. 2015).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import PROJECT_ROOT
from bot.content.bundle import build_bundle, collect_files
from bot.engine.scoring import ScoreResult, score_questionnaire

QUESTIONNAIRES = build_bundle(collect_files([PROJECT_ROOT / "content" / "questionnaires"])).questionnaires


def score(qid: str, values: Sequence[float]) -> ScoreResult:
    spec = QUESTIONNAIRES[qid]
    items = [str(item["id"]) for item in spec["items"]]
    assert len(values) == len(items)
    return score_questionnaire(spec, qid, {f"{qid}.{i}": v for i, v in zip(items, values, strict=True)})


def spread(total: int, count: int, top: int) -> list[int]:
    """Answers adding up to `total`, filled from the first item (so PHQ-9 item 9 stays 0)."""
    values = []
    for _ in range(count):
        value = min(top, total)
        values.append(value)
        total -= value
    assert total == 0
    return values


def flags(result: ScoreResult) -> list[tuple[str, str]]:
    return [(f.severity, f.reason) for f in result.flags]


# --- PHQ-9 -------------------------------------------------------------------------------------

def phq9_band(total: int) -> str:
    for low, band in ((20, "severe"), (15, "moderately severe"), (10, "moderate"), (5, "mild")):
        if total >= low:
            return band
    return "minimal"


@pytest.mark.parametrize(("total", "band"), [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "moderately severe"), (19, "moderately severe"), (20, "severe"), (24, "severe"),
])
def test_phq9_bands(total: int, band: str) -> None:
    result = score("phq9", spread(total, 9, 3))
    assert (result.score, result.band) == (total, band)


def test_phq9_concern_from_15_not_14() -> None:
    assert flags(score("phq9", spread(14, 9, 3))) == []
    assert flags(score("phq9", spread(15, 9, 3))) == [("concern", "PHQ-9 15: moderately severe depressive symptoms")]


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_any_answer_to_item_9_is_a_crisis(item9: int) -> None:
    result = score("phq9", [0] * 8 + [item9])
    assert flags(result) == [("crisis", "PHQ-9 item 9 (thoughts of self-harm)")]
    assert result.band == "minimal"


def test_phq9_maximum_raises_both_flags() -> None:
    result = score("phq9", [3] * 9)
    assert (result.score, result.band) == (27, "severe")
    assert [severity for severity, _ in flags(result)] == ["concern", "crisis"]


@given(st.lists(st.integers(min_value=0, max_value=3), min_size=9, max_size=9))
def test_phq9_is_the_sum_and_banded_by_the_published_table(values: list[int]) -> None:
    result = score("phq9", [float(v) for v in values])
    assert result.score == sum(values)
    assert result.band == phq9_band(sum(values))
    assert ("crisis" in [f.severity for f in result.flags]) == (values[8] > 0)


# --- GAD-7 -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("total", "band"), [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "severe"), (21, "severe"),
])
def test_gad7_bands(total: int, band: str) -> None:
    result = score("gad7", spread(total, 7, 3))
    assert (result.score, result.band) == (total, band)


def test_gad7_concern_from_15_not_14() -> None:
    assert flags(score("gad7", spread(14, 7, 3))) == []
    assert flags(score("gad7", spread(15, 7, 3))) == [("concern", "GAD-7 15: severe anxiety symptoms")]


# --- WHO-5 -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "percent", "band", "raised"), [
    (0, 0, "likely depression", ["WHO-5 0%: likely depression (≤ 28 %)"]),
    (7, 28, "likely depression", ["WHO-5 28%: likely depression (≤ 28 %)"]),
    (8, 32, "poor well-being", ["WHO-5 32%: poor well-being (≤ 50 %), screen for depression"]),
    (12, 48, "poor well-being", ["WHO-5 48%: poor well-being (≤ 50 %), screen for depression"]),
    (13, 52, "good well-being", []),
    (25, 100, "good well-being", []),
])
def test_who5_percent_bands_and_flags(raw: int, percent: int, band: str, raised: list[str]) -> None:
    result = score("who5", spread(raw, 5, 5))
    assert (result.event.raw, result.score, result.band) == (raw, percent, band)
    assert flags(result) == [("concern", reason) for reason in raised]


# --- session feedback ----------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "mean", "band", "rupture"), [
    ([10, 10, 10, 10], 10, "good", False),
    ([8, 8, 8, 8], 8, "good", False),
    ([8, 8, 7, 8], 7.75, "mixed", False),
    ([5, 5, 5, 5], 5, "mixed", False),
    ([5, 4, 5, 5], 4.75, "low", False),  # one low item alone: the digest shows it (bot.signals)
    ([4, 10, 10, 10], 8.5, "good", False),
    ([10, 10, 10, 0], 7.5, "mixed", False),
    ([3, 4, 3, 2], 3, "low", True),  # low all round: a rupture signal even the first time
    ([0, 0, 0, 0], 0, "low", True),
])
def test_session_feedback_mean_and_rupture(values: list[int], mean: float, band: str, rupture: bool) -> None:
    result = score("session_feedback", [float(v) for v in values])
    assert (result.score, result.band) == (mean, band)
    assert [f.severity for f in result.flags] == (["rupture"] if rupture else [])


def test_unanswered_items_are_left_out_not_counted_as_zero() -> None:
    spec: Any = QUESTIONNAIRES["session_feedback"]
    result = score_questionnaire(spec, "session_feedback",
                                 {"session_feedback.heard": 8, "session_feedback.overall": 6})
    assert result.score == 7
    assert result.event.answers == {"heard": 8, "overall": 6}
