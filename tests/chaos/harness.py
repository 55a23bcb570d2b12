"""The chaos run, shared by the pytest suite (tests/chaos/test_chaos.py, a short run) and the
benchmark (bench/chaos.py, the full run): the real bot (production TelegramChannel, webhook
mode) against the Bot API emulator, on SQLite or PostgreSQL, through four phases:

1. fuzz: random and malformed updates (patients, strangers, groups, unknown kinds, NUL, lone
   surrogates, huge texts, deep nesting, broken JSON) posted to the webhook door, while probe
   patients talk to the bot and time their replies;
2. Bot API faults: 429 with retry_after, 500, 502, hangs past the HTTP timeout and dropped
   connections while patients write;
3. kill -9 while a backlog is being sent (`BotUnderTest.crash`, with one request hanging after
   Telegram delivered it: the worst case), then a restart;
4. a database outage (`tests.e2e.conftest.database_outage`: every way into the database fails)
   while updates arrive; Telegram's retries of the 503s are played by the poster.

Every figure is read from the real state at the end: the inbox and outbox tables and what the
emulator received. Nothing here asserts; `Figures.problems` says which invariant broke.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.storage.db import Database
from bot.storage.models import InboxUpdate, Outbox
from bot.telegram.channel import ChannelOptions, WebhookConfig
from bot.telegram.limits import MAX_MESSAGE_CHARS
from bot.telegram.sender import CLAIM_LEASE_S, split_text
from bot.telegram.webhook import SECRET_HEADER
from tests.e2e.conftest import CLINICIAN_CHAT, FAST, BotUnderTest, add_invites, add_patients, database_outage
from tests.e2e.emulator import BotApiEmulator, Sent
from tests.e2e.test_webhook import SECRET, webhook_config

MARK = "qzxjvk"
"""In every text the fuzz sends: no log line may carry it."""
FORGED = "fgdkey"
"""A chat id the fuzz forges as a string (Telegram's are integers); counted apart from texts."""
JOIN = "To join"
"""In the fixture project's reply to someone not enrolled (at most 3 in 10 minutes)."""
PATIENTS = list(range(10_000, 10_040))
"""Enrolled patients whose chats the fuzz writes into."""
PROBES = list(range(11_000, 11_008))
"""Enrolled patients who only talk normally, one message at a time: their replies are timed."""
FIRST_STRANGER = 20_000
FIRST_UPDATE_ID = 5_000_000
WORDS = ["walk", "stretch", "tea", "garden", "music", "bread", "window", "river", "book", "chair",
         "morning", "blue", "slowly", "knee", "shoulder", "breath", "sun", "rain", "ok", "fine"]
"""Harmless words: the fuzz tests the doors, not triage (a crisis text is answered outside the
outbox, which the duplicate count would not see)."""

CHAOS = replace(FAST, sender=replace(FAST.sender, messages_per_second=0, lease_s=CLAIM_LEASE_S))
"""Test timings (FAST), the production lease, no overall rate limit (the fuzz's replies would
otherwise drain at 30/s)."""
HANG_S = 1.5
"""A hung Bot API request answers after this long, past FAST's 1 s HTTP timeout."""
KILL = replace(CHAOS, sender=replace(CHAOS.sender, messages_per_second=60),
               http=replace(CHAOS.http, timeout_s=60.0))
"""The kill phase: a backlog that drains at 60/s, and a request that hangs is waited for (as
with production's 10 s timeout), so that the crash finds it in flight."""


@dataclass
class Figures:
    """What one run measured, on one database."""

    database: str
    updates: int = 0
    """Updates the bot acknowledged (200) that it must store and handle."""
    refused: int = 0
    """Malformed requests acknowledged and refused on purpose (never storable)."""
    replies: int = 0
    """Messages Telegram (the emulator) received from the bot, duplicates not counted."""
    lost: int = 0
    """Acknowledged updates with no inbox row, or a row never handled."""
    failed_updates: int = 0
    """Inbox rows set aside as `failed` (unreadable updates): handled, not lost."""
    lost_replies: int = 0
    """Outbox parts marked sent (or partly sent) that Telegram never received."""
    unsent: int = 0
    """Outbox rows still pending at the end, or failed though their chat exists (`blocked`, and
    `failed` for a recipient with no Telegram chat, are legitimate ends)."""
    duplicated: int = 0
    duplicates_per_kill: list[int] = field(default_factory=list)
    held_after_restart_s: list[float] = field(default_factory=list)
    """Per kill: how long after the crash the last of the crashed rows became due again (its
    lease, from the outbox rows as the crash left them)."""
    waited_after_restart_s: list[float] = field(default_factory=list)
    """Per kill, observed: from the restart to the next message in the slowest crashed chat."""
    fuzz_5xx: int = 0
    outage_5xx: int = 0
    """503s during the database outage (the right answer: Telegram delivers again)."""
    faults_injected: Counter[str] = field(default_factory=Counter)
    probe_replies: int = 0
    probe_messages: int = 0
    probe_max_s: float = 0.0
    probe_p50_s: float = 0.0
    probe_p95_s: float = 0.0
    stranger_max_replies: int = 0
    """The most "how to join" replies one stranger got (at most 3 in 10 minutes)."""
    text_in_logs: int = 0
    forged_in_logs: int = 0
    """Log lines carrying a forged (string) chat id: what a malformed update said, in the logs."""
    tracebacks: int = 0
    log_records: int = 0
    leaks: list[str] = field(default_factory=list)
    """The log lines that carried message text or a traceback (for the report)."""
    seconds: float = 0.0

    @property
    def kills(self) -> int:
        return len(self.duplicates_per_kill)

    def summary(self) -> str:
        held = max(self.held_after_restart_s, default=0.0)
        waited = max(self.waited_after_restart_s, default=0.0)
        return (f"chaos ({self.database}): updates {self.updates}, replies {self.replies}, lost {self.lost}, "
                f"duplicated {self.duplicated} ({self.kills} kills, per kill {self.duplicates_per_kill}), "
                f"max held after restart {held:.1f} s (observed wait {waited:.1f} s), "
                f"5xx on fuzz {self.fuzz_5xx}, text in logs {self.text_in_logs}\n"
                f"  also: refused {self.refused}, failed updates {self.failed_updates}, lost replies "
                f"{self.lost_replies}, unsent {self.unsent}, tracebacks {self.tracebacks} "
                f"(of {self.log_records} log records), 503 during outage {self.outage_5xx}, "
                f"faults {dict(self.faults_injected)}, probes {self.probe_replies}/{self.probe_messages} "
                f"replied (p50 {self.probe_p50_s:.2f} s, p95 {self.probe_p95_s:.2f} s, "
                f"max {self.probe_max_s:.2f} s), forged chat ids "
                f"in logs {self.forged_in_logs}, most join replies to one stranger "
                f"{self.stranger_max_replies}, {self.seconds:.0f} s")

    def problems(self) -> list[str]:
        """The invariants of the issue (and the README's promises), broken ones named."""
        checks = {
            "an acknowledged update was lost": self.lost == 0,
            "a reply marked sent never arrived": self.lost_replies == 0,
            "an outbox row did not end sent": self.unsent == 0,
            "more than one duplicate per kill": all(d <= 1 for d in self.duplicates_per_kill),
            "a chat held longer than 5 s after a restart": all(h <= 5.0 for h in self.held_after_restart_s),
            "a 5xx on fuzz": self.fuzz_5xx == 0,
            "message text in the logs": self.text_in_logs == 0,
            "a traceback in the logs": self.tracebacks == 0,
            "a probe patient missed a reply": self.probe_replies == self.probe_messages > 0,
            "a stranger was told more than 3 times": self.stranger_max_replies <= 3,
        }
        return [name for name, ok in checks.items() if not ok]


# --- logs ------------------------------------------------------------------------------------

class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.tracebacks = 0
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a record that cannot be formatted still counts
            line = f"{record.name} {record.msg!r} {record.args!r}"
        self.lines.append(line)
        if record.exc_info or "Traceback" in line:
            self.tracebacks += 1


@contextmanager
def captured_logs() -> Iterator[_Collect]:
    """Every record at the level `coachbot run` logs (INFO), and the bot's own at DEBUG too."""
    handler = _Collect()
    root, ours = logging.getLogger(), logging.getLogger("bot")
    levels = root.level, ours.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        ours.setLevel(levels[1])


# --- the fuzz --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """One webhook request: its body, and the update_id the bot must store (None: refused)."""

    body: bytes
    update_id: int | None


class Fuzz:
    """Random updates, with a fixed seed: most are well formed, many are not."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_id = FIRST_UPDATE_ID
        self.message_id = 1
        self.stored: list[dict[str, Any]] = []

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def text(self) -> str:
        rng = self.rng
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 8))]
        words.insert(rng.randrange(len(words) + 1), MARK)
        text = " ".join(words)
        roll = rng.random()
        if roll < 0.05:
            text += "\x00" + MARK  # NUL: PostgreSQL's text cannot hold it
        elif roll < 0.10:
            text += " \ud800 " + MARK + " \udfff"  # lone surrogates: JSON can carry them, UTF-8 not
        elif roll < 0.13:
            text = (text + " ") * rng.randint(500, 3000)  # over the 4096 of a Telegram message
        elif roll < 0.18:
            text += " " + "".join(rng.choice("🙂ß漢字ёЖ\u200b\u202e\t\n") for _ in range(20))
        elif roll < 0.22:
            text = "/" + rng.choice(["help", "start", "stop", "pause", "checkin", "x" * 40]) + " " + text
        return text

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        self.message_id += 1
        chat = ({"id": chat_id, "type": "private", "first_name": "P"} if chat_id > 0
                else {"id": chat_id, "type": "group", "title": MARK})
        return {"message_id": self.message_id, "date": int(time.time()), "chat": chat,
                "from": {"id": abs(chat_id), "is_bot": False, "first_name": "P"}, **content}

    def chat(self) -> int:
        return self.rng.choice(PATIENTS) if self.rng.random() < 0.5 else FIRST_STRANGER + self.rng.randrange(400)

    def update(self) -> dict[str, Any]:
        """A storable update (a dict with a valid update_id), of any shape."""
        rng, chat = self.rng, self.chat()
        kind = rng.random()
        body: dict[str, Any]
        if kind < 0.45:
            body = {"message": self._message(chat, text=self.text())}
        elif kind < 0.50:
            body = {"edited_message": self._message(chat, text=self.text(), edit_date=int(time.time()))}
        elif kind < 0.55:
            body = {"callback_query": {"id": f"cb{self._id()}", "chat_instance": "ci",
                                       "from": {"id": chat, "is_bot": False, "first_name": "P"},
                                       "message": self._message(chat, text="question"),
                                       "data": rng.choice([MARK, "d:1:1:0", "x" * 64, "", "\ud800"])}}
        elif kind < 0.62:
            sticker = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                       "is_video": False, "type": "regular"}
            photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
            content: dict[str, Any] = rng.choice([
                {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}, {"sticker": sticker},
                {"location": {"latitude": 1.5, "longitude": 2.5}}, {"photo": photo, "caption": self.text()}])
            body = {"message": self._message(chat, **content)}
        elif kind < 0.66:
            body = {"message": self._message(-abs(chat), text=self.text())}  # a group
        elif kind < 0.69:
            body = {"channel_post": {**self._message(-1_000_000 - chat, text=self.text()),
                                     "chat": {"id": -1_000_000 - chat, "type": "channel", "title": MARK}}}
        elif kind < 0.73:
            body = {rng.choice(["poll", "chat_boost", "business_message", "zzz_unknown"]): {"x": MARK}}
        elif kind < 0.76:
            nested: Any = MARK
            for _ in range(rng.randint(50, 400)):
                nested = {"reply_to_message": nested} if rng.random() < 0.5 else [nested]
            body = {"message": {**self._message(chat, text=self.text()), "extra": nested}}
        elif kind < 0.86:
            body = {"message": self._broken(self._message(chat, text=self.text()))}
        elif kind < 0.88 and FIRST_STRANGER <= chat:
            old, new = rng.sample(["member", "kicked", "left"], 2)
            bot = {"id": 123456, "is_bot": True, "first_name": "Coach"}
            body = {"my_chat_member": {"chat": {"id": chat, "type": "private"}, "date": 0,
                                       "from": {"id": chat, "is_bot": False, "first_name": "P"},
                                       "old_chat_member": {"user": bot, "status": old, "until_date": 0},
                                       "new_chat_member": {"user": bot, "status": new, "until_date": 0}}}
        elif kind < 0.92 and self.stored:
            return dict(rng.choice(self.stored))  # Telegram delivers one again
        else:
            body = {"message": self._message(chat, text=self.text())}
        update = {"update_id": self._id(), **body}
        self.stored.append(update)
        return update

    def _broken(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message with a field missing, of the wrong type, or carrying text where a number goes."""
        rng = self.rng
        field_ = rng.choice(["chat", "from", "date", "message_id", "text", "entities"])
        choice = rng.random()
        if choice < 0.3:
            message.pop(field_, None)
        elif choice < 0.6:
            message[field_] = rng.choice([None, 7, True, [], {}, MARK, -1.5])
        elif choice < 0.8:
            message["chat"] = {**message["chat"], "id": rng.choice([FORGED, None, 2**70, "12"])}
        else:
            message["entities"] = [{"type": "bot_command", "offset": rng.randint(-5, 50),
                                    "length": rng.randint(-5, 500)}]
        return message

    def request(self) -> Request:
        """A webhook request: mostly an update, sometimes a body the door must refuse."""
        rng = self.rng
        if rng.random() < 0.08:
            body = rng.choice([
                b"{not json " + MARK.encode(),
                b"[" * 5000 + b"]" * 5000,
                json.dumps([{"update_id": 1, "text": MARK}]).encode(),
                json.dumps({"update_id": -5, "message": {"text": MARK}}).encode(),
                json.dumps({"update_id": True, "message": {"text": MARK}}).encode(),
                json.dumps({"update_id": 2**64, "message": {"text": MARK}}).encode(),
                b'{"update_id": 7, "message": {"text": NaN}}',
                ("\ufeff" + MARK).encode(), b"\xff\xfe" + MARK.encode(), b"",
            ])
            return Request(body, None)
        update = self.update()
        return Request(json.dumps(update).encode(), int(update["update_id"]))


def patient_text(chat: int, n: int) -> dict[str, Any]:
    """A plain text from an enrolled patient (one reply expected)."""
    return {"message": {"message_id": n, "date": int(time.time()), "text": f"note {n} {MARK}",
                        "chat": {"id": chat, "type": "private", "first_name": "P"},
                        "from": {"id": chat, "is_bot": False, "first_name": "P"}}}


# --- the run ---------------------------------------------------------------------------------

@dataclass
class ChaosConfig:
    updates: int = 10_000
    kills: int = 3
    seed: int = 20_260_101
    concurrency: int = 16
    fault_messages: int = 4
    """Phase 2: messages per patient while Telegram misbehaves."""
    kill_backlog: int = 2
    """Phase 3: messages per patient in the backlog being sent when the process dies."""
    outage_updates: int = 40
    within_s: float = 60.0
    """Bounded waits: how long the bot gets to settle after each phase."""


class Chaos:
    """One run: the bot, the emulator and the poster (who also plays Telegram's retries)."""

    def __init__(self, make_bot: Callable[[ChannelOptions], BotUnderTest], emulator: BotApiEmulator,
                 database_url: str, config: ChaosConfig) -> None:
        self.make_bot = make_bot
        self.emulator = emulator
        self.database_url = database_url
        self.config = config
        self.figures = Figures("sqlite" if database_url.startswith("sqlite") else "postgres")
        self.hook: WebhookConfig = webhook_config()
        self.bot: BotUnderTest | None = None
        self.acknowledged: set[int] = set()
        self.next_id = FIRST_UPDATE_ID + 10_000_000
        self.client = httpx.AsyncClient(timeout=30)

    async def run(self) -> Figures:
        started = time.monotonic()
        try:
            with captured_logs() as logs:
                await self.start(CHAOS)
                assert self.bot is not None
                await add_invites(self.bot.db)
                await add_patients(self.bot.db, PATIENTS + PROBES)
                await self.fuzz()
                await self.telegram_faults()
                for _ in range(self.config.kills):
                    await self.kill_while_sending()
                await self.database_outage()
                await self.settle()
                await self.measure()
                assert self.bot is not None
                await self.bot.stop()
                self.bot = None
        finally:
            if self.bot is not None:
                await self.bot.stop()
            await self.client.aclose()
        self.figures.log_records = len(logs.lines)
        self.figures.text_in_logs = sum(MARK in line for line in logs.lines)
        self.figures.forged_in_logs = sum(FORGED in line for line in logs.lines)
        self.figures.tracebacks = logs.tracebacks
        self.figures.leaks = [line for line in logs.lines if MARK in line or FORGED in line or "Traceback" in line]
        self.figures.faults_injected = Counter(self.emulator.injected_faults)
        self.figures.seconds = time.monotonic() - started
        return self.figures

    async def start(self, options: ChannelOptions) -> None:
        self.bot = await self.make_bot(options).start(webhook=self.hook)
        self.emulator.webhook = {}  # the poster delivers (and redelivers) from here on

    async def settle(self) -> None:
        assert self.bot is not None
        await self.bot.settled(within=self.config.within_s)

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    async def post(self, body: bytes) -> int:
        """One webhook delivery; a transport error counts as a 5xx (Telegram sees no answer)."""
        try:
            response = await self.client.post(self.hook.url, content=body, headers={SECRET_HEADER: SECRET})
        except httpx.HTTPError:
            return 599
        return response.status_code

    async def deliver(self, update: dict[str, Any], *, retry_for_s: float = 30.0) -> int:
        """Deliver as Telegram does: again after a failure, until a 2xx (or `retry_for_s`)."""
        update = {"update_id": self._new_id(), **update}
        body = json.dumps(update).encode()
        deadline = time.monotonic() + retry_for_s
        while True:
            status = await self.post(body)
            if 200 <= status < 300:
                self.acknowledged.add(int(update["update_id"]))
                self.figures.updates += 1
                return update["update_id"]
            if status >= 500:
                self.figures.outage_5xx += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"update {update['update_id']} never acknowledged (last {status})")
            await asyncio.sleep(0.1)

    # --- phase 1 ----------------------------------------------------------------------------

    async def fuzz(self) -> None:
        fuzz = Fuzz(self.config.seed)
        requests = [fuzz.request() for _ in range(self.config.updates)]
        queue: asyncio.Queue[Request] = asyncio.Queue()
        for request in requests:
            queue.put_nowait(request)

        async def worker() -> None:
            while not queue.empty():
                request = queue.get_nowait()
                status = await self.post(request.body)
                if status >= 500:
                    self.figures.fuzz_5xx += 1
                elif 200 <= status < 300:
                    if request.update_id is None:
                        self.figures.refused += 1
                    elif request.update_id not in self.acknowledged:
                        self.acknowledged.add(request.update_id)
                        self.figures.updates += 1

        probes = asyncio.create_task(self.probe_patients(stop_when=lambda: queue.empty()))
        await asyncio.gather(*(worker() for _ in range(self.config.concurrency)))
        await probes
        await self.settle()

    async def probe_patients(self, stop_when: Callable[[], bool]) -> None:
        """Probe patients write one message at a time, each after the last reply, until the
        fuzz is over: strangers and broken updates must not hold their replies up."""
        delays: list[float] = []

        async def probe(chat: int) -> None:
            n = 0
            while True:
                n += 1
                before = len(self.emulator.sent.get(chat, []))

                def answered(seen: int = before) -> bool:
                    return len(self.emulator.sent.get(chat, [])) > seen

                sent_at = time.monotonic()
                self.figures.probe_messages += 1
                await self.deliver(patient_text(chat, n))
                try:
                    await self.emulator.wait_until(answered, within=self.config.within_s, what=f"probe {chat}")
                except AssertionError:
                    return
                self.figures.probe_replies += 1
                delays.append(time.monotonic() - sent_at)
                if stop_when():
                    return

        await asyncio.gather(*(probe(chat) for chat in PROBES))
        if delays:
            self.figures.probe_p50_s = sorted(delays)[len(delays) // 2]
            self.figures.probe_p95_s = sorted(delays)[int(len(delays) * 0.95)]
            self.figures.probe_max_s = max(delays)

    # --- phase 2 ----------------------------------------------------------------------------

    async def telegram_faults(self) -> None:
        """Telegram misbehaves in every way while patients write; each kind in bursts."""
        emulator = self.emulator
        rounds = self.config.fault_messages
        for n in range(rounds):
            emulator.fail("sendMessage", "429", times=6, retry_after=1)
            emulator.fail("sendMessage", "500", times=3)
            emulator.fail("sendMessage", "502", times=3)
            emulator.fail("sendMessage", "timeout", times=2, delay_s=HANG_S)
            emulator.fail("sendMessage", "drop", times=3)
            emulator.fail("answerCallbackQuery", "500", times=2)
            await asyncio.gather(*(self.deliver(patient_text(chat, 1000 + n)) for chat in PATIENTS))
            await asyncio.sleep(0.3)
        await self.settle()
        emulator.faults.clear()

    # --- phase 3 ----------------------------------------------------------------------------

    async def kill_while_sending(self) -> None:
        """A backlog drains; one request hangs after Telegram delivered it; kill -9; restart."""
        assert self.bot is not None
        await self.bot.stop()
        await self.start(KILL)
        duplicates_before = (await self.reconcile())[0]
        hung = random.Random(self.config.seed + len(self.figures.duplicates_per_kill)).choice(PATIENTS)
        self.emulator.fail("sendMessage", "timeout", times=1, chat_id=hung, delay_s=120, delivered=True)
        sent_before = sum(len(v) for v in self.emulator.sent.values())
        for n in range(self.config.kill_backlog):
            await asyncio.gather(*(self.deliver(patient_text(chat, 2000 + n)) for chat in PATIENTS))
        await self.emulator.wait_until(
            lambda: len(self.emulator.sent.get(hung, [])) > 0
            and sum(len(v) for v in self.emulator.sent.values()) >= sent_before + len(PATIENTS) // 2,
            within=self.config.within_s, what="the backlog under way")
        assert self.bot is not None
        await self.bot.crash()
        crashed_at = SystemClock().now()
        self.bot = None
        pending = await self.pending_rows()
        held = max(((at - crashed_at).total_seconds() for _chat, at in pending), default=0.0)
        self.figures.held_after_restart_s.append(max(held, 0.0))
        self.emulator.faults.clear()
        counts = {chat: len(self.emulator.sent.get(chat, [])) for chat, _at in pending}
        await self.start(CHAOS)
        restarted = time.monotonic()
        await self.emulator.wait_until(
            lambda: all(len(self.emulator.sent.get(chat, [])) > count for chat, count in counts.items()),
            within=self.config.within_s, what="the crashed chats served again")
        self.figures.waited_after_restart_s.append(time.monotonic() - restarted)
        await self.settle()
        duplicates_after = (await self.reconcile())[0]
        self.figures.duplicates_per_kill.append(duplicates_after - duplicates_before)

    async def pending_rows(self) -> list[tuple[int, datetime]]:
        """The chats with an outbox row pending at the crash, and when each row is due again."""
        db = Database(self.database_url)
        try:
            async with db.transaction() as session:
                rows = list(await session.scalars(select(Outbox).where(Outbox.status == "pending")))
        finally:
            await db.dispose()
        return [(chat_of(r.recipient), _aware(r.next_attempt_at)) for r in rows]

    # --- phase 4 ----------------------------------------------------------------------------

    async def database_outage(self) -> None:
        """Every way into the database fails for a while: updates are answered 503 (and
        delivered again by 'Telegram'), nothing is lost, and all is handled once it is back."""
        assert self.bot is not None
        with pytest.MonkeyPatch.context() as monkeypatch:
            end = database_outage(monkeypatch, self.bot.db)
            deliveries = [asyncio.create_task(self.deliver(patient_text(PATIENTS[n % len(PATIENTS)], 3000 + n)))
                          for n in range(self.config.outage_updates)]
            await asyncio.sleep(1.5)
            end()
            await asyncio.gather(*deliveries)
        await self.settle()

    # --- the figures ------------------------------------------------------------------------

    async def reconcile(self) -> tuple[int, int, int, int]:
        """(duplicated, lost replies, unsent rows, replies): what Telegram received against
        what the outbox says was sent, chat by chat."""
        assert self.bot is not None
        expected: dict[int, Counter[str]] = {}
        unsent = 0
        for row in await self.bot.rows(Outbox):
            parts = split_text(row.text or "…", MAX_MESSAGE_CHARS)
            if row.status != "sent":
                unsent += row.status == "pending" or (row.status == "failed" and chat_of(row.recipient) != 0)
                parts = parts[: row.parts_sent or 0]
            expected.setdefault(chat_of(row.recipient), Counter()).update(parts)
        duplicated = lost = replies = 0
        for chat in set(expected) | set(self.emulator.sent):
            got = Counter(original(m) for m in self.emulator.sent.get(chat, []))
            want = expected.get(chat, Counter())
            duplicated += sum((got - want).values())
            lost += sum((want - got).values())
            replies += sum((got & want).values())
        return duplicated, lost, unsent, replies

    async def measure(self) -> None:
        assert self.bot is not None
        figures = self.figures
        rows = {r.update_id: r for r in await self.bot.rows(InboxUpdate)}
        figures.lost = sum(1 for u in self.acknowledged if u not in rows or rows[u].status == "pending")
        figures.failed_updates = sum(1 for r in rows.values() if r.status == "failed")
        figures.duplicated, figures.lost_replies, figures.unsent, figures.replies = await self.reconcile()
        strangers = Counter(m.chat_id for msgs in self.emulator.sent.values() for m in msgs
                            if m.chat_id >= FIRST_STRANGER and JOIN in original(m))
        figures.stranger_max_replies = max(strangers.values(), default=0)


def chat_of(recipient: str) -> int:
    """The Telegram chat of an outbox recipient in this run (patients are tg<chat>)."""
    kind, _, ident = recipient.partition(":")
    if kind == "clinician":
        return CLINICIAN_CHAT if ident == "c1" else 0
    number = ident.rsplit(":", 1)[-1].removeprefix("tg")
    return int(number) if number.lstrip("-").isdigit() else 0


def original(message: Sent) -> str:
    """The text as sent (an edit later changes what the emulator shows)."""
    return message.edits[0] if message.edits else message.text


def _aware(at: datetime) -> datetime:
    """SQLite gives naive datetimes back (stored as UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=SystemClock().now().tzinfo)


async def run_chaos(make_bot: Callable[[ChannelOptions], BotUnderTest], emulator: BotApiEmulator,
                    database_url: str, config: ChaosConfig) -> Figures:
    return await Chaos(make_bot, emulator, database_url, config).run()

