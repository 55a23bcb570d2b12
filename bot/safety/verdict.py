"""The result of triaging one message: what both triage layers agree on, highest wins."""

from __future__ import annotations

from dataclasses import dataclass, field

RISK_LEVELS = ("none", "concern", "crisis")
RUPTURE_KINDS = ("none", "withdrawal", "confrontation")


@dataclass(frozen=True)
class Verdict:
    risk: str = "none"  # crisis | concern | none
    rupture: str = "none"  # confrontation | withdrawal | none
    reasons: list[str] = field(default_factory=list)
    intent: str | None = None
    """Rasa's everyday intent (affirm, deny, mood_low, ...) for dialogues to branch on."""
    intent_confidence: float = 0.0
    ask: bool = False
    """A possible crisis: the bot asks the patient the direct safety question (then `risk` is
    what stands without it: concern or none)."""
    medical: bool = False
    """A crisis that is an acute medical emergency: the emergency number comes first."""

    def as_contract(self, text: str) -> dict[str, object]:
        """The `coachbot triage` JSON line: {"text", "risk", "rupture", "reasons", "ask"}."""
        return {"text": text, "risk": self.risk, "rupture": self.rupture, "reasons": self.reasons, "ask": self.ask}


def higher_risk(a: str, b: str) -> str:
    return a if RISK_LEVELS.index(a) >= RISK_LEVELS.index(b) else b


def combine(first: Verdict, second: Verdict) -> Verdict:
    """The higher risk wins; a rupture seen by either layer counts; reasons from both."""
    rupture = first.rupture if first.rupture != "none" else second.rupture
    return Verdict(
        risk=higher_risk(first.risk, second.risk),
        rupture=rupture,
        reasons=[*first.reasons, *[r for r in second.reasons if r not in first.reasons]],
        intent=first.intent or second.intent,
        intent_confidence=max(first.intent_confidence, second.intent_confidence),
        ask=(first.ask or second.ask) and higher_risk(first.risk, second.risk) != "crisis",
        medical=first.medical or second.medical,
    )
