"""Turn labelled message sets into Rasa training data (content/nlu/data/from_labelled_sets.yml).

Two kinds of set feed it. An evaluation set written blind first measures how triage does on
messages nobody tuned for; once it has served that way it may become training data
(DEV_SETS), where the measures show that it helps. Sets written only for training
(TRAINING_SETS, in content/nlu/train/) were never meant to measure anything. The held-out set
(HELD_OUT) never feeds training: it is the one honest measure left.

    python -m bot.safety.training_data          # rewrite the file
    python -m bot.safety.training_data --check  # exit 1 when the file is out of step (tests)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from bot import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "content" / "nlu"
EVAL_DIR = NLU_DIR / "eval"
TRAIN_DIR = NLU_DIR / "train"
OUTPUT = NLU_DIR / "data" / "from_labelled_sets.yml"
DEV_SETS = ("blind_eval.jsonl", "blind_eval_2.jsonl")
NOT_TRAINED = ("blind_eval_4.jsonl", "blind_eval_5.jsonl")
"""Written blind too, and kept out of Rasa's training: they are the measure of what Rasa
learns from TRAINING_SETS (the safety rules were developed on them, so for the rules they are
development sets). Measured (2026-12-02), training on them as well raised false alarms on the
gated set from 4.2% to 7.2% for one more crisis caught in the held-out 91."""
TRAINING_SETS = ("written_everyday.jsonl", "written_risk.jsonl")
"""Written for training by writers who saw none of the project: 600 everyday messages (half of
them hard negatives: idioms, negations, other people, recovery milestones) and 500 crisis and
concern messages in oblique, everyday wording. Measured on sets 4 and 5 (Rasa alone), they
raised crisis recall from 0.54 to 0.80 and false alarms on everyday messages from 3.5% to 10.6%."""
INTENT_SETS = ("intents_checkin_1.jsonl",)
"""Written for training, labelled with the everyday intent itself ({"text", "lang", "intent"}):
700 check-in answers, half German (mood_good, mood_okay, mood_low, concern_mood, pain,
exercise done or skipped, yes, no). Before them, Rasa read 19 % of the blind check-in set's
intents right (German 7 %): its mood intents had a few dozen English examples each."""
HELD_OUT = "blind_eval_3.jsonl"
INTENTS_HELD_OUT = ("intents_blind_1.jsonl", "intents_blind_2.jsonl")
"""The sets of check-in intents (bot.safety.measure_intents): never trained on. The first is a
development set since MOOD_ANSWER was chosen on its figures; the second, written blind after
it, is the measure."""
INTENTS = ("crisis_other", "concern_other", "concern_mood", "rupture_confrontation", "rupture_withdrawal",
           "everyday_other")
"""The order of the file's intents: the check-in's concern_mood beside triage's concern_other."""
MOOD_WORDS = (
    r"mood|moods|feel|feels|feeling|felt|happy|sad|low|down|awful|terrible|miserable|fed up|flat|grumpy"
    r"|cheerful|upbeat|stressed|anxious|worried|tired|exhausted|knackered|cry|crying|cried|lonely|hopeless"
    r"|motivation|(good|bad|great|rough) day|not great|doing (well|ok|okay|alright|fine|good|great)"
    r"|i'?m (good|great|fine|ok|okay|alright|well)|\d+\s*/\s*10|out of 10"
    r"|stimmung|traurig|müde|erschöpft|niedergeschlagen|einsam|(gut|schlecht) drauf")
MOOD_ANSWER = re.compile(rf"\b({MOOD_WORDS})\b", re.IGNORECASE)
"""Words of a mood answer. The triage sets label risk, not the check-in intent: an everyday
message about mood ("I'm shattered. Long shift. Mood 5, did the breathing in the car") is a mood
answer whose intent (good, okay or low) nobody labelled, so it trains no intent. As everyday_other
such messages taught Rasa to read English mood answers as everyday_other (issue 23; the German
answers had no such rivals). Measured (2026-12-07) on intents_blind_1, since then a development
set: English 0.57 -> 0.67, German 0.80 -> 0.81; Rasa's own false crisis alerts on blind_eval_12's
everyday messages 18 -> 21 of 290. Tried and left out: also dropping everyday messages about pain
or exercise, and training concerns about mood as concern_mood; each raised those alerts to 37-43."""


def intent_of(row: dict[str, str]) -> str | None:
    """The row's own intent where it has one; else risk first (a crisis that is also a
    withdrawal trains as crisis), then rupture; None for an everyday mood answer."""
    if row.get("intent"):
        return row["intent"]
    if row["risk"] in ("crisis", "concern"):
        return f"{row['risk']}_other"
    if row["rupture"] in ("confrontation", "withdrawal"):
        return f"rupture_{row['rupture']}"
    return None if MOOD_ANSWER.search(row.get("text", "")) else "everyday_other"


def example(text: str) -> str:
    """One line of a Rasa examples block: no line breaks, and no `[..](..)` entity markup."""
    return " ".join(text.split()).replace("[", "(").replace("]", ")")


def rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sources(eval_dir: Path = EVAL_DIR, train_dir: Path = TRAIN_DIR) -> list[Path]:
    return ([eval_dir / name for name in DEV_SETS] + [train_dir / name for name in TRAINING_SETS]
            + [train_dir / name for name in INTENT_SETS])


def render(eval_dir: Path = EVAL_DIR, train_dir: Path = TRAIN_DIR) -> str:
    """The training file; a message that also happens to be in a held-out set (blind writers
    meet on "What time is group on Thursday?") is left out, so those sets stay unseen."""
    grouped: dict[str, list[str]] = {name: [] for name in INTENTS}
    seen = {example(row["text"]).lower() for name in (HELD_OUT, *INTENTS_HELD_OUT) for row in rows(eval_dir / name)}
    for path in sources(eval_dir, train_dir):
        for row in rows(path):
            text, intent = example(row["text"]), intent_of(row)
            if text and intent and text.lower() not in seen:
                seen.add(text.lower())
                grouped.setdefault(intent, []).append(text)
    lines = [
        "# Labelled messages for Rasa: the development sets (content/nlu/eval/: " + ", ".join(DEV_SETS)
        + ")",
        "# and the sets written for training (content/nlu/train/: " + ", ".join(TRAINING_SETS + INTENT_SETS) + ").",
        f"# The held-out sets, {', '.join((HELD_OUT, *INTENTS_HELD_OUT))}, stay out of all training.",
        "# Generated by `python -m bot.safety.training_data`: do not edit by hand.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent, texts in grouped.items():
        if not texts:
            continue
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.training_data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the file is in step")
    args = parser.parse_args(argv)
    wanted = render()
    if args.check:
        if OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == wanted:
            return 0
        print(f"{OUTPUT} is out of step with the labelled sets: run python -m bot.safety.training_data",
              file=sys.stderr)
        return 1
    OUTPUT.write_text(wanted, encoding="utf-8")
    print(f"wrote {OUTPUT} from {', '.join(path.name for path in sources())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
