"""Alerts a busy clinician can trust: one unresolved alert per patient and kind (a new concern
or rupture signal is added to it with a one-line note, not a new alert; a crisis is always its
own), with times in the clinician's own zone."""

from __future__ import annotations

from typing import Any

CONCERN = "i feel hopeless about everything"
ANOTHER = "i haven't slept properly for a week and feel hopeless"


def says(text: str) -> dict[str, Any]:
    return {"as": "patient:p1", "text": text}


async def test_a_second_concern_folds_into_the_open_one(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, says(CONCERN), {"advance": "PT1H"}, says(ANOTHER)])
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["concern"]
    [note] = [m for m in t.to("clinician:c1") if m["kind"] != "alert"]
    assert "Maria, again (open alert, signal 2)" in note["text"] and ANOTHER in note["text"]


async def test_after_it_is_resolved_a_new_concern_is_a_new_alert(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, says(CONCERN), {"as": "clinician:c1", "press": "Resolved"},
                        {"advance": "PT1H"}, says(ANOTHER)])
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["concern", "concern"]


async def test_a_crisis_is_never_folded(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, says(CONCERN), says("i want to kill myself")])
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["concern", "crisis"]


async def test_a_pushed_alert_tells_the_time_in_the_clinicians_zone(scenario: Any, seed: dict[str, Any]) -> None:
    seed["clinicians"][0]["timezone"] = "Europe/Berlin"
    t = await scenario([{"seed": seed}, says(CONCERN)])
    [alert] = t.alerts("clinician:c1")
    assert "At Mon 02 Mar 08:00 CET:" in alert["text"]  # 07:00 UTC


def test_a_patient_still_joining_is_not_named_by_an_internal_id() -> None:
    from bot.storage.models import Patient

    assert Patient(id="tg7100002", name="").display_name == "a new patient who has not given a name yet (tg7100002)"
    assert Patient(id="p1", name="Maria").display_name == "Maria"
