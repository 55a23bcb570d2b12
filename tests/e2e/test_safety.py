"""A crisis message through the real stack: safety response and clinician alert, even when the
database fails at that moment."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import StorageError
from bot.storage.models import Alert, AuditEntry, InboxUpdate, Outbox
from tests.e2e.conftest import CLINICIAN_CHAT, BotUnderTest, add_patients, database_outage
from tests.e2e.emulator import BotApiEmulator

SAFETY = "FIXTURE SAFETY RESPONSE"


async def test_crisis_gets_safety_response_and_alerts_clinician_in_one_update(
    bot: BotUnderTest, emulator: BotApiEmulator,
) -> None:
    await add_patients(bot.db, [42])
    update_id = emulator.user_sends(42, "I want to kill myself")
    await emulator.wait_for_text(42, SAFETY)
    alert = await emulator.wait_for_text(CLINICIAN_CHAT, "I want to kill myself")
    await bot.settled()
    rows = await bot.rows(Outbox)
    safety = [r for r in rows if SAFETY in r.text]
    alerts = [r for r in rows if r.recipient == "clinician:c1"]
    assert safety[0].priority == 0 and alerts[0].priority == 0
    # both come from the one transaction that handled the update
    assert safety[0].created_at == alerts[0].created_at
    [inbox] = await bot.rows(InboxUpdate, InboxUpdate.update_id == update_id)
    assert (inbox.status, inbox.attempts) == ("done", 1)
    # the clinician acknowledges with one tap
    emulator.user_presses(CLINICIAN_CHAT, "I'm on it", alert)
    await bot.settled()
    [case] = await bot.rows(Alert)
    assert case.status == "acknowledged" and case.acknowledged_by == "c1"
    steps = [(a.action, a.actor) for a in await bot.rows(AuditEntry, AuditEntry.alert_id == case.id)]
    assert ("delivered", "coachbot") in steps and ("acknowledged", "clinician:c1") in steps


async def test_crisis_while_database_fails_is_answered_directly_then_escalated(
    bot: BotUnderTest, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add_patients(bot.db, [42])
    assert bot.service is not None
    handle = bot.service._handle
    failures: list[int] = []

    async def database_down_once(*args: Any) -> Any:
        if not failures:
            failures.append(1)
            raise StorageError("database unavailable: simulated")
        return await handle(*args)

    monkeypatch.setattr(bot.service, "_handle", database_down_once)
    emulator.user_sends(42, "I want to end it all")
    first = await emulator.wait_for_text(42, SAFETY)
    assert first is emulator.sent[42][0]  # straight away, not through the outbox
    await emulator.wait_for_text(CLINICIAN_CHAT, "I want to end it all", within=20)
    await bot.settled(within=20)
    alerts = await bot.rows(Alert)
    assert len(alerts) == 1 and alerts[0].severity == "crisis"
    assert all(r.status == "done" for r in await bot.rows(InboxUpdate))
    assert sum(SAFETY in m.text for m in emulator.sent[42]) == 1  # not again once the database is back


async def test_crisis_while_the_whole_database_is_down_is_answered_before_it_can_be_stored(
    bot: BotUnderTest, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The inbox cannot even store the update, so Telegram keeps it; the safety response still
    goes out at once, and the alert follows exactly once when the database is back."""
    await add_patients(bot.db, [42])
    end_outage = database_outage(monkeypatch, bot.db)
    emulator.user_sends(42, "I want to end it all")
    await emulator.wait_for_text(42, SAFETY)
    assert emulator.queue, "not confirmed to Telegram: the update is still there"
    end_outage()
    await emulator.wait_for_text(CLINICIAN_CHAT, "I want to end it all", within=20)
    await bot.settled(within=20)
    assert len(await bot.rows(Alert)) == 1
    assert SAFETY in emulator.sent[42][0].text
    assert sum(SAFETY in m.text for m in emulator.sent[42]) == 1  # not again once the database is back
