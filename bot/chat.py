"""`coachbot chat`: the bot in a terminal, on the real clock and the local database.

A newcomer or content author can try a conversation in a minute, without Telegram. Type text,
or a button's label (or its number) to press it; /quit leaves. Messages that fall due (a
check-in, a reminder) appear while you wait; /next moves the clock to the next one (this
terminal's clock then runs ahead of the real one), to try a programme in minutes. The demo
group has a demo clinician, so alerts reach someone: `./coachbot chat --as clinician:demo`
shows that side.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from sqlalchemy import select

from bot.admin import new_code
from bot.app import build_service
from bot.clock import AheadClock
from bot.config import Settings
from bot.service import Coachbot, Inbound
from bot.storage.models import Clinician, Group, GroupClinician, Invite, Outbox, Patient

DEMO_GROUP = "demo"
DEMO_CLINICIAN = "demo"
TICK_SECONDS = 5.0
"""How often due jobs run and new messages are shown while the terminal waits for a line."""


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
            if await session.get(Clinician, DEMO_CLINICIAN) is None:
                session.add(Clinician(id=DEMO_CLINICIAN, name="Demo clinician", chat_key=f"clinician:{DEMO_CLINICIAN}",
                                      created_at=now))
            await session.flush()
            session.add(GroupClinician(group_id=DEMO_GROUP, clinician_id=DEMO_CLINICIAN))
        code = new_code()
        session.add(Invite(code=code, role="patient", group_id=DEMO_GROUP, created_at=now,
                           expires_at=now + timedelta(hours=1), revoked=False))
    print(f"(joining the demo group with invite code {code})")
    await bot.receive(Inbound(chat_key=person, text=f"/start {code}", new_id=person.split(":", 1)[1]))


async def _show(bot: Coachbot, person: str, buttons: list[dict[str, str]], glimpsed: set[int]) -> None:
    """Print this person's due messages (and mark them sent), and once each a glimpse of what
    went to someone else, left for their own terminal (`--as clinician:demo` in another one)."""
    async with bot.db.transaction() as session:
        rows = list(await session.scalars(
            select(Outbox).where(Outbox.status == "pending", Outbox.next_attempt_at <= bot.clock.now())
            .order_by(Outbox.priority, Outbox.id)))
        for row in rows:
            if row.recipient not in (person, f"chat:{person}"):
                if row.id not in glimpsed:
                    glimpsed.add(row.id)
                    print(f"  [to {row.recipient}] {row.text.splitlines()[0][:100]}")
                continue
            row.status, row.sent_at = "sent", bot.clock.now()
            print(f"\nbot: {row.text}")
            if row.buttons:
                buttons.clear()
                for line in row.buttons:
                    for button in line:
                        buttons.append(button)
                print("     " + "  ".join(f"[{i + 1}] {b['label']}" for i, b in enumerate(buttons)))


async def _next(bot: Coachbot, clock: AheadClock) -> None:
    due = await bot.next_due()
    if due is None:
        print("  (nothing is scheduled)")
        return
    clock.jump_to(due)
    print(f"  (the clock moves ahead to {clock.now():%a %H:%M} UTC, the next scheduled message)")
    await bot.run_due_jobs(worker="chat")


async def chat(settings: Settings, person: str) -> int:
    clock = AheadClock()
    bot = await build_service(settings, None, clock)
    buttons: list[dict[str, str]] = []
    glimpsed: set[int] = set()
    print(f"coachbot chat as {person} — type a message, a button's label or number, /next (skip to the "
          "next scheduled message) or /quit.")
    try:
        await _enrol_if_new(bot, person)
        await _show(bot, person, buttons, glimpsed)
        loop = asyncio.get_running_loop()
        reading = loop.run_in_executor(None, sys.stdin.readline)
        while True:
            done, _ = await asyncio.wait({reading}, timeout=TICK_SECONDS)
            if not done:  # nothing typed yet: what fell due meanwhile
                await bot.run_due_jobs(worker="chat")
                await _show(bot, person, buttons, glimpsed)
                continue
            line = reading.result()
            if not line or line.strip() in ("/quit", "/exit"):
                break
            reading = loop.run_in_executor(None, sys.stdin.readline)
            text = line.strip()
            if text == "/next":
                await _next(bot, clock)
                await _show(bot, person, buttons, glimpsed)
                continue
            press = None
            chosen = [b for b in buttons if b["label"].lower() == text.lower()]  # "7" on a 0-10 scale is 7
            if not chosen and text.isdigit() and 1 <= int(text) <= len(buttons):
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
            await _show(bot, person, buttons, glimpsed)
    finally:
        await bot.close()
    return 0


__all__ = ["TICK_SECONDS", "chat"]
