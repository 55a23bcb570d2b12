"""`coachbot chat`: the bot in a terminal, on the real clock and the local database.

A newcomer or content author can try a conversation in a minute, without Telegram. Type text,
or a button's number (or its label) to press it; /quit leaves.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from sqlalchemy import select

from bot.admin import new_code
from bot.app import build_service
from bot.clock import SystemClock
from bot.config import Settings
from bot.service import Coachbot, Inbound
from bot.storage.models import Group, Invite, Outbox, Patient

DEMO_GROUP = "demo"
TICK_SECONDS = 5.0


async def _enrol_if_new(bot: Coachbot, person: str) -> None:
    """A terminal patient joins a demo group the first time, like a real patient would."""
    async with bot.db.transaction() as session:
        known = await session.scalar(select(Patient.id).where(Patient.chat_key == person))
        if known is not None or not person.startswith("patient:"):
            return
        now = bot.clock.now()
        if await session.get(Group, DEMO_GROUP) is None:
            session.add(Group(id=DEMO_GROUP, name="Demo group", programme="default",
                              encouragement=False, created_at=now))
        code = new_code()
        session.add(Invite(code=code, role="patient", group_id=DEMO_GROUP, created_at=now,
                           expires_at=now + timedelta(hours=1), revoked=False))
    print(f"(joining the demo group with invite code {code})")
    await bot.receive(Inbound(chat_key=person, text=f"/start {code}", new_id=person.split(":", 1)[1]))


async def _show(bot: Coachbot, person: str, buttons: list[dict[str, str]]) -> None:
    async with bot.db.transaction() as session:
        rows = list(await session.scalars(
            select(Outbox).where(Outbox.status == "pending", Outbox.next_attempt_at <= bot.clock.now())
            .order_by(Outbox.priority, Outbox.id)))
        for row in rows:
            row.status, row.sent_at = "sent", bot.clock.now()
            if row.recipient not in (person, f"chat:{person}"):
                print(f"  [to {row.recipient}] {row.text.splitlines()[0][:100]}")
                continue
            print(f"\nbot: {row.text}")
            if row.buttons:
                buttons.clear()
                for line in row.buttons:
                    for button in line:
                        buttons.append(button)
                print("     " + "  ".join(f"[{i + 1}] {b['label']}" for i, b in enumerate(buttons)))


async def chat(settings: Settings, person: str) -> int:
    bot = await build_service(settings, None, SystemClock())
    buttons: list[dict[str, str]] = []
    print(f"coachbot chat as {person} — type a message, a button number, or /quit.")
    try:
        await _enrol_if_new(bot, person)
        await _show(bot, person, buttons)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            text = line.strip()
            press = None
            chosen = [b for b in buttons if b["label"].lower() == text.lower()]
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                chosen = [buttons[int(text) - 1]]
            if chosen:
                press, text = chosen[0]["data"], ""
            reply = await bot.receive(Inbound(chat_key=person, text=text or None, press=press,
                                              new_id=person.split(":", 1)[1]))
            for direct in reply.direct:
                print(f"\nbot: {direct}")
            if reply.callback_answer:
                print(f"  ({reply.callback_answer})")
            await bot.run_due_jobs(worker="chat")
            await _show(bot, person, buttons)
    finally:
        await bot.close()
    return 0


__all__ = ["TICK_SECONDS", "chat"]
