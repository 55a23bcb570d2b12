"""bot.telegram.polling.poll with a stand-in Bot and inbox: what is confirmed when, and pacing.

The emulator tests cover polling through real HTTP; these pin the loop's own decisions.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.errors import StorageError
from bot.telegram import polling


class FakeBot:
    """getUpdates answers from a script; each answer may take a while (a long poll)."""

    def __init__(self, answers: list[tuple[float, list[dict[str, Any]]]], stopping: asyncio.Event) -> None:
        self.answers = answers
        self.offsets: list[int | None] = []
        self.stopping = stopping

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any], **_: Any) -> Any:
        assert method == "get_updates"
        self.offsets.append(api_kwargs["offset"])
        if not self.answers:
            self.stopping.set()
            return []
        takes_s, updates = self.answers.pop(0)
        await asyncio.sleep(takes_s)
        return updates


class FakeInbox:
    def __init__(self, failures: int = 0) -> None:
        self.stored: list[list[int]] = []
        self.failures = failures

    async def store(self, updates: list[dict[str, Any]]) -> list[int]:
        if self.failures:
            self.failures -= 1
            raise StorageError("database unavailable: simulated")
        self.stored.append([u["update_id"] for u in updates])
        return self.stored[-1]


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Pauses the loop asked for, recorded instead of slept."""
    asked: list[float] = []

    async def pause(_stopping: asyncio.Event, seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(polling, "_pause", pause)
    return asked


def updates(*ids: int) -> list[dict[str, Any]]:
    return [{"update_id": i, "message": {"chat": {"id": 5}}} for i in ids]


async def run(answers: list[tuple[float, list[dict[str, Any]]]], inbox: FakeInbox) -> FakeBot:
    stopping = asyncio.Event()
    bot = FakeBot(answers, stopping)
    await asyncio.wait_for(polling.poll(bot, inbox, stopping), 10)  # type: ignore[arg-type]
    return bot


async def test_the_offset_moves_past_updates_only_once_they_are_stored(pauses: list[float]) -> None:
    inbox = FakeInbox()
    bot = await run([(0, updates(7, 8)), (0, updates(9))], inbox)
    assert inbox.stored == [[7, 8], [9]]
    assert bot.offsets == [None, 9, 10]


async def test_updates_that_could_not_be_stored_are_fetched_again(pauses: list[float]) -> None:
    inbox = FakeInbox(failures=1)
    bot = await run([(0, updates(7)), (0, updates(7))], inbox)
    assert inbox.stored == [[7]]
    assert bot.offsets == [None, None, 8]
    assert polling.RETRY_MIN_S in pauses


async def test_polls_that_bring_updates_at_once_are_paced(pauses: list[float],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """So that updates arriving meanwhile come together (one insert, one batch, one claim)."""
    monkeypatch.setattr(polling, "POLL_GATHER_S", 30.0)
    await run([(0, updates(1)), (0, updates(2)), (0, updates(3))], FakeInbox())
    assert len(pauses) == 3
    assert all(0 < p <= 30.0 for p in pauses)


async def test_the_update_that_ends_a_quiet_long_poll_is_not_held_back(
        pauses: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "POLL_GATHER_S", 0.01)
    await run([(0.05, updates(1)), (0.05, updates(2))], FakeInbox())
    assert pauses == []
