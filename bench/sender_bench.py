"""Sender benchmark: how many messages/s the outbox sender sustains while keeping the limits.

A backlog of outbox rows (several per chat) is sent to the Bot API emulator running as its own
process in "compliant" mode: it answers 429 to any send beyond 30/s overall or 1/s per chat,
and counts them. Printed: messages/s sustained, how long it took, and the 429 count (the goal
is zero). With --unlimited the limits are lifted in the sender (not the emulator's count): the
raw cost of sending, for comparison.

With --strangers N and --replies-every S: fairness while the backlog (a morning's check-ins)
drains. N people who are not enrolled each have a reply waiting, and every S seconds a patient
"does something" (a reply to them is queued). Printed per kind: how long rows waited between
being queued and being sent (p50, p95, max). The goal: replies within 1 s, strangers never in
the way of patients.

    python bench/sender_bench.py [--chats 300] [--per-chat 3] [--unlimited]
        [--strangers 0] [--replies-every 0]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.postgres import admin
from bot import PROJECT_ROOT, eventloop
from bot.clock import SystemClock

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FIRST_CHAT = 200_000
TOKEN = "123456:TEST-token_emulator"


REPLY_CHAT = 900_000
STRANGER_CHAT = 800_000


async def fill(db: object, chats: int, per_chat: int, strangers: int) -> int:
    """Patients and a backlog of rows, all due at once (inserted not-yet-due, then released)."""
    from sqlalchemy import update

    from bot.outbox import PRIORITY_SCHEDULED, PRIORITY_STRANGER
    from bot.storage.models import Outbox, Patient

    now = SystemClock().now()
    async with db.transaction() as session:  # type: ignore[attr-defined]
        for i in range(chats):
            chat = FIRST_CHAT + i
            session.add(Patient(id=f"tg{chat}", chat_key=f"tg:{chat}", name=f"P{i}", status="active",
                                crisis_open=False, blocked=False, enrolled_at=now, timezone="UTC",
                                checkin_time="09:00", locale="en"))
        await session.flush()
        for n in range(per_chat):
            for i in range(chats):
                session.add(Outbox(recipient=f"patient:tg{FIRST_CHAT + i}", kind="message",
                                   text=f"Good morning! Check-in {n}", buttons=[[{"label": "OK", "data": "d:1:1:0"}]],
                                   priority=PRIORITY_SCHEDULED, status="pending", attempts=0,
                                   next_attempt_at=now + timedelta(days=1), created_at=now))
        for i in range(strangers):
            session.add(Outbox(recipient=f"chat:tg:{STRANGER_CHAT + i}", kind="message", text="How to join",
                               buttons=[], priority=PRIORITY_STRANGER, status="pending", attempts=0,
                               next_attempt_at=now + timedelta(days=1), created_at=now))
    async with db.transaction() as session:  # type: ignore[attr-defined]
        now = SystemClock().now()
        await session.execute(update(Outbox).values(next_attempt_at=now, created_at=now))
    return chats * per_chat + strangers


async def reply_now(db: object, n: int) -> None:
    """A patient did something: the reply to them is queued (as the service would)."""
    from bot.outbox import PRIORITY_REPLY, message
    from bot.storage.models import Outbox, Patient

    chat, now = REPLY_CHAT + n, SystemClock().now()
    async with db.transaction() as session:  # type: ignore[attr-defined]
        session.add(Patient(id=f"tg{chat}", chat_key=f"tg:{chat}", name=f"R{n}", status="active",
                            crisis_open=False, blocked=False, enrolled_at=now, timezone="UTC",
                            checkin_time="09:00", locale="en"))
        session.add(Outbox(**message(f"patient:tg{chat}", "Here's what I can do", now, priority=PRIORITY_REPLY)))


def waits(rows: list[tuple[str, float]]) -> str:
    """p50, p95 and max of the waits, in seconds."""
    if not rows:
        return "none"
    values = sorted(w for _, w in rows)
    p50, p95 = (values[min(len(values) - 1, int(q * len(values)))] for q in (0.5, 0.95))
    return f"{len(values)} sent, waited p50 {p50:.2f} s, p95 {p95:.2f} s, max {values[-1]:.2f} s"


async def run(chats: int, per_chat: int, unlimited: bool, admin_url: str, strangers: int = 0,
              replies_every: float = 0.0) -> None:
    from sqlalchemy import func, select

    from bot.storage.db import Database
    from bot.storage.models import Outbox
    from bot.telegram.channel import build_application
    from bot.telegram.locking import WriteGuard
    from bot.telegram.sender import Sender, SenderOptions

    name = f"coachbot_bench_{uuid.uuid4().hex[:8]}"
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    emulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.emulator", *([] if unlimited else ["--enforce-limits"]), "--token", TOKEN,
        cwd=str(PROJECT_ROOT), stdout=asyncio.subprocess.PIPE)
    db = Database(f"{base}/{name}")
    try:
        assert emulator.stdout is not None
        port = int((await asyncio.wait_for(emulator.stdout.readline(), 30)).decode())
        control = f"http://127.0.0.1:{port}/_control"
        await db.migrate()
        total = await fill(db, chats, per_chat, strangers)
        options = SenderOptions(messages_per_second=0, chat_interval_s=0, margin_s=0) if unlimited else SenderOptions()
        application = build_application(TOKEN, f"http://127.0.0.1:{port}/bot")
        await application.initialize()
        sender = Sender(application.bot, db, SystemClock(), WriteGuard(db), options)
        started = time.monotonic()
        task = asyncio.create_task(sender.run())
        replies = 0
        next_reply = started + replies_every
        while True:
            if replies_every and time.monotonic() >= next_reply:
                await reply_now(db, replies)
                replies += 1
                total += 1
                next_reply += replies_every
            async with db.transaction() as session:
                left = await session.scalar(select(func.count()).where(Outbox.status == "pending"))
            if not left:
                break
            await asyncio.sleep(0.1 if replies_every else 0.2)
        elapsed = time.monotonic() - started
        await sender.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await application.shutdown()
        async with db.transaction() as session:
            first, last = (await session.execute(select(func.min(Outbox.sent_at), func.max(Outbox.sent_at)))).one()
            statuses = dict((await session.execute(
                select(Outbox.status, func.count()).group_by(Outbox.status))).all())
            sent = [(r.recipient, (r.sent_at - r.created_at).total_seconds()) for r in (await session.execute(
                select(Outbox.recipient, Outbox.created_at, Outbox.sent_at).where(Outbox.status == "sent"))).all()]
        async with httpx.AsyncClient() as client:
            stats = (await client.post(f"{control}/stats", content=json.dumps({}))).json()
        span = (last - first).total_seconds() if first and last else elapsed
        mode = "limits lifted in the sender" if unlimited else "Telegram limits (30/s overall, 1/s per chat)"
        print(f"sender: {total} messages to {chats} chats ({per_chat} each), {mode}, PostgreSQL")
        print(f"  {total / span:,.1f} messages/s sustained (first to last send {span:.1f} s; "
              f"{elapsed:.1f} s with start-up and marking)")
        what = "sends beyond the limits (counted, not refused)" if unlimited else "429s from the compliant emulator"
        print(f"  {what}: {sum(stats['violations'].values())} {stats['violations']}; "
              f"messages received {stats['sent']}; outbox {statuses}")
        if strangers or replies_every:
            def is_reply(recipient: str) -> bool:
                return recipient.startswith("patient:") and int(recipient.removeprefix("patient:tg")) >= REPLY_CHAT

            print(f"  replies to patients (one every {replies_every} s): "
                  f"{waits([s for s in sent if is_reply(s[0])])}")
            print(f"  replies to {strangers} strangers: {waits([s for s in sent if s[0].startswith('chat:')])}")
            print(f"  the backlog: {waits([s for s in sent if s[0].startswith('patient:') and not is_reply(s[0])])}")
    finally:
        await db.dispose()
        emulator.terminate()
        await emulator.wait()
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--per-chat", type=int, default=3)
    parser.add_argument("--unlimited", action="store_true", help="lift the limits in the sender")
    parser.add_argument("--strangers", type=int, default=0, help="replies to this many strangers waiting too")
    parser.add_argument("--replies-every", type=float, default=0.0, metavar="S",
                        help="queue a reply to a patient every S seconds while the backlog drains")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    eventloop.run(run(args.chats, args.per_chat, args.unlimited, args.admin_url, args.strangers, args.replies_every))


if __name__ == "__main__":
    main()
