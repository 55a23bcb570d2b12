"""The triage evaluation: the rules alone must catch every crisis in the labelled set."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.safety import evaluate
from bot.safety.evaluate import DEFAULT_FILE, Example, load_examples, per_class, summarise
from bot.safety.rules import assess
from bot.safety.verdict import Verdict


def test_the_rules_alone_miss_no_crisis_and_stay_under_5_percent_false_alarms() -> None:
    examples = load_examples(DEFAULT_FILE)
    summary = summarise(examples, [assess(e.text) for e in examples])
    assert [e.text for e, _ in summary.crisis_missed] == []
    assert summary.false_alarm_rate < evaluate.MAX_FALSE_ALARM_RATE
    assert summary.everyday >= 100, "the set needs plenty of everyday messages to measure false alarms"


def test_main_reports_both_axes_and_passes_on_the_shipped_set() -> None:
    out = io.StringIO()
    assert evaluate.main([], out=out) == 0
    text = out.getvalue()
    assert "== safety rules alone" in text and "crisis missed: 0 of" in text
    for cls in ("crisis", "concern", "confrontation", "withdrawal"):
        assert f"  {cls} " in text
    assert text.rstrip().splitlines()[-1].startswith("PASS")


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "eval.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_missed_crisis_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"text": "the sky is lovely and blue", "risk": "crisis", "rupture": "none"},
        {"text": "yes", "risk": "none", "rupture": "none"},
    ])
    out = io.StringIO()
    assert evaluate.main(["--file", str(path)], out=out) == 1
    assert "'the sky is lovely and blue' -> none" in out.getvalue()
    assert "FAIL: 1 crisis missed" in out.getvalue()


def test_report_only_prints_the_figures_and_never_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"text": "the sky is lovely and blue", "risk": "crisis", "rupture": "none"}])
    out = io.StringIO()
    assert evaluate.main(["--file", str(path), "--report-only"], out=out) == 0
    assert "figures only, the gate would not pass: 1 crisis missed" in out.getvalue()
    assert "FAIL" not in out.getvalue()


def test_too_many_false_alarms_fail(tmp_path: Path) -> None:
    rows = [{"text": "yes", "risk": "none", "rupture": "none"}] * 18 + [
        {"text": "this is pointless", "risk": "none", "rupture": "none"}] * 2
    assert evaluate.main(["--file", str(_write(tmp_path, rows))], out=io.StringIO()) == 1


@pytest.mark.parametrize("line", ['{"text": "x"}', "not json", '{"text": "x", "risk": "bad", "rupture": "none"}'])
def test_a_malformed_file_names_the_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text('{"text": "ok", "risk": "none", "rupture": "none"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        load_examples(path)
    assert evaluate.main(["--file", str(path)], out=io.StringIO()) == 2


def test_an_unreachable_rasa_is_reported_not_judged(tmp_path: Path, dead_url: str) -> None:
    path = _write(tmp_path, [{"text": "yes", "risk": "none", "rupture": "none"}])
    assert evaluate.main(["--file", str(path), "--rasa-url", dead_url, "--timeout", "0.2"], out=io.StringIO()) == 2


def test_per_class_precision_and_recall() -> None:
    table = per_class(["crisis", "crisis", "none", "none"], ["crisis", "none", "crisis", "none"], ["crisis", "none"])
    assert table == {"crisis": (0.5, 0.5, 2), "none": (0.5, 0.5, 2)}


def test_false_alarms_count_any_flag_on_an_everyday_message() -> None:
    examples = [Example("a", "none", "none"), Example("b", "none", "none"), Example("c", "concern", "none")]
    verdicts = [Verdict(rupture="withdrawal"), Verdict(), Verdict(risk="concern")]
    summary = summarise(examples, verdicts)
    assert (len(summary.false_alarms), summary.everyday, summary.crisis_missed) == (1, 2, [])


def test_the_eval_set_is_labelled_with_known_levels_and_has_no_duplicates() -> None:
    examples = load_examples(DEFAULT_FILE)
    assert len({e.text for e in examples}) == len(examples)
    assert sum(e.risk == "crisis" for e in examples) >= 50
