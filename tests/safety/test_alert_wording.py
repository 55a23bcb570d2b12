"""What a clinician reads in an alert: why it was raised, in words, not the triage log."""

from __future__ import annotations

from typing import Any

from bot.safety.escalation import why


def test_triage_reasons_read_as_words() -> None:
    assert why(["rule: suicidal ideation ('kill myself')", "model: crisis 0.97"]) == \
        "suicidal ideation ('kill myself'); the triage model: crisis, 97% sure"
    assert why(["model: possible crisis 0.40, ask"]) == "the triage model: possible crisis, 40% sure"
    assert why(["rasa: crisis_suicidal (0.91)"]) == "the language model (Rasa): crisis_suicidal (0.91)"
    assert why([]) == "no reason recorded"


async def test_a_crisis_alert_says_why_without_log_prefixes(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": "i want to kill myself"}])
    [alert] = t.alerts("clinician:c1")
    assert "a crisis: suicidal ideation" in alert["text"]
    assert "rule:" not in alert["text"] and "crisis language" not in alert["text"]
