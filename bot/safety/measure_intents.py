"""How Rasa reads the everyday intents dialogues branch on, per intent and per language.

    python -m bot.safety.measure_intents --rasa-url URL [--file F ...] [--misses]

Each file is JSON lines {"text", "lang", "intent"} (content/nlu/eval/intents_blind_*.jsonl,
written blind: content/nlu/PROVENANCE.md). Printed: accuracy, and precision and recall per
intent for all messages and per language. Why a set of its own: the triage sets label risk,
not the intent a check-in branches on ("I feel awful today" should be mood_low, not
concern_mood), and a wrong intent sends a patient down the wrong branch of a dialogue.
Figures, not a gate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import PROJECT_ROOT
from bot.errors import TriageUnavailable
from bot.safety.rasa import RasaClient

DEFAULT_FILE = PROJECT_ROOT / "content" / "nlu" / "eval" / "intents_blind_2.jsonl"
"""The measure (content/nlu/PROVENANCE.md); intents_blind_1.jsonl has become a development set."""
TIMEOUT_S = 10.0
"""Generous: figures must not depend on how busy the machine is."""
NO_ANSWER = "(no answer)"


@dataclass(frozen=True)
class IntentRow:
    text: str
    lang: str
    intent: str


def load(path: Path) -> list[IntentRow]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            rows.append(IntentRow(str(data["text"]), str(data.get("lang") or "en"), str(data["intent"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}:{number}: not a labelled intent row ({exc})") from None
    return rows


async def read_intents(rows: Sequence[IntentRow], rasa_url: str) -> list[str]:
    client = RasaClient(rasa_url, TIMEOUT_S, adaptive=False)
    try:
        out = []
        for row in rows:
            try:
                answer = await client.parse(row.text, timeout_s=TIMEOUT_S)
                out.append(str((answer.get("intent") or {}).get("name") or NO_ANSWER))
            except TriageUnavailable:
                out.append(NO_ANSWER)
        return out
    finally:
        await client.aclose()


def per_intent(rows: Sequence[IntentRow], read: Sequence[str]) -> dict[str, tuple[float, float, int]]:
    """intent -> (precision, recall, labelled count); an intent never predicted has precision 1."""
    out = {}
    for intent in sorted({r.intent for r in rows}):
        labelled = [i for i, r in enumerate(rows) if r.intent == intent]
        predicted = [i for i, name in enumerate(read) if name == intent]
        hits = sum(1 for i in labelled if read[i] == intent)
        out[intent] = (hits / len(predicted) if predicted else 1.0, hits / len(labelled), len(labelled))
    return out


def report(name: str, rows: Sequence[IntentRow], read: Sequence[str], out: TextIO, misses: bool) -> None:
    langs = sorted({r.lang for r in rows})
    groups = {"all": list(range(len(rows))), **{lang: [i for i, r in enumerate(rows) if r.lang == lang]
                                                for lang in langs}}
    tables = {key: per_intent([rows[i] for i in idx], [read[i] for i in idx]) for key, idx in groups.items()}
    accuracy = {key: sum(1 for i in idx if read[i] == rows[i].intent) / len(idx) for key, idx in groups.items() if idx}
    out.write(f"== {name}: Rasa's intents ({len(rows)} messages: "
              + ", ".join(f"{lang} {len(groups[lang])}" for lang in langs) + ")\n")
    out.write("  accuracy        " + "  ".join(f"{key} {value:.3f}" for key, value in accuracy.items()) + "\n")
    out.write(f"  {'intent':<16}" + "".join(f"{key:>18}" for key in groups) + "   (precision recall n)\n")
    for intent in tables["all"]:
        cells = []
        for key in groups:
            p, r, n = tables[key].get(intent, (1.0, 1.0, 0))
            cells.append(f"{p:6.2f}{r:6.2f}{n:6d}")
        out.write(f"  {intent:<16}" + "".join(cells) + "\n")
    if misses:
        for row, name_read in zip(rows, read, strict=True):
            if name_read != row.intent:
                out.write(f"    {row.intent} read as {name_read} ({row.lang}): {row.text[:120]!r}\n")
    out.write("\n")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.measure_intents", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-url", required=True)
    parser.add_argument("--file", type=Path, action="append",
                        help=f"labelled JSON lines (default: {DEFAULT_FILE.name})")
    parser.add_argument("--misses", action="store_true", help="list every message read as another intent")
    args = parser.parse_args(argv)
    out = out or sys.stdout
    for path in args.file or [DEFAULT_FILE]:
        rows = load(path)
        read = asyncio.run(read_intents(rows, args.rasa_url))
        report(path.name, rows, read, out, args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
