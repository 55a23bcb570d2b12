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


def triage_row(text: str, risk: str = "none") -> dict[str, str]:
    return {"text": text, "risk": risk, "rupture": "none"}


def test_an_everyday_mood_answer_trains_no_intent() -> None:
    """Its check-in intent is unlabelled; as everyday_other it taught Rasa to misread mood answers."""
    assert training_data.intent_of(triage_row("Long shift. Mood 5")) is None
    assert training_data.intent_of(triage_row("mir geht's gut, Stimmung passt")) is None
    assert training_data.intent_of(triage_row("where do I park for group?")) == "everyday_other"
    assert training_data.intent_of(triage_row("feeling low all week", risk="concern")) == "concern_other"
    assert training_data.intent_of({"text": "feeling low today", "intent": "mood_low"}) == "mood_low"


def test_no_everyday_triage_message_about_mood_is_trained_as_everyday_other() -> None:
    """everyday_other's texts naming a mood are only the intent set's own (labelled as such)."""
    labelled = {training_data.example(row["text"]) for name in training_data.INTENT_SETS
                for row in training_data.rows(training_data.TRAIN_DIR / name) if row["intent"] == "everyday_other"}
    trained = yaml.safe_load(training_data.render())["nlu"]
    everyday = next(item for item in trained if item["intent"] == "everyday_other")
    texts = [line.removeprefix("- ") for line in everyday["examples"].splitlines()]
    assert len(texts) > len(labelled)
    assert [text for text in texts if training_data.MOOD_ANSWER.search(text) and text not in labelled] == []


def test_examples_are_single_lines_without_entity_markup() -> None:
    assert training_data.example("call me\n[tomorrow](time)") == "call me (tomorrow)(time)"
