"""End-to-end fixtures: the Bot API emulator, and the real bot (PTB over HTTP) started on it.

The bot under test is the production `TelegramChannel` with the production service, on the
test database (SQLite and PostgreSQL via `database_url`). Only timings are shortened
(`FAST`), so retries and backoff run in fractions of a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import eventloop
from bot.app import build_service
from bot.clock import SystemClock
from bot.config import Settings
from bot.errors import StorageError
from bot.service import Coachbot
from bot.storage.models import Clinician, Group, GroupClinician, InboxUpdate, Invite, Outbox, Patient
from bot.telegram.channel import ChannelOptions, HttpOptions, TelegramChannel, WebhookConfig, build_application
from bot.telegram.inbox import InboxOptions
from bot.telegram.sender import SenderOptions
from tests.e2e.emulator import BotApiEmulator

FAST = ChannelOptions(
    inbox=InboxOptions(scan_interval_s=0.2, failure_retry_s=0.2),
    sender=SenderOptions(chat_interval_s=0.02, margin_s=0.0, backoff_base_s=0.05, backoff_max_s=0.4,
                         idle_poll_s=0.05, lease_s=3.0),
    http=HttpOptions(timeout_s=1.0, poll_timeout_s=1),
    scheduler_interval_s=0.2,
    shutdown_grace_s=3.0,
)
"""Production code, test timings: per-chat pacing 20 ms instead of 1 s, backoff from 50 ms."""

CLINICIAN_CHAT = 500
CODE = "JOINME22"
CLINICIAN_CODE = "DOCTOR22"


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item,
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The end-to-end tests run on the loop `coachbot run` serves on (bot.eventloop: uvloop
    where installed), so what they pass is what production runs."""
    factory = eventloop.loop_factory()
    return {"asyncio": asyncio.new_event_loop} if factory is None else {"uvloop": factory}


async def make_service(settings: Settings, database_url: str) -> Coachbot:
    """The service as `coachbot run` builds it."""
    return await build_service(settings, database_url, SystemClock())


class BotUnderTest:
    """One `coachbot run` process, in this event loop: start, stop, crash, restart."""

    def __init__(self, settings: Settings, database_url: str, emulator: BotApiEmulator,
                 options: ChannelOptions = FAST) -> None:
        self.settings = settings
        self.database_url = database_url
        self.emulator = emulator
        self.options = options
        self.service: Coachbot | None = None
        self.channel: TelegramChannel | None = None

    async def start(self, webhook: WebhookConfig | None = None) -> BotUnderTest:
        self.service = await make_service(self.settings, self.database_url)
        application = build_application(self.emulator.token, self.emulator.base_url, self.options.http)
        await application.initialize()
        self.channel = TelegramChannel(self.service, application, self.options)
        await self.channel.start(webhook)
        return self

    async def stop(self) -> None:
        """Graceful shutdown (SIGTERM)."""
        if self.channel is None or self.service is None:
            return
        await self.channel.stop()
        await self.service.close()
        await self.channel.application.shutdown()
        self.channel = None

    async def crash(self) -> None:
        """Like kill -9: every task cancelled where it stands, nothing finished or released."""
        if self.channel is None or self.service is None:
            return
        channel = self.channel
        tasks = [*channel._tasks, *([channel._intake] if channel._intake else []),
                 *channel.inbox._tasks, *channel.sender._tasks]
        if channel.webhook is not None:
            await channel.webhook.stop()
        channel._stopping.set()
        channel.inbox._stopping = True
        channel.sender._stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await channel.sender.leadership._drop()  # a dead process's connections close, and
        await channel.inbox.locks.close()  # PostgreSQL releases its advisory locks
        await self.service.db.dispose()
        await channel.application.shutdown()
        self.channel = None

    @property
    def db(self) -> Any:
        assert self.service is not None
        return self.service.db

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        async with self.db.transaction() as session:
            return list(await session.scalars(select(model).where(*where)))

    async def wait_rows(self, model: Any, *where: Any, within: float = 15.0) -> list[Any]:
        """Rows matching `where`, once there are any (bounded wait)."""
        deadline = time.monotonic() + within
        while not (rows := await self.rows(model, *where)):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {model.__name__} rows matching {where}")
            await asyncio.sleep(0.02)
        return rows

    async def settled(self, within: float = 15.0) -> None:
        """Wait until Telegram has handed over every update (the emulator's queue is empty, so
        each is in the inbox), every update is handled and no outbox row is pending."""
        assert self.channel is not None
        deadline = time.monotonic() + within
        while True:
            undelivered = [u["update_id"] for u in self.emulator.queue]
            pending_in = await self.rows(InboxUpdate, InboxUpdate.status == "pending")
            pending_out = await self.rows(Outbox, Outbox.status == "pending")
            if not undelivered and not pending_in and not pending_out and not self.channel.inbox._tasks:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled: at Telegram {undelivered}, "
                                     f"inbox {[r.update_id for r in pending_in]}, "
                                     f"outbox {[(r.id, r.recipient, r.last_error) for r in pending_out]}")
            await asyncio.sleep(0.05)


