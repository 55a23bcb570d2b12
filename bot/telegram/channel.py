"""The Telegram channel at run time: intake (polling or webhook), inbox, scheduler, sender.

All of it runs as asyncio tasks in one process; several processes may share one PostgreSQL
(webhook instances behind a load balancer): the inbox orders per chat with advisory locks,
the scheduler claims jobs with SKIP LOCKED, and one elected process sends.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder

from bot.errors import StorageError
from bot.metrics_server import MetricsServer
from bot.service import Coachbot
from bot.telegram.botapi import TelegramBot
from bot.telegram.commands import CommandMenus
from bot.telegram.http import AiohttpRequest
from bot.telegram.inbox import Inbox, InboxOptions
from bot.telegram.locking import WriteGuard
from bot.telegram.polling import ALLOWED_UPDATES, POLL_TIMEOUT_S, poll
from bot.telegram.sender import Sender, SenderOptions
from bot.telegram.webhook import WebhookServer

log = logging.getLogger(__name__)

SCHEDULER_INTERVAL_S = 5.0
"""How often due jobs are looked for (check-ins are scheduled to the minute)."""
JOBS_PER_TURN = 20
"""Jobs run per database turn; on SQLite other work gets the writer in between."""
JOBS_PER_TURN_ROW_LOCKS = 400
"""On PostgreSQL (row locks: nothing waits for the turn to end), so that the jobs run in
batches of bot.service.JOBS_TOGETHER."""
CLEANUP_INTERVAL_S = 3600.0
SHUTDOWN_GRACE_S = 10.0
"""On SIGTERM, work in progress gets this long to finish before it is cancelled (and redone
after the restart: nothing is lost either way)."""
HTTP_POOL_SIZE = 24
"""Concurrent Bot API requests (sends, callback answers)."""
HTTP_TIMEOUT_S = 10.0
"""Connect/read/write timeout of one Bot API request, beyond which it counts as failed."""
WEBHOOK_MAX_CONNECTIONS = 40


@dataclass(frozen=True)
class HttpOptions:
    pool_size: int = HTTP_POOL_SIZE
    timeout_s: float = HTTP_TIMEOUT_S
    poll_timeout_s: int = POLL_TIMEOUT_S


@dataclass(frozen=True)
class ChannelOptions:
    inbox: InboxOptions = field(default_factory=InboxOptions)
    sender: SenderOptions = field(default_factory=SenderOptions)
    http: HttpOptions = field(default_factory=HttpOptions)
    scheduler_interval_s: float = SCHEDULER_INTERVAL_S
    shutdown_grace_s: float = SHUTDOWN_GRACE_S


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str
    host: str
    port: int


def api_urls(base: str) -> tuple[str, str]:
    """(base_url, base_file_url) for PTB from TELEGRAM_API_BASE_URL.

    Accepts the official form (`https://api.telegram.org/bot`) and a bare server address
    (`http://localhost:8081`, as a self-hosted Bot API server or an emulator is given)."""
    base = base.rstrip("/")
    if "{token}" in base:
        return base, base.replace("/bot{token}", "/file/bot{token}")
    if not base.endswith("/bot"):
        base += "/bot"
    return base, base[: -len("/bot")] + "/file/bot"


def build_application(token: str, api_base_url: str, http: HttpOptions | None = None) -> Application:
    """A PTB Application used for its Bot and lifecycle; updates never go through its
    Updater or handlers (see inbox: they would be acknowledged before being stored)."""
    http = http or HttpOptions()
    base_url, file_url = api_urls(api_base_url)
    timeout = http.timeout_s
    request = AiohttpRequest(http.pool_size, read_timeout=timeout, write_timeout=timeout,
                             connect_timeout=timeout, pool_timeout=timeout)
    polling = AiohttpRequest(2, read_timeout=timeout, write_timeout=timeout, connect_timeout=timeout,
                             pool_timeout=timeout)
    bot = TelegramBot(token, base_url=base_url, base_file_url=file_url, request=request,
                      get_updates_request=polling)
    return ApplicationBuilder().bot(bot).updater(None).job_queue(None).build()


class TelegramChannel:
    def __init__(self, service: Coachbot, application: Application,
                 options: ChannelOptions | None = None) -> None:
        self.service = service
        self.application = application
        self.bot: TelegramBot = application.bot
        self.options = options or ChannelOptions()
        self.guard = WriteGuard(service.db)
        self.sender = Sender(self.bot, service.db, service.clock, self.guard, self.options.sender)
        self.menus = CommandMenus(self.bot, service.db, service.content)
        self.inbox = Inbox(service, self.bot, self.guard, on_outbox=self.sender.wake,
                           on_start_command=self.menus.on_start, options=self.options.inbox)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.webhook: WebhookServer | None = None
        self.metrics: MetricsServer | None = None
        """/metrics, when METRICS_LISTEN is set (bot.metrics_server)."""
        self.failed: asyncio.Future[BaseException] | None = None
        """Set when a part of the channel stopped for good (e.g. the token was revoked)."""
        self._stopping = asyncio.Event()
        self._intake: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, webhook: WebhookConfig | None = None) -> None:
        """Menus, then intake, inbox, scheduler and sender as tasks; returns once running."""
        self.failed = asyncio.get_running_loop().create_future()
        if (listen := self.service.settings.metrics_listen) is not None:
            self.metrics = MetricsServer(self.service.db, self.service.clock, *listen)
            await self.metrics.start()
        await self.menus.publish()
        if webhook is not None:
            await self.bot.set_webhook(webhook.url, secret_token=webhook.secret,
                                       allowed_updates=ALLOWED_UPDATES,
                                       max_connections=WEBHOOK_MAX_CONNECTIONS)
            self.webhook = WebhookServer(self.inbox, webhook.secret, webhook.host, webhook.port,
                                         urlparse(webhook.url).path or "/")
            await self.webhook.start()
        else:
            await self.bot.delete_webhook(drop_pending_updates=False)
            self._intake = self._spawn(poll(self.bot, self.inbox, self._stopping,
                                            self.options.http.poll_timeout_s,
                                            self.options.http.timeout_s), "polling")
        self._tasks += [self._spawn(self.inbox.run(), "inbox"), self._spawn(self.sender.run(), "sender"),
                        self._spawn(self._schedule(), "scheduler")]

    def _spawn(self, coroutine: object, name: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.create_task(coroutine, name=name)  # type: ignore[arg-type]
        task.add_done_callback(self._watch)
        return task

    def _watch(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or self.failed is None or self.failed.done():
            return
        error = task.exception()
        if error is not None:
            if isinstance(error, InvalidToken):
                log.error("Telegram rejected the bot token while running; stopping")
            else:
                log.error("the %s task stopped: %r", task.get_name(), error)
            self.failed.set_result(error)

    async def stop(self) -> None:
        """Graceful: stop intake, finish updates and sends in progress, keep nothing half done."""
        self._stopping.set()
        grace = self.options.shutdown_grace_s
        if self.webhook is not None:
            await self.webhook.stop()
        if self._intake is not None:
            self._intake.cancel()  # mid-long-poll: nothing stored yet is confirmed either
        await self.inbox.stop(grace)
        await self.sender.stop(grace)
        if self.metrics is not None:
            await self.metrics.stop()
            self.metrics = None
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, *([self._intake] if self._intake else []),
                             return_exceptions=True)

    async def _schedule(self) -> None:
        """Run due jobs (check-ins, reminders, escalations), replay spooled escalations, and
        forget old inbox rows."""
        last_cleanup = 0.0
        per_turn = JOBS_PER_TURN if self.service.db.is_sqlite else JOBS_PER_TURN_ROW_LOCKS
        while not self._stopping.is_set():
            try:
                while not self._stopping.is_set():
                    async with self.guard.hold():
                        ran = await self.service.run_due_jobs(worker=self.worker, limit=per_turn)
                    if ran:
                        self.sender.wake()
                    if ran < per_turn:
                        break
                async with self.guard.hold():
                    if await self.service.replay_spool():
                        self.sender.wake()
                if time.monotonic() - last_cleanup > CLEANUP_INTERVAL_S:
                    last_cleanup = time.monotonic()
                    forgotten = await self.inbox.forget_old()
                    if forgotten:
                        log.info("forgot %d handled update(s) past retention", forgotten)
            except StorageError as exc:
                log.warning("scheduler: database unavailable (%s); retrying", exc)
            except Exception:
                log.exception("scheduler turn failed; retrying")
            try:
                await asyncio.wait_for(self._stopping.wait(), self.options.scheduler_interval_s)
            except TimeoutError:
                pass

