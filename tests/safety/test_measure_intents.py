"""bot.safety.measure_intents: Rasa's everyday intents per intent and language, from a labelled set."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.safety import measure_intents, training_data
from bot.safety.measure_intents import IntentRow, per_intent
from tests.safety.conftest import FakeRasa, parse_answer


def test_precision_and_recall_per_intent() -> None:
    rows = [IntentRow("a", "en", "mood_low"), IntentRow("b", "en", "mood_low"), IntentRow("c", "de", "mood_good")]
    table = per_intent(rows, ["mood_low", "mood_good", "mood_good"])
    assert table["mood_low"] == (1.0, 0.5, 2)
    assert table["mood_good"] == (0.5, 1.0, 1)


def test_the_report_reads_each_message_and_names_the_misses(fake_rasa: FakeRasa, tmp_path: Path) -> None:
    labelled = tmp_path / "intents.jsonl"
    labelled.write_text("\n".join(json.dumps(row) for row in [
        {"text": "I feel awful today", "lang": "en", "intent": "mood_low"},
        {"text": "mir gehts gut", "lang": "de", "intent": "mood_good"},
    ]) + "\n", encoding="utf-8")
    fake_rasa.answers["I feel awful today"] = parse_answer("concern_mood", 0.53)
    fake_rasa.answers["mir gehts gut"] = parse_answer("mood_good", 0.9)
    out = io.StringIO()
    assert measure_intents.main(["--rasa-url", fake_rasa.url, "--file", str(labelled), "--misses"], out) == 0
    text = out.getvalue()
    assert "accuracy        all 0.500  de 1.000  en 0.000" in text
    assert "mood_low read as concern_mood (en): 'I feel awful today'" in text


def test_a_malformed_row_names_its_line(tmp_path: Path) -> None:
    labelled = tmp_path / "bad.jsonl"
    labelled.write_text('{"text": "ok", "intent": "affirm"}\n{"text": "no intent"}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"bad\.jsonl:2"):
        measure_intents.load(labelled)


@pytest.mark.parametrize("name", training_data.INTENTS_HELD_OUT)
def test_the_intent_sets_are_never_trained_on(name: str) -> None:
    held_out = training_data.EVAL_DIR / name
    blind = {training_data.example(row.text).lower() for row in measure_intents.load(held_out)}
    trained = training_data.render().lower()
    assert blind and not any(f"    - {text}\n" in trained for text in blind)


def test_the_measure_is_a_held_out_set() -> None:
    assert measure_intents.DEFAULT_FILE.name in training_data.INTENTS_HELD_OUT
