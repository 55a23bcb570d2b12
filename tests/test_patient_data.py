"""/mydata and /delete: a patient's data is theirs to see and to erase; what the clinician's duty
of care needs (safety alerts, their audit trail) stays."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Alert, Answer, AuditEntry, Message, Outbox, Patient

CHECKIN_THEN_WORRY = [
    {"advance": "PT2H"},  # Maria's 09:00 Berlin check-in
    {"as": "patient:p1", "press": "Good"},
    {"as": "patient:p1", "text": "Slept well for once"},
    {"as": "patient:p1", "text": "I want to kill myself"},
]


async def rows(database_url: str, model: Any, *where: Any) -> list[Any]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return list(await session.scalars(select(model).where(*where)))
    finally:
        await db.dispose()


async def test_mydata_shows_what_is_stored(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, *CHECKIN_THEN_WORRY, {"as": "patient:p1", "text": "/mydata"}])
    export = t.texts("patient:p1")[-1]
    assert export.startswith("Everything stored about you:")
    assert "Name: Maria" in export and "Europe/Berlin" in export
    assert "Slept well for once" in export
    assert "Alerts your care team received about you (1):" in export and "crisis" in export
    assert "Last heard from you: 2026-" in export
    assert re.search(r"Last heard from you: \d{4}-\d\d-\d\d \d\d:00 \(kept to the hour\)", export)


async def test_delete_needs_confirmation_and_keeps_only_the_duty_of_care(
    scenario: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = await scenario([
        {"seed": seed}, *CHECKIN_THEN_WORRY,
        {"as": "patient:p1", "text": "/delete"},
        {"as": "patient:p1", "press": "No, keep it"},
        {"as": "patient:p1", "text": "/delete"},
        {"as": "patient:p1", "press": "Yes, erase my data"},
    ])
    maria = t.texts("patient:p1")
    assert maria.count("This erases your answers, messages and scores. Are you sure?") == 2
    assert "Nothing was erased. Your data stays as it was." in maria
    assert maria[-1].startswith("Your data has been erased.")
    assert await rows(database_url, Answer, Answer.patient_id == "p1") == []
    assert await rows(database_url, Message, Message.patient_id == "p1") == []
    [patient] = await rows(database_url, Patient, Patient.id == "p1")
    assert (patient.status, patient.name, patient.last_message_at) == ("deleted", "", None)
    [alert] = await rows(database_url, Alert, Alert.patient_id == "p1")
    assert alert.severity == "crisis", "the safety alert stays, for the clinician's duty of care"
    delivered = await rows(database_url, Outbox, Outbox.recipient == "patient:p1", Outbox.status == "sent")
    assert [r.text for r in delivered if "Maria" in r.text] == [], "what the bot told her is gone too"
    actions = [a.action for a in await rows(database_url, AuditEntry, AuditEntry.patient_id == "p1")]
    assert actions.count("erase_requested") == 2 and "erase_declined" in actions and "erased" in actions
    # the other patient's data is untouched
    assert await rows(database_url, Patient, Patient.id == "p2", Patient.status == "active")


async def test_an_old_erase_button_erases_nothing(scenario: Any, seed: dict[str, Any], database_url: str) -> None:
    t = await scenario([
        {"seed": seed}, *CHECKIN_THEN_WORRY[:3],
        {"as": "patient:p1", "text": "/delete"},
        {"advance": "PT2H"},  # the question has expired
        {"as": "patient:p1", "press": "Yes, erase my data"},
    ])
    assert not any(text.startswith("Your data has been erased") for text in t.texts("patient:p1"))
    assert await rows(database_url, Answer, Answer.patient_id == "p1")
    [patient] = await rows(database_url, Patient, Patient.id == "p1")
    assert patient.status == "active"


async def test_pause_takes_the_days_as_written(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([{"seed": seed}, {"as": "patient:p1", "text": "/pause 2 days"}, {"advance": "P4D"}])
    maria = t.to("patient:p1")
    assert "2 days" in maria[0]["text"]
    checkins = [line["at"] for line in maria if line["text"].startswith("Good morning Maria")]
    assert checkins[0] == "2026-03-04T08:00:00Z", "two days without prompts, then back"


async def test_unknown_commands_and_a_second_start_get_a_helpful_answer(scenario: Any, seed: dict[str, Any]) -> None:
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": "/frobnicate now"},
        {"as": "patient:p1", "text": "/start"},
    ])
    assert t.texts("patient:p1") == [
        "I don't know the command /frobnicate. /help shows what I can do.",
        "Welcome back, Maria! You're already part of the programme. /help shows what I can do.",
    ]


async def test_help_mydata_and_delete_speak_the_patients_language(
    shipped_settings: Any, database_url: str, seed: dict[str, Any],
) -> None:
    from tests.conftest import run_scenario

    seed["patients"][0]["locale"] = "de"
    t = await run_scenario(shipped_settings, [
        {"seed": seed}, {"as": "patient:p1", "text": "/help"}, {"as": "patient:p1", "text": "/mydata"},
        {"as": "patient:p1", "text": "/delete"},
    ], database_url)
    help_text, export, confirm = t.to("patient:p1")
    assert "/pause – Erinnerungen ein paar Tage pausieren" in help_text["text"]
    assert export["text"].startswith("Alles, was über Sie gespeichert ist:")
    assert "Antworten (0):" in export["text"] and "Zuletzt von Ihnen gehört: 2026-" in export["text"]
    assert confirm["buttons"] == [["Ja, meine Daten löschen", "Nein, behalten"]]
