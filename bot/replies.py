"""What a short typed reply means when Rasa is not there: yes or no, in English and German.

Dialogues branch on the intents `affirm` and `deny` (Rasa's names). Without Rasa (not set up,
down, or its circuit open) a patient who types "nein" or "yes please" instead of pressing a
button would otherwise be asked again. Only a whole short reply counts: "no, but my knee hurts"
is left to the dialogue's other routes. The direct safety question reads its answers its own
way (bot.safety.question.read_answer: there doubt and "help" count as yes), so the two word
lists are kept apart on purpose.
"""

from __future__ import annotations

import re

AFFIRM = "affirm"
DENY = "deny"
MAX_WORDS = 4
"""Longer replies say more than yes or no."""

_YES = re.compile(
    r"(?:yes|yeah|yep|yup|ya|sure|ok|okay|k|of course|definitely|i agree|agreed|fine by me|"
    r"ja|jo|jap|jep|jawohl|klar|gerne?|passt|okay passt|einverstanden|genau|sicher|natürlich|"
    r"na klar|ja gerne?|ja bitte|yes please)(?: please| bitte| thanks| danke)?",
    re.IGNORECASE)
_NO = re.compile(
    r"(?:no|nope|nah|no thanks|no thank you|not now|i don't agree|i do not agree|"
    r"nein|nee|ne|nö|nein danke|lieber nicht|eher nicht|jetzt nicht|nicht jetzt)(?: thanks| danke)?",
    re.IGNORECASE)
_PUNCTUATION = re.compile(r"[\s.!?,;:…👍🙂😊]+")


def plain_intent(text: str) -> str | None:
    """`affirm` or `deny` for a whole short yes or no ("Ja!", "nope", "yes please"), else None."""
    words = _PUNCTUATION.sub(" ", text).strip()
    if not words or len(words.split()) > MAX_WORDS:
        return None
    if _YES.fullmatch(words):
        return AFFIRM
    if _NO.fullmatch(words):
        return DENY
    return None
