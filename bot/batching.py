"""Inputs that arrive together are handled together, in one transaction.

Why: a transaction costs about 0.7 ms of SQLAlchemy and driver overhead on this kind of
machine before any work is done (measured: 1,370 transactions/s for three trivial statements
on SQLite), so one transaction per input caps the bot at a few hundred inputs a second.
Inputs from different people that arrive while a batch is being written wait for it, then go
together: their rows are read with one statement per table and what they write is flushed
together (the ORM sends one INSERT for all their outbox rows).

An input never waits for company: when nothing is running it starts at once, alone. A batch
holds at most one input per person, so a person's inputs stay in order and each sees the
last one's effects. If a batch fails, each of its inputs is handled again on its own, so one
bad input fails alone, exactly as it would without batching.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

MAX_BATCH = 32
"""Inputs per transaction at most: enough to amortise its cost, few enough that a batch
stays a few milliseconds long (each input in it waits for all of them)."""

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Waiting(Generic[Item, Result]):
    key: str
    item: Item
    future: asyncio.Future[Result] = field(repr=False)


class Batcher(Generic[Item, Result]):
    """Collects submitted items and runs `handle_together` on up to `max_batch` at a time.

    `handle_together` gets a list of items with distinct keys and returns one result per
    item, in order, or raises; then each item is passed to it again, alone, and a failure
    there becomes that item's exception.
    """

    def __init__(
        self,
        handle_together: Callable[[list[Item]], Awaitable[list[Result]]],
        key: Callable[[Item], str],
        max_batch: int = MAX_BATCH,
        what: str = "inputs",
    ) -> None:
        self._handle_together = handle_together
        self.what = what
        """What the items are, for logs and the runner task's name ("a batch of 5 inputs failed")."""
        self._key = key
        self.max_batch = max_batch
        self._queue: deque[_Waiting[Item, Result]] = deque()
        self._runner: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0
        """Counts for benchmarks and logs: items / batches is the mean batch size."""

    async def submit(self, item: Item) -> Result:
        """Handle `item` (with whatever else is waiting) and return its result."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(self._key(item), item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name=f"batcher of {self.what}")
        return await future

    def _next_batch(self) -> list[_Waiting[Item, Result]]:
        """Oldest first, one per key; an item whose caller gave up is dropped."""
        batch: list[_Waiting[Item, Result]] = []
        later: list[_Waiting[Item, Result]] = []
        keys: set[str] = set()
        while self._queue and len(batch) < self.max_batch:
            waiting = self._queue.popleft()
            if waiting.future.done():
                continue
            if waiting.key in keys:
                later.append(waiting)
                continue
            keys.add(waiting.key)
            batch.append(waiting)
        self._queue.extendleft(reversed(later))
        return batch

    async def _run(self) -> None:
        batch: list[_Waiting[Item, Result]] = []
        try:
            while self._queue:
                batch = self._next_batch()
                if batch:
                    await self._handle(batch)
                batch = []
        finally:  # cancelled (the loop is closing): nobody is left waiting forever
            for waiting in [*batch, *self._queue]:
                if not waiting.future.done():
                    waiting.future.cancel()
            self._queue.clear()

    async def _handle(self, batch: list[_Waiting[Item, Result]]) -> None:
        self.batches += 1
        self.items += len(batch)
        if len(batch) > 1:
            try:
                results = await self._handle_together([w.item for w in batch])
            except Exception as exc:
                log.warning("a batch of %d %s failed (%s: %s); handling each on its own",
                            len(batch), self.what, exc.__class__.__name__, exc)
            else:
                for waiting, result in zip(batch, results, strict=True):
                    _settle(waiting, result=result)
                return
        for waiting in batch:
            try:
                [result] = await self._handle_together([waiting.item])
            except Exception as exc:
                _settle(waiting, error=exc)
            else:
                _settle(waiting, result=result)


def _settle(waiting: _Waiting[Item, Result], *, result: Result | None = None,
            error: BaseException | None = None) -> None:
    if waiting.future.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        waiting.future.set_exception(error)
    else:
        waiting.future.set_result(result)  # type: ignore[arg-type]
