"""Someone who is neither a patient nor a clinician: told how to join (a few times, not at
every message), and every attempt at more (a clinician's command, a forged button) is refused
and audited."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time
from bot.outbox import PRIORITY_CRISIS, PRIORITY_STRANGER
from bot.service import STRANGER_REPLIES, STRANGER_WINDOW, Inbound
from bot.storage.models import AuditEntry, Outbox


async def test_a_strangers_clinician_command_and_forged_press_are_audited(
    settings: Settings, database_url: str,
) -> None:
    bot = await build_service(settings, database_url, SimulatedClock(parse_time("2026-03-02T07:00:00Z")))
    try:
        await bot.receive(Inbound(chat_key="tg:999", text="/alerts"))
        reply = await bot.receive(Inbound(chat_key="tg:999", press="a:1:ack"))
        assert reply.callback_answer == "This button is no longer valid."
        async with bot.db.transaction() as session:
            entries = [(e.actor, e.action, e.detail) for e in await session.scalars(select(AuditEntry))]
    finally:
        await bot.close()
    assert ("tg:999", "refused", {"command": "/alerts", "reason": "not enrolled and not a clinician"}) in entries
    assert ("tg:999", "forged_button", {"data": "a:1:ack"}) in entries


async def test_a_flooding_stranger_gets_a_few_replies_and_a_crisis_always_gets_the_safety_response(
    settings: Settings, database_url: str,
) -> None:
    clock = SimulatedClock(parse_time("2026-03-02T07:00:00Z"))
    bot = await build_service(settings, database_url, clock)
    try:
        for n in range(STRANGER_REPLIES + 3):
            await bot.receive(Inbound(chat_key="tg:999", text=f"hello {n}"))
        await bot.receive(Inbound(chat_key="tg:999", text="/start WRONGCODE"))
        await bot.receive(Inbound(chat_key="tg:999", text="i'm going to kill myself tonight"))
        clock.advance(STRANGER_WINDOW)
        await bot.receive(Inbound(chat_key="tg:999", text="hello again"))
        async with bot.db.transaction() as session:
            rows = list(await session.scalars(select(Outbox).where(Outbox.recipient == "chat:tg:999")
                                              .order_by(Outbox.id)))
    finally:
        await bot.close()
    replies = [r for r in rows if r.priority == PRIORITY_STRANGER]
    crisis = [r for r in rows if r.priority == PRIORITY_CRISIS]
    assert len(replies) == STRANGER_REPLIES + 1  # the cap, then one more after the window
    assert len(crisis) == 1 and "emergency" in crisis[0].text.lower()
