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


# --- /alerts: one message, most urgent first, a button to open each, pages -------------------


def members(seed: dict[str, Any], count: int) -> list[str]:
    """`count` more patients in group g1 (p10, p11, ...), named Pat10, Pat11, ..."""
    ids = [f"p{10 + n}" for n in range(count)]
    seed["patients"].extend({"id": pid, "name": f"Pat{pid[1:]}", "group": "g1", "timezone": "UTC",
                             "checkin_time": "09:00", "locale": "en"} for pid in ids)
    return ids


def alerts_list(t: Any, person: str = "clinician:c1") -> list[dict[str, Any]]:
    return [m for m in t.to(person) if m["kind"] == "message" and m["text"].startswith("Open alerts")]


async def test_alerts_is_one_message_most_urgent_then_oldest_first(scenario: Any, seed: dict[str, Any]) -> None:
    seed["clinicians"][0]["timezone"] = "Europe/Berlin"
    [lena] = members(seed, 1)
    t = await scenario([
        {"seed": seed},
        {"as": f"patient:{lena}", "text": CONCERN},                                 # 07:00 concern
        {"advance": "PT1H"}, says("this is pointless, you don't listen"),          # 08:00 rupture
        {"advance": "PT1H"}, says("i want to kill myself"),                        # 09:00 crisis
        {"advance": "PT1H"}, {"as": "clinician:c1", "text": "/alerts"}])           # 10:00
    [listing] = alerts_list(t)
    lines = listing["text"].splitlines()
    assert lines[0] == "Open alerts: 3, most urgent first, then the longest waiting. Tap one to open it:"
    assert lines[1] == ("1. 🔴 URGENT Maria: a crisis: suicidal ideation ('kill myself') "
                        "— 1 h ago (Mon 02 Mar 10:00 CET)")
    assert lines[2].startswith("2. 🟠 Concern Pat10: a concern: hopelessness")
    assert lines[2].endswith("3 h ago (Mon 02 Mar 08:00 CET)")
    assert lines[3].startswith("3. 🟡 Rupture signal Maria: a rupture") and "2 h ago" in lines[3]
    assert listing["buttons"] == [["🔴 1. Maria"], ["🟠 2. Pat10"], ["🟡 3. Maria"]]


async def test_opening_an_alert_from_the_list_shows_it_whole_with_its_buttons(
    scenario: Any, seed: dict[str, Any],
) -> None:
    t = await scenario([
        {"seed": seed}, says(CONCERN), {"advance": "PT1H"},
        {"as": "clinician:c1", "text": "/alerts"}, {"as": "clinician:c1", "press": "🟠 1. Maria"},
        {"as": "clinician:c1", "press": "Resolved"},   # the opened alert's own buttons work
        {"as": "clinician:c1", "text": "/alerts"}])
    messages = [m for m in t.to("clinician:c1") if m["kind"] == "message"]
    opened = messages[1]
    assert opened["text"].startswith("🟠 Concern: Maria (group g1)\nAt Mon 02 Mar 07:00 UTC: a concern")
    assert f"They wrote: “{CONCERN}”" in opened["text"]
    assert opened["buttons"] == [["I'm on it", "Contacted", "Resolved"], ["Useful", "False alarm"]]
    assert messages[2]["text"].startswith("Resolved — recorded for Maria.")
    assert messages[3]["text"] == "No open alerts. 👍"
    assert [a["severity"] for a in t.alerts("clinician:c1")] == ["concern"]  # opening is no new alert


