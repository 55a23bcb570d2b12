"""The labelled sets feed Rasa's training; the held-out set never does."""

from __future__ import annotations

import yaml

from bot import PROJECT_ROOT
from bot.safety import training_data


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def training_examples() -> set[str]:
    examples: set[str] = set()
    for path in sorted((PROJECT_ROOT / "content" / "nlu" / "data").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                examples.add(normalised(line.strip().removeprefix("- ")))
    return examples


def test_the_training_file_is_in_step_with_the_labelled_sets() -> None:
    assert training_data.main(["--check"]) == 0


def test_no_held_out_message_is_trained_on() -> None:
    """Replies of a word or two ("fine", "ok") are everyone's: only longer messages count."""
    held_out = [row["text"] for row in training_data.rows(training_data.EVAL_DIR / training_data.HELD_OUT)]
    trained = training_examples()
    leaked = [text for text in held_out if len(text.split()) >= 3 and normalised(text) in trained]
    assert leaked == []
    assert training_data.HELD_OUT not in (*training_data.DEV_SETS, *training_data.TRAINING_SETS)


def test_the_sets_that_measure_rasa_are_not_its_training_sets() -> None:
    trained = {*training_data.DEV_SETS, *training_data.TRAINING_SETS}
    assert trained.isdisjoint(training_data.NOT_TRAINED)


def test_risk_comes_before_rupture_in_the_training_intent() -> None:
    assert training_data.intent_of({"risk": "crisis", "rupture": "withdrawal"}) == "crisis_other"
    assert training_data.intent_of({"risk": "concern", "rupture": "none"}) == "concern_other"
    assert training_data.intent_of({"risk": "none", "rupture": "confrontation"}) == "rupture_confrontation"
    assert training_data.intent_of({"risk": "none", "rupture": "none"}) == "everyday_other"


def test_examples_are_single_lines_without_entity_markup() -> None:
    assert training_data.example("call me\n[tomorrow](time)") == "call me (tomorrow)(time)"
