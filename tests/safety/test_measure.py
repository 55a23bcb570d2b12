"""The band measures: what counts as caught, as an everyday alert, per language; the CI gate."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.safety import measure
from bot.safety.measure import Labelled, figures, load
from bot.safety.verdict import Verdict


def rows(*items: tuple[str, str, str]) -> list[Labelled]:
    return [Labelled(f"m{i}", risk, rupture, lang) for i, (risk, rupture, lang) in enumerate(items)]


def test_a_question_counts_as_a_crisis_caught_but_not_as_an_alert() -> None:
    labelled = rows(("crisis", "none", "en"), ("crisis", "none", "de"), ("none", "none", "en"), ("none", "none", "de"))
    verdicts = [Verdict(ask=True), Verdict(), Verdict(ask=True), Verdict(risk="concern")]
    values = figures(labelled, verdicts)
    assert (values["crisis caught"], values["crisis caught en"], values["crisis caught de"]) == (0.5, 1.0, 0.0)
    assert values["everyday safety questions"] == 0.5
    assert values["everyday any alert"] == 0.5
    assert values["everyday crisis alerts"] == 0.0


def test_rupture_precision_and_recall_count_either_kind() -> None:
    labelled = rows(("none", "withdrawal", "en"), ("none", "confrontation", "en"), ("none", "none", "en"))
    verdicts = [Verdict(rupture="confrontation"), Verdict(), Verdict(rupture="withdrawal")]
    values = figures(labelled, verdicts)
    assert (values["rupture recall"], values["rupture precision"]) == (0.5, 0.5)


def _write(tmp_path: Path, lines: list[dict[str, object]]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_malformed_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"text": "ok", "risk": "none", "rupture": "none"}\n{"text": "x", "risk": "maybe"}\n')
    with pytest.raises(ValueError, match=":2:"):
        load(path)
    assert measure.main(["--file", str(path)], out=io.StringIO()) == 2


def test_the_report_has_every_class_per_language_and_the_gate_fails_on_a_missed_crisis(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        {"text": "thanks!", "risk": "crisis", "rupture": "none", "lang": "en"},
        {"text": "ich gehe heute spazieren", "risk": "none", "rupture": "none", "lang": "de"},
    ])
    out = io.StringIO()
    assert measure.main(["--file", str(path), "--gate"], out=out) == 1
    text = out.getvalue()
    assert "== set.jsonl: safety rules alone" in text and "== set.jsonl: rules + model" in text
    for cls in ("crisis", "concern", "confrontation", "withdrawal"):
        assert f"  {cls} " in text
    assert "all" in text and " en" in text and " de" in text
    assert "GATE FAILED: crisis caught 0.000" in text
