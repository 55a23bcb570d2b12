"""How well triage does on the labelled messages in content/nlu/eval/triage_eval.jsonl.

    python -m bot.safety.evaluate [--rasa-url URL] [--file PATH] [--timeout S]

Prints precision and recall per class (risk: crisis/concern/none; rupture: confrontation/
withdrawal/none) for the safety rules alone and, with --rasa-url, for Rasa alone and for the
two layers combined as the bot runs them; then the missed crisis messages and the false alarm
rate on everyday messages (labelled risk none and rupture none, flagged with anything).

Exit status (judging the combined layers when --rasa-url is given, else the rules alone):
0 when every crisis is caught and false alarms stay under 5 %; 1 otherwise; 2 when Rasa was
asked for and is not reachable, or the file is malformed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import PROJECT_ROOT
from bot.errors import TriageUnavailable
from bot.safety import measure, rules
from bot.safety.rasa import verdict_from_parse
from bot.safety.triage import Triage
from bot.safety.verdict import RISK_LEVELS, RUPTURE_KINDS, Verdict

DEFAULT_FILE = PROJECT_ROOT / "content" / "nlu" / "eval" / "triage_eval.jsonl"
MAX_FALSE_ALARM_RATE = 0.05
EVAL_TIMEOUT_S = 2.0
"""Per-message Rasa timeout here: the evaluation measures the model, not the network budget."""
EXIT_OK, EXIT_FAILED, EXIT_UNAVAILABLE = 0, 1, 2


@dataclass(frozen=True)
class Example:
    text: str
    risk: str
    rupture: str


@dataclass
class Layer:
    name: str
    verdicts: list[Verdict]


def load_examples(path: Path) -> list[Example]:
    """The labelled lines; raises ValueError naming the line that is malformed."""
    return [Example(row.text, row.risk, row.rupture) for row in measure.load(path)]


@dataclass(frozen=True)
class Summary:
    crisis_missed: list[tuple[Example, Verdict]]
    false_alarms: list[tuple[Example, Verdict]]
    everyday: int

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.everyday if self.everyday else 0.0

    @property
    def passed(self) -> bool:
        return not self.crisis_missed and self.false_alarm_rate < MAX_FALSE_ALARM_RATE


def summarise(examples: Sequence[Example], verdicts: Sequence[Verdict]) -> Summary:
    missed = [(e, v) for e, v in zip(examples, verdicts, strict=True) if e.risk == "crisis" and v.risk != "crisis"]
    everyday = [(e, v) for e, v in zip(examples, verdicts, strict=True) if e.risk == "none" and e.rupture == "none"]
    alarms = [(e, v) for e, v in everyday if v.risk != "none" or v.rupture != "none"]
    return Summary(missed, alarms, len(everyday))


def per_class(
    truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str],
) -> dict[str, tuple[float, float, int]]:
    """class -> (precision, recall, support); an empty denominator counts as 1.0."""
    table: dict[str, tuple[float, float, int]] = {}
    for cls in classes:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == cls and p == cls)
        flagged = sum(1 for p in predicted if p == cls)
        support = sum(1 for t in truth if t == cls)
        table[cls] = (tp / flagged if flagged else 1.0, tp / support if support else 1.0, support)
    return table


def report(examples: Sequence[Example], layer: Layer, out: TextIO) -> Summary:
    print(f"\n== {layer.name} ({len(examples)} messages)", file=out)
    for axis, classes in (("risk", list(reversed(RISK_LEVELS))), ("rupture", list(reversed(RUPTURE_KINDS)))):
        truth = [getattr(e, axis) for e in examples]
        predicted = [getattr(v, axis) for v in layer.verdicts]
        print(f"  {axis:<14} {'precision':>9} {'recall':>7} {'n':>5}", file=out)
        for cls, (precision, recall, support) in per_class(truth, predicted, classes).items():
            print(f"  {cls:<14} {precision:9.3f} {recall:7.3f} {support:5d}", file=out)
    summary = summarise(examples, layer.verdicts)
    pairs = list(zip(examples, layer.verdicts, strict=True))
    crisis_alarms = sum(1 for e, v in pairs if v.risk == "crisis" and e.risk != "crisis")
    crises = sum(1 for e in examples if e.risk == "crisis")
    print(f"  crisis missed: {len(summary.crisis_missed)} of {crises}", file=out)
    for example, verdict in summary.crisis_missed:
        print(f"    - {example.text!r} -> {verdict.risk}; {'; '.join(verdict.reasons) or 'no reason'}", file=out)
    print(f"  false alarms on everyday messages: {len(summary.false_alarms)} of {summary.everyday} "
          f"({summary.false_alarm_rate:.1%}); crisis raised on non-crisis messages: {crisis_alarms}", file=out)
    for example, verdict in summary.false_alarms:
        print(f"    - {example.text!r} -> {verdict.risk}/{verdict.rupture}; {'; '.join(verdict.reasons)}", file=out)
    return summary


async def _rasa_layers(examples: Sequence[Example], url: str, timeout_s: float, out: TextIO,
                       ) -> tuple[Layer, Layer] | None:
    triage = Triage(url, timeout_s, adaptive=False)  # the whole timeout, always
    try:
        if not await triage.probe():
            return None
        assert triage.rasa is not None
        alone: list[Verdict] = []
        failures = 0
        for example in examples:
            try:
                alone.append(verdict_from_parse(await triage.rasa.parse(example.text)))
            except TriageUnavailable:
                failures += 1
                alone.append(Verdict(reasons=["rasa: unavailable"]))
        combined = [await triage.assess(example.text) for example in examples]
        if failures:
            print(f"note: Rasa failed on {failures} message(s); the rules decided those alone", file=out)
        return Layer("Rasa alone", alone), Layer("rules + Rasa (as the bot runs them)", combined)
    finally:
        await triage.aclose()


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m bot.safety.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-url", help="also evaluate Rasa and the combined layers (e.g. http://127.0.0.1:5005)")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="labelled JSON lines (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=EVAL_TIMEOUT_S, help="Rasa timeout per message, seconds")
    parser.add_argument("--report-only", action="store_true",
                        help="print the figures and exit 0 whatever they are (for held-out sets)")
    args = parser.parse_args(argv)
    try:
        examples = load_examples(args.file)
    except (OSError, ValueError) as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    rules_layer = Layer("safety rules alone", [rules.assess(e.text) for e in examples])
    judged = report(examples, rules_layer, out)
    if args.rasa_url:
        layers = asyncio.run(_rasa_layers(examples, args.rasa_url.rstrip("/"), args.timeout, out))
        if layers is None:
            print(f"evaluate: Rasa at {args.rasa_url} is not reachable or has no model", file=sys.stderr)
            return EXIT_UNAVAILABLE
        report(examples, layers[0], out)
        judged = report(examples, layers[1], out)
    verdict = "PASS" if judged.passed else "FAIL"
    if args.report_only:  # figures for a set nobody gates on: no alarming word in the CI log
        verdict = "figures only, the gate would " + ("pass" if judged.passed else "not pass")
    print(f"\n{verdict}: {len(judged.crisis_missed)} crisis missed, false alarms {judged.false_alarm_rate:.1%} "
          f"(limit {MAX_FALSE_ALARM_RATE:.0%})", file=out)
    return EXIT_OK if judged.passed or args.report_only else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
