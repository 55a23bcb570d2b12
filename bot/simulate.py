"""`coachbot simulate`: the whole bot on a simulated clock, with an in-memory channel.

The input and output formats are a contract used by scripts outside the project (see README,
"The simulator"). Keep them stable: add keys if needed, never rename or remove one.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.errors import CoachbotError, InputError
from bot.isotime import format_time, parse_duration, parse_time
from bot.progress import Progress
from bot.safety.escalation import audit_alert_deliveries
from bot.seed import apply_seed, check_seed
from bot.service import Coachbot, Inbound
from bot.storage.models import Outbox

EXIT_MALFORMED = 2
PERSON_KINDS = ("patient", "clinician")


class Simulator:
    def __init__(self, bot: Coachbot, clock: SimulatedClock, out: TextIO, err: TextIO) -> None:
        self.bot = bot
        self.clock = clock
        self.out = out
        self.err = err

    async def seed(self, seed: dict[str, Any]) -> None:
        async with self.bot.db.transaction() as session:
            await apply_seed(self.bot._work(session), seed)

    async def deliver(self) -> None:
        """Print every outbox row that is due, in order, and mark it sent."""
        async with self.bot.db.transaction() as session:
            rows = list(await session.scalars(
                select(Outbox).where(Outbox.status == "pending",
                                     Outbox.next_attempt_at <= self.clock.now())
                .order_by(Outbox.id)))
            for row in rows:
                self._print(row)
                row.status, row.sent_at, row.attempts = "sent", self.clock.now(), row.attempts + 1
            await audit_alert_deliveries(session, [row.id for row in rows], "delivered", self.clock.now())

    def _print(self, row: Outbox) -> None:
        to = row.recipient[5:] if row.recipient.startswith("chat:") else row.recipient
        line: dict[str, Any] = {
            "at": format_time(self.clock.now()), "to": to, "kind": row.kind, "text": row.text,
            "buttons": [[b["label"] for b in line] for line in row.buttons or []],
        }
        if row.kind == "photo":
            line["caption"], line["path"] = row.text, row.photo_path
        if row.kind == "alert":
            line["severity"], line["patient"] = row.severity, row.patient_id
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()

    async def advance(self, duration: str) -> None:
        target = self.clock.now() + parse_duration(duration)
        while True:
            due = [d for d in (await self.bot.next_due(), await self._next_deferred()) if d]
            upcoming = min(due) if due else None
            if upcoming is None or upcoming > target:
                break
            self.clock.set(upcoming)
            await self.bot.run_due_jobs(worker="simulator")
            await self.deliver()
        self.clock.set(target)
        await self.deliver()

    async def _next_deferred(self) -> datetime | None:
        async with self.bot.db.transaction() as session:
            return await session.scalar(
                select(Outbox.next_attempt_at).where(Outbox.status == "pending")
                .order_by(Outbox.next_attempt_at).limit(1))

    async def _newest_buttons(self, person: str) -> list[list[dict[str, str]]]:
        """The buttons of the newest message to `person` that has any (also after a restart)."""
        async with self.bot.db.transaction() as session:
            rows = await session.scalars(
                select(Outbox).where(Outbox.recipient.in_([person, f"chat:{person}"]),
                                     Outbox.status == "sent")
                .order_by(Outbox.id.desc()).limit(50))
            for row in rows:
                if row.buttons:
                    return list(row.buttons)
        return []

    async def act(self, person: str, text: str | None, press: str | None, number: int) -> None:
        kind, _, ident = person.partition(":")
        if kind not in PERSON_KINDS or not ident:
            raise InputError(f'"as" must be "patient:ID" or "clinician:ID", not {person!r}')
        data = None
        if press is not None:
            for line in await self._newest_buttons(person):
                for button in line:
                    if button["label"] == press:
                        data = button["data"]
            if data is None:
                self.err.write(f"line {number}: no button labelled {press!r} on the newest "
                               f"message with buttons to {person}; line skipped\n")
                self.err.flush()
                return
        reply = await self.bot.receive(Inbound(
            chat_key=person, text=text, press=data, new_id=ident, idempotency_key=f"sim:{number}"))
        for direct in reply.direct:
            self._print(Outbox(recipient=person, kind="message", text=direct, buttons=[]))
        await self.deliver()


def parse_line(raw: str, number: int) -> dict[str, Any] | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {number}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"line {number}: expected a JSON object")
    if "seed" in data:
        if number != 1 or not isinstance(data["seed"], dict):
            raise InputError(f"line {number}: a seed must be the first line and an object")
    elif "advance" in data:
        if not isinstance(data["advance"], str):
            raise InputError(f'line {number}: "advance" takes an ISO-8601 duration such as "PT26H"')
        parse_duration(data["advance"])
    elif "as" in data:
        if not isinstance(data["as"], str):
            raise InputError(f'line {number}: "as" must be a string')
        if not (isinstance(data.get("text"), str) or isinstance(data.get("press"), str)):
            raise InputError(f'line {number}: a line with "as" needs "text" or "press" (a string)')
    else:
        raise InputError(f'line {number}: expected "seed", "as" or "advance"')
    return data


async def simulate(
    lines: Iterable[str], settings: Settings, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
    database_url: str | None = None,
) -> int:
    """Run a scenario; returns the exit status (0, or 2 for a malformed line)."""
    iterator = iter(lines)
    first_raw = next(iterator, "")
    try:
        first = parse_line(first_raw, 1)
        if first and "seed" in first:
            check_seed(first["seed"])
    except (InputError, CoachbotError) as exc:
        message = str(exc)
        err.write((message if message.startswith("line ") else f"line 1: {message}") + "\n")
        return EXIT_MALFORMED
    start = datetime.now(UTC).replace(microsecond=0)
    if first and "seed" in first and first["seed"].get("start"):
        try:
            start = parse_time(str(first["seed"]["start"]))
        except InputError as exc:
            err.write(f"line 1: {exc}\n")
            return EXIT_MALFORMED
    with tempfile.TemporaryDirectory(prefix="coachbot-sim-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'simulate.sqlite3'}"
        clock = SimulatedClock(start)
        bot = await build_service(settings, url, clock, data_dir=Path(tmp))
        sim = Simulator(bot, clock, out, err)
        progress = Progress("simulating: input lines done", stream=err)
        try:
            number = 1
            pending = [first_raw]
            for raw in _chain(pending, iterator):
                try:
                    data = parse_line(raw, number)
                    if data is not None:
                        if "seed" in data:
                            await sim.seed(data["seed"])
                        elif "advance" in data:
                            await sim.advance(data["advance"])
                        else:
                            await sim.act(data["as"], data.get("text"), data.get("press"), number)
                except InputError as exc:
                    message = str(exc)
                    if not message.startswith("line "):
                        message = f"line {number}: {message}"
                    err.write(message + "\n")
                    err.flush()
                    return EXIT_MALFORMED
                number += 1
                progress.step()
        finally:
            progress.done()
            await bot.close()
    return 0


def _chain(first: list[str], rest: Iterable[str]) -> Iterable[str]:
    yield from first
    yield from rest