async def test_alerts_come_in_pages_with_more_and_previous(scenario: Any, seed: dict[str, Any]) -> None:
    from bot.clinicians import ALERTS_PER_PAGE

    ids = members(seed, ALERTS_PER_PAGE + 2)
    steps: list[dict[str, Any]] = [{"seed": seed}]
    for pid in ids:  # a concern from each, an hour apart: the oldest is Pat10
        steps += [{"as": f"patient:{pid}", "text": CONCERN}, {"advance": "PT1H"}]
    steps += [{"as": "clinician:c1", "text": "/alerts"}, {"as": "clinician:c1", "press": "More (2) ▶"},
              {"as": "clinician:c1", "press": "🟠 10. Pat19"}, {"as": "clinician:c1", "press": "I'm on it"},
              {"as": "clinician:c1", "text": "/alerts"}, {"as": "clinician:c1", "press": "More (2) ▶"},
              {"as": "clinician:c1", "press": "◀ Previous"}]
    t = await scenario(steps)
    assert t.errors == ""
    first, second, after_ack, second_again, first_again = alerts_list(t)
    total = ALERTS_PER_PAGE + 2
    assert first["text"].splitlines()[0].endswith("(page 1 of 2). Tap one to open it:")
    assert first["text"].startswith(f"Open alerts: {total},")
    assert [row[0] for row in first["buttons"][:-1]] == [f"🟠 {n + 1}. Pat{10 + n}" for n in range(ALERTS_PER_PAGE)]
    assert first["buttons"][-1] == ["More (2) ▶"]
    assert len(first["text"].splitlines()) == ALERTS_PER_PAGE + 1
    assert second["buttons"] == [["🟠 9. Pat18"], ["🟠 10. Pat19"], ["◀ Previous"]]
    assert second["text"].splitlines()[1].startswith("9. 🟠 Concern Pat18:")
    opened = [m for m in t.to("clinician:c1") if m["text"].startswith("🟠 Concern: Pat19 (group g1)")]
    assert len(opened) == 2  # the alert itself, and the press that opened it
    assert "[acknowledged]" not in after_ack["text"]
    assert second_again["text"].splitlines()[2].endswith("[acknowledged]")  # Pat19, still open
    assert first_again["text"] == after_ack["text"] and first_again["buttons"] == after_ack["buttons"]
    assert second_again["buttons"][-1] == ["◀ Previous"]


async def test_another_groups_alert_cannot_be_opened_or_acted_on_by_a_forged_press(
    settings: Any, database_url: str, seed: dict[str, Any],
) -> None:
    from sqlalchemy import select

    from bot.app import build_service
    from bot.clock import SimulatedClock
    from bot.isotime import parse_time
    from bot.seed import apply_seed
    from bot.service import Inbound
    from bot.storage.models import Alert, AuditEntry, Outbox

    bot = await build_service(settings, database_url, SimulatedClock(parse_time(seed["start"])))
    try:
        async with bot.db.transaction() as session:
            await apply_seed(bot._work(session), seed)
        await bot.receive(Inbound(chat_key="patient:p1", text=CONCERN))   # Maria, group g1
        async with bot.db.transaction() as session:
            [alert] = list(await session.scalars(select(Alert)))
        answers = [(await bot.receive(Inbound(chat_key="clinician:c3", press=data))).callback_answer
                   for data in (f"ao:{alert.id}", f"a:{alert.id}:resolved", "ao:99999", "ao:99999999999",
                                "ao:１", "al:x", "ao:1:2")]
        opened = await bot.receive(Inbound(chat_key="clinician:c1", press=f"ao:{alert.id}"))
        async with bot.db.transaction() as session:
            to_cy = list(await session.scalars(select(Outbox).where(Outbox.recipient == "clinician:c3")))
            to_ada = [o.text for o in await session.scalars(select(Outbox).where(Outbox.recipient == "clinician:c1"))]
            audit = [(e.actor, e.action) for e in await session.scalars(select(AuditEntry))]
            status = (await session.get(Alert, alert.id)).status  # type: ignore[union-attr]
    finally:
        await bot.close()
    assert answers == ["This button is no longer valid."] * 7
    assert to_cy == []  # nothing about Maria reaches the other group's clinician
    assert status == "open"
    assert audit.count(("clinician:c3", "refused")) == 3
    assert audit.count(("clinician:c3", "forged_button")) == 4
    assert opened.callback_answer is None
    assert any(text.startswith("🟠 Concern: Maria (group g1)") for text in to_ada)
    assert ("clinician:c1", "viewed_alert") in audit
