"""The learned triage model as shipped: it loads from the package's weights, is in step with its
training data, never trains on a blind set, reads long messages whole, and turns scores and the
rules into the three bands as documented."""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.safety import question, rules, train_model
from bot.safety.model import (
    META_FILE,
    MODEL_DIR,
    WEIGHTS_FILE,
    WINDOW_WORDS,
    Scores,
    Thresholds,
    TriageModel,
    blend,
    char_features,
    hashed_features,
    shared_model,
    windows,
    word_features,
)
from bot.safety.triage import (
    RULES_CONFIRMED,
    Triage,
    decide,
    rasa_beside_the_model,
    run_triage_cli,
)
from bot.safety.verdict import Verdict, combine


@pytest.fixture(scope="module")
def model() -> TriageModel:
    loaded = shared_model()
    assert loaded is not None, "the shipped triage model must load (see the log)"
    return loaded


def test_the_model_is_in_step_with_its_training_data() -> None:
    assert train_model.main(["--check"]) == 0


def test_no_message_of_a_blind_set_is_trained_on() -> None:
    blind = {r.text.strip().lower() for r in train_model.labelled(train_model.NLU_DIR, train_model.BLIND_SETS)}
    trained = {r.text.strip().lower() for r in train_model.training_rows()}
    assert blind and not blind & trained


def test_risk_is_read_by_a_linear_head_and_a_network_together(model: TriageModel) -> None:
    assert model.risk_net is not None
    text = "gave my guitar to my nephew today, won't be needing it"
    dense, chars = model.features([text])
    linear = model.risk.probabilities(dense, chars)[0]
    net = model.risk_net.probabilities(dense)[0]
    assert model.score(text).crisis == pytest.approx(float(blend(linear, net)[2] + blend(linear, net)[3]), abs=1e-5)


def test_weights_saved_without_a_network_load_and_use_the_linear_head(model: TriageModel, tmp_path: Path) -> None:
    with np.load(MODEL_DIR / WEIGHTS_FILE) as arrays:
        np.savez(tmp_path / WEIGHTS_FILE, **{k: arrays[k] for k in arrays.files if "_net_" not in k})
    shutil.copy(MODEL_DIR / META_FILE, tmp_path / META_FILE)
    linear_only = TriageModel.load(tmp_path, embedder=model.embedder)
    assert linear_only.risk_net is None
    dense, chars = model.features(["ok"])
    p = model.risk.probabilities(dense, chars)[0]
    assert linear_only.score("ok").crisis == pytest.approx(float(p[2] + p[3]), abs=1e-5)


@pytest.mark.parametrize("text", [
    "i have the pills ready and i'm going to take them all tonight",
    "ich hab die tabletten schon gesammelt, heute nacht mach ich schluss",
    "meine linke hand ist taub und ich kann nicht mehr richtig sprechen",
])
async def test_plain_crises_are_caught_in_both_languages(model: TriageModel, text: str) -> None:
    verdict = await Triage(None, model=model).assess(text)
    assert verdict.risk == "crisis" or verdict.ask


@pytest.mark.parametrize("text", ["did my stretches this morning, knee feels better", "ja, alles erledigt, danke!"])
async def test_everyday_messages_raise_nothing(model: TriageModel, text: str) -> None:
    verdict = await Triage(None, model=model).assess(text)
    assert (verdict.risk, verdict.ask, verdict.rupture) == ("none", False, "none")


async def test_a_confrontation_is_seen(model: TriageModel) -> None:
    verdict = await Triage(None, model=model).assess("this programme is useless and you never listen to me")
    assert verdict.rupture == "confrontation"


async def test_a_crisis_after_character_4000_is_read(model: TriageModel) -> None:
    text = ("Did the walk, weather fine, knee a bit stiff, lunch with my sister. " * 60)[:4050]
    text += " Honestly I want to kill myself tonight."
    assert len(text) > 4000
    verdict = await Triage(None, model=model).assess(text)
    assert verdict.risk == "crisis" or verdict.ask


def test_long_text_is_read_in_overlapping_windows() -> None:
    words = [f"w{i}" for i in range(200)]
    pieces = windows(" ".join(words))
    assert len(pieces) > 1 and all(len(p.split()) <= WINDOW_WORDS for p in pieces)
    covered = {w for p in pieces for w in p.split()}
    assert covered == set(words)
    assert windows("short message") == ["short message"]


@given(st.text())
def test_hashed_features_never_fail_and_each_part_is_unit_length(text: str) -> None:
    for part in (char_features(text), word_features(text)):
        norm = math.sqrt(sum(v * v for v in part.values()))
        assert not part or abs(norm - 1.0) < 1e-6
    assert set(hashed_features(text)) == set(char_features(text)) | set(word_features(text))


def test_word_features_tell_whose_and_when() -> None:
    assert word_features("my sister had a stroke") != word_features("i had a stroke")
    assert set(word_features("Years ago")) == set(word_features("years ago!"))