def database_outage(monkeypatch: pytest.MonkeyPatch, db: Any,
                    doors: tuple[str, ...] = ("transaction", "single_statement")) -> Callable[[], None]:
    """Every way in to `db` (its `doors`) raises StorageError, as when the database is down,
    until the returned function is called."""
    down = [True]

    def unless_down(real: Any) -> Any:
        @asynccontextmanager
        async def work() -> Any:
            if down[0]:
                raise StorageError("database unavailable: simulated outage")
            async with real() as session:
                yield session
        return work

    for door in doors:
        monkeypatch.setattr(db, door, unless_down(getattr(db, door)))
    return lambda: down.__setitem__(0, False)


async def add_invites(db: Any, *, clinician_chat_linked: bool = True) -> None:
    """Group g1 with clinician c1 (linked to chat CLINICIAN_CHAT), a patient invite CODE and a
    clinician invite CLINICIAN_CODE for c2."""
    now = SystemClock().now()
    async with db.transaction() as session:
        session.add(Clinician(id="c1", name="Dr Ada", created_at=now,
                              chat_key=f"tg:{CLINICIAN_CHAT}" if clinician_chat_linked else None))
        session.add(Clinician(id="c2", name="Dr Ben", created_at=now))
        await session.flush()
        session.add(Group(id="g1", name="Tuesday group", programme="default", encouragement=False,
                          backup_clinician_id="c2", created_at=now))
        await session.flush()
        session.add(GroupClinician(group_id="g1", clinician_id="c1"))
        session.add(Invite(code=CODE, role="patient", group_id="g1", created_at=now,
                           expires_at=now + timedelta(days=1), revoked=False))
        session.add(Invite(code=CLINICIAN_CODE, role="clinician", clinician_id="c2", created_at=now,
                           expires_at=now + timedelta(days=1), revoked=False))


async def add_patients(db: Any, chat_ids: list[int], group: str = "g1") -> None:
    """Patients already past onboarding, reachable in Telegram chats `chat_ids`."""
    now = SystemClock().now()
    async with db.transaction() as session:
        for chat_id in chat_ids:
            session.add(Patient(id=f"tg{chat_id}", chat_key=f"tg:{chat_id}", name=f"P{chat_id}",
                                group_id=group, status="active", crisis_open=False, blocked=False,
                                enrolled_at=now, timezone="UTC", checkin_time="09:00", locale="en"))


async def enrol(bot: BotUnderTest, emulator: BotApiEmulator, chat_id: int, name: str = "Maria") -> None:
    """/start CODE, agree, give a name: the onboarding dialogue of the fixture project."""
    emulator.user_sends(chat_id, f"/start {CODE}")
    await emulator.wait_for_text(chat_id, "Agree?")
    emulator.user_presses(chat_id, "I agree")
    await emulator.wait_for_text(chat_id, "What should I call you?")
    emulator.user_sends(chat_id, name)
    await emulator.wait_for_text(chat_id, f"Welcome, {name}!")


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator()
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
def tg_settings(settings: Settings, emulator: BotApiEmulator, tmp_path: Path) -> Settings:
    return replace(settings, telegram_bot_token=emulator.token, telegram_api_base_url=emulator.base_url,
                   data_dir=tmp_path / "data")


@pytest.fixture
async def bots(tg_settings: Settings, database_url: str, emulator: BotApiEmulator
               ) -> AsyncIterator[Callable[..., BotUnderTest]]:
    """A factory of bots under test on this test's database; all are stopped at the end."""
    made: list[BotUnderTest] = []

    def make(options: ChannelOptions = FAST) -> BotUnderTest:
        bot = BotUnderTest(tg_settings, database_url, emulator, options)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        await bot.stop()


@pytest.fixture
async def bot(bots: Callable[..., BotUnderTest]) -> BotUnderTest:
    """A running bot with group g1, clinician c1 linked to CLINICIAN_CHAT, and invite CODE."""
    running = await bots().start()
    await add_invites(running.db)
    return running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest resets warning filters per test; bot.telegram.polling's own filter is the same."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings(r"ignore:Please use 'Bot\.get_updates'"))
