"""Pacing sends to Telegram's limits: a sliding window overall, an interval per chat, 429 pauses.

A send takes a slot when it starts and the slot is re-stamped when Telegram's answer arrives.
Telegram received the message somewhere in between, so measuring the next interval from the
answer guarantees the gap as Telegram sees it, however late this process got the request out.
Times are `time.monotonic()` seconds. Only the one active sender paces (see locking), so an
in-memory limiter is exact for the whole bot.

An urgent send (the safety response, a reply to what a person just did) that only the overall
window holds back goes before every other send waiting for it: a reply does not queue behind a
morning's check-ins, and the overall limit still holds.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from bot.telegram.chats import is_group_chat
from bot.telegram.limits import GLOBAL_MESSAGES_PER_SECOND, GROUP_INTERVAL_S, PER_CHAT_INTERVAL_S

RATE_SAFETY_MARGIN_S = 0.02
"""Slack added to every window and interval, for clock granularity."""
FLOOD_CHATS = 3
"""429s for this many different chats within FLOOD_WINDOW_S mean the bot-wide limit was hit:
then everything pauses, not only those chats."""
FLOOD_WINDOW_S = 1.0
_PRUNE_EVERY = 1024
MAKE_WAY_S = 0.01
"""How long a send that made way for an urgent one waits before it looks again."""


class Slot:
    """One send's place in the window; `at` moves to the answer's time when it is done."""

    __slots__ = ("at", "chat_id")

    def __init__(self, at: float, chat_id: int) -> None:
        self.at = at
        self.chat_id = chat_id


class RateLimiter:
    def __init__(
        self,
        per_second: float = GLOBAL_MESSAGES_PER_SECOND,
        chat_interval_s: float = PER_CHAT_INTERVAL_S,
        group_interval_s: float = GROUP_INTERVAL_S,
        margin_s: float = RATE_SAFETY_MARGIN_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = int(per_second)
        self.chat_interval_s = chat_interval_s
        self.group_interval_s = group_interval_s
        self.margin_s = margin_s
        self.clock = clock
        self._window: list[Slot] = []
        self._chat_next: dict[int, float] = {}
        self._paused_until = 0.0
        self._recent_429: deque[tuple[float, int]] = deque()
        self._grants = 0
        self._urgent: set[object] = set()
        """Urgent sends that only the overall window holds back: the others make way."""

    def chat_ready_at(self, chat_id: int) -> float:
        """When `chat_id` may have its next message, the overall window aside."""
        return max(self._paused_until, self._chat_next.get(chat_id, 0.0))

    def ready_at(self, chat_id: int) -> float:
        """The earliest moment a message to `chat_id` may go out."""
        now = self.clock()
        at = max(now, self.chat_ready_at(chat_id))
        if self.per_second > 0:
            span = 1.0 + self.margin_s
            self._window = [slot for slot in self._window if slot.at > now - span]
            if len(self._window) >= self.per_second:
                stamps = sorted(slot.at for slot in self._window)
                at = max(at, stamps[len(stamps) - self.per_second] + span)
        return at

    async def acquire(self, chat_id: int, urgent: bool = False) -> Slot:
        """Wait for a free slot for `chat_id`, then take it (no await between check and take);
        an `urgent` send goes first. Call `done(slot)` when Telegram has answered (or the
        request failed)."""
        me = object()
        try:
            while True:
                at = self.ready_at(chat_id)
                now = self.clock()
                if at <= now and (urgent or not self._urgent):
                    return self._take(chat_id, now)
                if urgent and self.chat_ready_at(chat_id) <= now:
                    self._urgent.add(me)
                else:
                    self._urgent.discard(me)
                await asyncio.sleep(max(at - now, MAKE_WAY_S))
        finally:
            self._urgent.discard(me)

    def _take(self, chat_id: int, now: float) -> Slot:
        slot = Slot(now, chat_id)
        if self.per_second > 0:
            self._window.append(slot)
        self._space(chat_id, now)
        self._grants += 1
        if self._grants % _PRUNE_EVERY == 0:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return slot

    def done(self, slot: Slot) -> None:
        now = self.clock()
        slot.at = max(slot.at, now)
        self._space(slot.chat_id, now)

    def _space(self, chat_id: int, now: float) -> None:
        interval = self.group_interval_s if is_group_chat(chat_id) else self.chat_interval_s
        if interval > 0:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + interval + self.margin_s)

    def too_many_requests(self, chat_id: int, retry_after_s: float) -> bool:
        """Telegram said 429 for `chat_id`: pause that chat; pause all if many chats hit it.

        Returns True when the whole bot is paused."""
        now = self.clock()
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + retry_after_s)
        self._recent_429.append((now, chat_id))
        while self._recent_429 and self._recent_429[0][0] < now - FLOOD_WINDOW_S:
            self._recent_429.popleft()
        if len({chat for _, chat in self._recent_429}) >= FLOOD_CHATS:
            self._paused_until = max(self._paused_until, now + retry_after_s)
            return True
        return False