T = Thresholds(crisis=0.9, ask=0.2, concern=0.8, rupture=0.7)


@pytest.mark.parametrize(("ruled", "scores", "risk", "ask"), [
    (Verdict(), Scores(crisis=0.95), "crisis", False),
    (Verdict(), Scores(crisis=0.5), "none", True),
    (Verdict(risk="crisis"), Scores(crisis=RULES_CONFIRMED), "crisis", False),
    (Verdict(risk="crisis"), Scores(crisis=0.01), "none", True),
    (Verdict(risk="concern"), Scores(concern=0.75), "concern", False),
    (Verdict(risk="concern"), Scores(concern=0.1), "none", False),
    (Verdict(), Scores(concern=0.85), "concern", False),
    (Verdict(), Scores(), "none", False),
])
def test_the_bands(ruled: Verdict, scores: Scores, risk: str, ask: bool) -> None:
    verdict = decide(ruled, scores, T)
    assert (verdict.risk, verdict.ask) == (risk, ask)


def test_a_rules_crisis_is_asked_about_when_the_message_or_its_crisis_sentences_reach_the_ask_threshold() -> None:
    below = T.ask / 2
    assert not decide(Verdict(risk="crisis"), Scores(crisis=below), T, rules_sentences=below).ask
    assert decide(Verdict(risk="crisis"), Scores(crisis=below), T, rules_sentences=T.ask).ask
    assert decide(Verdict(risk="crisis"), Scores(crisis=T.ask), T, rules_sentences=0.0).ask
    assert not decide(Verdict(), Scores(crisis=below), T, rules_sentences=1.0).ask  # no rules crisis


async def test_a_crisis_sentence_in_a_long_check_in_is_scored_alone(model: TriageModel) -> None:
    text = ("Did the walk, weather fine, knee a bit stiff, lunch with my sister. " * 60)[:4050]
    text += " Honestly I want to kill myself tonight."
    assert model.crisis_in_rules_sentences(text) >= model.thresholds.ask
    assert model.crisis_in_rules_sentences("Did the walk, knee a bit stiff.") == 0.0


def test_a_medical_emergency_is_marked_as_such() -> None:
    assert decide(Verdict(), Scores(crisis=0.95, medical=0.9), T).medical
    assert not decide(Verdict(), Scores(crisis=0.95, medical=0.1), T).medical
    assert not decide(Verdict(risk="crisis"), Scores(), T).medical  # a rules crisis the model missed
    assert decide(rules.assess("my left arm is numb and my speech is slurred"), Scores(crisis=0.95), T).medical


def test_ruptures_come_from_the_model_or_from_rules_it_half_agrees_with() -> None:
    assert decide(Verdict(), Scores(withdrawal=0.8), T).rupture == "withdrawal"
    assert decide(Verdict(rupture="confrontation"), Scores(confrontation=0.4), T).rupture == "confrontation"
    assert decide(Verdict(rupture="confrontation"), Scores(), T).rupture == "none"


@pytest.mark.parametrize(("text", "answer"), [
    ("yes", "yes"), ("Yes I am", "yes"), ("ja", "yes"), ("i need help", "yes"),
    ("not sure", "unsure"), ("yes maybe", "unsure"), ("weiß nicht", "unsure"), ("keine ahnung", "unsure"),
    ("no", "no"), ("Nope, I'm fine", "no"), ("nein", "no"), ("mir geht's gut", "no"), ("alles gut", "no"),
    ("no, but sometimes i think about it", None), ("not really", "unsure"),
    ("the weather is grey", None), ("", None),
])
def test_free_text_answers_to_the_safety_question(text: str, answer: str | None) -> None:
    assert question.read_answer(text) == answer


@given(st.text())
def test_reading_an_answer_never_fails(text: str) -> None:
    assert question.read_answer(text) in (*question.ANSWERS, None)


def test_the_triage_contract_adds_ask_and_keeps_every_key(model: TriageModel) -> None:
    out = io.StringIO()
    lines = ["i'm going to kill myself tonight", "", "did my exercises"]
    assert run_triage_cli(lines, out, None, 0.3, err=io.StringIO()) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 3
    for row in rows:
        assert set(row) >= {"text", "risk", "rupture", "reasons", "ask"}
        assert isinstance(row["ask"], bool)
    assert rows[0]["risk"] == "crisis" and rows[0]["ask"] is False
    assert rows[1] == {"text": "", "risk": "none", "rupture": "none", "reasons": [], "ask": False}


def test_beside_the_model_rasa_gives_intents_and_ruptures_not_risk() -> None:
    rasa = Verdict(risk="crisis", rupture="withdrawal", reasons=["rasa: crisis_suicidal (1.00)"], intent="affirm")
    verdict = combine(decide(Verdict(), Scores(), T), rasa_beside_the_model(rasa))
    assert (verdict.risk, verdict.ask, verdict.rupture, verdict.intent) == ("none", False, "withdrawal", "affirm")
