"""How the three triage bands do on a labelled set, per class and per language.

    python -m bot.safety.measure [--file F ...] [--rasa-url URL] [--gate] [--misses]

For each set: the safety rules alone, the rules with the model (as the bot runs without Rasa)
and, with --rasa-url, all three layers as the bot runs them. Printed per layer: precision and
recall per risk and rupture class, for all messages and per language; crises caught (a crisis
verdict or the safety question), and on everyday messages (labelled risk none and rupture none)
the share that would raise a crisis alert, a safety question, or any clinician alert. Beside
them, the targets (TARGETS) and whether they are met.

--gate: exit 1 when the last layer measured falls below GATE (a floor under what the shipped
model measured on the CI set, so a change that makes triage worse fails CI). bot.safety.evaluate
keeps the older gate of the rules alone on content/nlu/eval/triage_eval.jsonl.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import PROJECT_ROOT
from bot.progress import Progress
from bot.safety import rules
from bot.safety.model import TriageModel, load_or_none
from bot.safety.triage import Triage
from bot.safety.verdict import RISK_LEVELS, RUPTURE_KINDS, Verdict

EVAL_DIR = PROJECT_ROOT / "content" / "nlu" / "eval"
CI_SET = EVAL_DIR / "blind_eval_8.jsonl"
EVAL_TIMEOUT_S = 2.0
LANGUAGES = ("en", "de")

TARGETS = {
    "crisis caught": (">=", 0.97),
    "everyday crisis alerts": ("<=", 0.02),
    "everyday safety questions": ("<=", 0.06),
    "everyday any alert": ("<=", 0.05),
    "rupture recall": (">=", 0.60),
    "rupture precision": (">=", 0.70),
}
"""The targets of issue 18, measured on blind sets."""
GATE = {
    "crisis caught": (">=", 0.93),
    "crisis caught en": (">=", 0.93),
    "crisis caught de": (">=", 0.90),
    "everyday crisis alerts": ("<=", 0.06),
    "everyday safety questions": ("<=", 0.30),
    "everyday any alert": ("<=", 0.12),
    "rupture recall": (">=", 0.55),
    "rupture precision": (">=", 0.60),
}
"""CI's floor on CI_SET (frozen, blind; what the shipped model measured there is in README
"Triage": these sit a few points below, so noise passes and a real regression does not)."""


@dataclass(frozen=True)
class Labelled:
    text: str
    risk: str
    rupture: str
    lang: str
    hard_negative: bool | None = None
    """Sets from 2026-12-07 mark look-alikes (idioms, the past, other people): reported apart,
    because real traffic has far fewer of them than a set written to be hard."""
    kind: str | None = None
    """For a crisis in the sets from 2026-12-07: self, medical, abuse, others or substance."""


def load(path: Path) -> list[Labelled]:
    """The set's rows; raises ValueError naming the line that is malformed."""
    rows: list[Labelled] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            hard, kind = row.get("hard_negative"), row.get("kind")
            item = Labelled(str(row["text"]), str(row["risk"]), str(row["rupture"]), str(row.get("lang") or "en"),
                            bool(hard) if hard is not None else None, str(kind) if kind is not None else None)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: expected {{\"text\", \"risk\", \"rupture\"}} ({exc})") from None
        if item.risk not in RISK_LEVELS or item.rupture not in RUPTURE_KINDS:
            raise ValueError(f"{path}:{number}: risk must be one of {RISK_LEVELS}, rupture one of {RUPTURE_KINDS}")
        rows.append(item)
    return rows


def share(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def figures(rows: Sequence[Labelled], verdicts: Sequence[Verdict]) -> dict[str, float]:
    """The band figures TARGETS and GATE name."""
    pairs = list(zip(rows, verdicts, strict=True))
    out: dict[str, float] = {}
    for lang in (None, *LANGUAGES):
        crises = [v for r, v in pairs if r.risk == "crisis" and lang in (None, r.lang)]
        if crises or lang is None:
            name = "crisis caught" + (f" {lang}" if lang else "")
            out[name] = share(sum(1 for v in crises if v.risk == "crisis" or v.ask), len(crises))
    everyday = [v for r, v in pairs if r.risk == "none" and r.rupture == "none"]
    out["everyday crisis alerts"] = share(sum(1 for v in everyday if v.risk == "crisis"), len(everyday))
    out["everyday safety questions"] = share(sum(1 for v in everyday if v.ask), len(everyday))
    out["everyday any alert"] = share(
        sum(1 for v in everyday if v.risk != "none" or v.rupture != "none"), len(everyday))
    for name, hard in (("plain", False), ("look-alike", True)):
        group = [v for r, v in pairs if r.risk == "none" and r.rupture == "none" and r.hard_negative is hard]
        if group:
            out[f"everyday {name} questions/alerts"] = share(
                sum(1 for v in group if v.ask or v.risk != "none" or v.rupture != "none"), len(group))
    ruptures = [v for r, v in pairs if r.rupture != "none"]
    flagged = [r for r, v in pairs if v.rupture != "none"]
    out["rupture recall"] = share(sum(1 for v in ruptures if v.rupture != "none"), len(ruptures))
    out["rupture precision"] = share(sum(1 for r in flagged if r.rupture != "none"), len(flagged))
    return out


def meets(value: float, rule: tuple[str, float]) -> bool:
    op, limit = rule
    return value >= limit if op == ">=" else value <= limit


def table(rows: Sequence[Labelled], verdicts: Sequence[Verdict], axis: str, classes: Sequence[str],
          out: TextIO) -> None:
    """Precision / recall / n per class: all messages, then each language."""
    head = f"  {axis:<14}" + "".join(f" {'all' if lang is None else lang:>17}" for lang in (None, *LANGUAGES))
    print(head + "   (precision recall n)", file=out)
    for cls in classes:
        cells = []
        for lang in (None, *LANGUAGES):
            pairs = [(getattr(r, axis), getattr(v, axis)) for r, v in zip(rows, verdicts, strict=True)
                     if lang in (None, r.lang)]
            tp = sum(1 for t, p in pairs if t == cls and p == cls)
            flagged = sum(1 for _, p in pairs if p == cls)
            support = sum(1 for t, _ in pairs if t == cls)
            cells.append(f" {share(tp, flagged):5.2f} {share(tp, support):5.2f} {support:4d}")
        print(f"  {cls:<14}" + "".join(cells), file=out)


def report(name: str, rows: Sequence[Labelled], verdicts: Sequence[Verdict], out: TextIO,
           misses: bool) -> dict[str, float]:
    counts = ", ".join(f"{lang} {sum(1 for r in rows if r.lang == lang)}" for lang in LANGUAGES)
    print(f"\n== {name} ({len(rows)} messages: {counts})", file=out)
    table(rows, verdicts, "risk", ("crisis", "concern", "none"), out)
    table(rows, verdicts, "rupture", ("confrontation", "withdrawal", "none"), out)
    values = figures(rows, verdicts)
    for key, value in values.items():
        target = TARGETS.get(key)
        note = ""
        if target:
            note = f"   target {target[0]} {target[1]:.2f}: {'met' if meets(value, target) else 'NOT met'}"
        print(f"  {key:<28} {value:6.3f}{note}", file=out)
    if misses:
        for r, v in zip(rows, verdicts, strict=True):
            if r.risk == "crisis" and v.risk != "crisis" and not v.ask:
                print(f"    missed ({r.lang}): {r.text[:140]!r}", file=out)
            elif r.risk == "none" and r.rupture == "none" and v.risk == "crisis":
                print(f"    false crisis ({r.lang}): {r.text[:140]!r}", file=out)
    return values


async def _verdicts(rows: Sequence[Labelled], triage: Triage) -> list[Verdict]:
    progress = Progress("triaging", len(rows))
    verdicts = []
    for row in rows:
        verdicts.append(await triage.assess(row.text))
        progress.step()
    progress.done()
    return verdicts


def measure(path: Path, rasa_url: str | None, out: TextIO, misses: bool,
            load_model: Callable[[], TriageModel | None] = load_or_none) -> dict[str, float] | None:
    """Every layer on one set; the figures of the last (the fullest) layer, None if the model
    or Rasa was asked for and is not there."""
    rows = load(path)
    report(f"{path.name}: safety rules alone", rows, [rules.assess(r.text) for r in rows], out, False)
    model = load_model()
    if model is None:
        print("measure: the triage model could not be loaded", file=sys.stderr)
        return None
    triage = Triage(None, model=model)
    last = report(f"{path.name}: rules + model", rows, asyncio.run(_verdicts(rows, triage)), out, misses)
    if rasa_url:
        full = Triage(rasa_url, EVAL_TIMEOUT_S, model=model, adaptive=False)  # the whole timeout, always

        async def with_rasa() -> list[Verdict] | None:
            try:
                if not await full.probe():
                    return None
                return await _verdicts(rows, full)
            finally:
                await full.aclose()

        verdicts = asyncio.run(with_rasa())
        if verdicts is None:
            print(f"measure: Rasa at {rasa_url} is not reachable or has no model", file=sys.stderr)
            return None
        last = report(f"{path.name}: rules + model + Rasa (as the bot runs them)", rows, verdicts, out, misses)
    return last


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m bot.safety.measure", description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, action="append", help=f"labelled JSON lines (default: {CI_SET.name})")
    parser.add_argument("--rasa-url", help="also measure all three layers together")
    parser.add_argument("--gate", action="store_true", help="exit 1 when the last layer falls below GATE")
    parser.add_argument("--misses", action="store_true", help="list missed crises and false crisis alerts")
    args = parser.parse_args(argv)
    failed = False
    for path in args.file or [CI_SET]:
        try:
            values = measure(path, args.rasa_url, out, args.misses)
        except (OSError, ValueError) as exc:
            print(f"measure: {exc}", file=sys.stderr)
            return 2
        if values is None:
            return 2
        if args.gate:
            below = [f"{k} {values[k]:.3f} (floor {rule[0]} {rule[1]:.2f})"
                     for k, rule in GATE.items() if k in values and not meets(values[k], rule)]
            print(f"\n{'GATE FAILED: ' + '; '.join(below) if below else 'GATE PASSED'} ({path.name})", file=out)
            failed = failed or bool(below)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
