"""Long polling with our own getUpdates loop, so an update is stored before it is confirmed.

PTB's Updater confirms offsets before handlers run; here the offset moves past an update
only after `Inbox.store` committed it. If storing fails, the same updates are fetched again.
Updates are fetched as raw JSON (not parsed by PTB here): one update PTB cannot parse must
not block the whole batch forever; the inbox sets it aside on its own.
"""

from __future__ import annotations

import asyncio
import logging
import warnings

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

from bot.errors import StorageError
from bot.telegram.inbox import Inbox
from bot.telegram.sender import retry_after_seconds

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "channel_post"]
"""my_chat_member tells us when a patient blocks or unblocks the bot, or adds it to a group."""
POLL_TIMEOUT_S = 30
"""Long-poll duration: Telegram holds the request open until an update arrives or this ends."""
POLL_GATHER_S = 0.015
"""At most one getUpdates this often. Telegram answers a long poll as soon as one update is
there, so under steady traffic each poll would bring one or two, and each then costs its own
insert, lock, read, transaction and claim. Waiting this long before the next poll lets the
updates that arrive meanwhile come (and be handled) together. The update that ends a quiet
long poll is not delayed at all; others wait for at most this long. Measured with
bench/e2e_bench.py at 500 updates/s, in paired runs (2026-12-06): 10 ms gave 1.45 ms of bot
CPU per update and p99 23-39 ms; 15 ms 1.15 ms and p99 27-28 ms; 20 ms 1.03 ms and p99
34-36 ms. Polling again as soon as the inbox has caught up (at most 15 ms) gave 1.58 ms and
p99 28-31 ms: the bot's CPU is what a slower or busier machine runs out of first."""
RETRY_MIN_S = 1.0
RETRY_MAX_S = 30.0
CONFLICT_WAIT_S = 5.0

warnings.filterwarnings("ignore", message=r"Please use 'Bot\.get_updates'", category=PTBUserWarning)
"""We call getUpdates through do_api_request on purpose, for the raw JSON."""


async def poll(bot: Bot, inbox: Inbox, stopping: asyncio.Event, timeout_s: int = POLL_TIMEOUT_S,
               http_timeout_s: float = 10.0) -> None:
    """Fetch, store, then confirm — until `stopping` is set. InvalidToken is fatal (raised)."""
    offset: int | None = None
    delay = RETRY_MIN_S
    loop = asyncio.get_running_loop()
    while not stopping.is_set():
        asked_at = loop.time()
        try:
            raw = await bot.do_api_request(
                "get_updates", api_kwargs={"offset": offset, "timeout": timeout_s,
                                           "allowed_updates": ALLOWED_UPDATES},
                read_timeout=http_timeout_s + timeout_s)
        except InvalidToken:
            raise
        except Conflict as exc:
            log.warning("getUpdates conflict (%s): another process polls with this token, or a "
                        "webhook is set; this one keeps processing and sending", exc)
            await _pause(stopping, CONFLICT_WAIT_S)
            continue
        except RetryAfter as exc:
            await _pause(stopping, retry_after_seconds(exc))
            continue
        except TimedOut:
            continue
        except NetworkError as exc:
            log.warning("getUpdates failed (%s); retrying in %.0fs", exc, delay)
            await _pause(stopping, delay)
            delay = min(delay * 2, RETRY_MAX_S)
            continue
        delay = RETRY_MIN_S
        updates = [u for u in raw if isinstance(u, dict)] if isinstance(raw, list) else []
        ids = [u["update_id"] for u in updates if isinstance(u.get("update_id"), int)]
        if not ids:
            continue
        try:
            await inbox.store(updates)
        except StorageError as exc:
            log.warning("could not store %d update(s) (%s); they will be fetched again",
                        len(updates), exc)
            await _pause(stopping, RETRY_MIN_S)
            continue
        offset = max(ids) + 1
        if (gather := asked_at + POLL_GATHER_S - loop.time()) > 0:
            await _pause(stopping, gather)


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        pass
