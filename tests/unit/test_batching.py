"""The batcher: inputs that arrive together share one call, one per person, in order; a
failed batch is retried item by item so only the bad item fails."""

from __future__ import annotations

import asyncio

import pytest

from bot.batching import Batcher


class Recorder:
    """A `handle_together` that records each call and fails on items named 'bad'."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def __call__(self, items: list[str]) -> list[str]:
        self.calls.append(list(items))
        await asyncio.sleep(0)  # a transaction yields to the loop; others queue meanwhile
        if any(item.endswith("bad") for item in items):
            raise ValueError("bad item")
        return [item.upper() for item in items]


def person(item: str) -> str:
    return item.split(":")[0]


async def test_a_lone_input_is_handled_at_once_on_its_own() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person)
    assert await batcher.submit("a:hi") == "A:HI"
    assert handle.calls == [["a:hi"]]


async def test_inputs_that_arrive_together_share_one_call() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person)
    results = await asyncio.gather(*(batcher.submit(f"{p}:hi") for p in "abcd"))
    assert results == ["A:HI", "B:HI", "C:HI", "D:HI"]
    assert handle.calls == [["a:hi", "b:hi", "c:hi", "d:hi"]]
    assert (batcher.batches, batcher.items) == (1, 4)


async def test_inputs_arriving_during_a_batch_go_in_the_next_one() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person)
    first = asyncio.create_task(batcher.submit("a:1"))
    await asyncio.sleep(0)  # the batch with a:1 alone has started
    later = await asyncio.gather(batcher.submit("b:1"), batcher.submit("c:1"))
    assert await first == "A:1" and later == ["B:1", "C:1"]
    assert handle.calls == [["a:1"], ["b:1", "c:1"]]


async def test_one_input_per_person_per_batch_in_the_order_sent() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person)
    results = await asyncio.gather(*(batcher.submit(i) for i in ["a:1", "a:2", "b:1", "a:3"]))
    assert results == ["A:1", "A:2", "B:1", "A:3"]
    assert handle.calls == [["a:1", "b:1"], ["a:2"], ["a:3"]]


async def test_a_batch_is_never_larger_than_its_limit() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person, max_batch=3)
    await asyncio.gather(*(batcher.submit(f"p{n}:x") for n in range(7)))
    assert [len(call) for call in handle.calls] == [3, 3, 1]


async def test_a_failed_batch_is_retried_one_by_one_so_only_the_bad_input_fails() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person)
    results = await asyncio.gather(batcher.submit("a:ok"), batcher.submit("b:bad"),
                                   batcher.submit("c:ok"), return_exceptions=True)
    assert results[0] == "A:OK" and results[2] == "C:OK"
    assert isinstance(results[1], ValueError)
    assert handle.calls == [["a:ok", "b:bad", "c:ok"], ["a:ok"], ["b:bad"], ["c:ok"]]


async def test_a_failed_batch_is_logged_as_what_its_items_are(caplog: pytest.LogCaptureFixture) -> None:
    batcher = Batcher(Recorder(), key=person, what="chat lock requests")
    await asyncio.gather(batcher.submit("a:ok"), batcher.submit("b:bad"), return_exceptions=True)
    assert "a batch of 2 chat lock requests failed (ValueError: bad item)" in caplog.text


async def test_an_input_whose_sender_gave_up_before_its_batch_is_not_handled() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person)
    first = asyncio.create_task(batcher.submit("a:1"))
    await asyncio.sleep(0)
    gone = asyncio.create_task(batcher.submit("b:1"))
    kept = asyncio.create_task(batcher.submit("c:1"))
    await asyncio.sleep(0)
    gone.cancel()
    assert await first == "A:1" and await kept == "C:1"
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert handle.calls == [["a:1"], ["c:1"]]


async def test_the_batcher_keeps_working_after_a_failure() -> None:
    handle = Recorder()
    batcher = Batcher(handle, key=person)
    with pytest.raises(ValueError):
        await batcher.submit("a:bad")
    assert await batcher.submit("a:fine") == "A:FINE"
