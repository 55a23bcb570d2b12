"""Someone who is neither a patient nor a clinician: told how to join, and every attempt at
more (a clinician's command, a forged button) is refused and audited."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time
from bot.service import Inbound
from bot.storage.models import AuditEntry


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
