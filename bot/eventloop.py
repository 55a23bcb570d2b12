"""The event loop a long-running process serves on: uvloop where it is installed.

Why: under load the Telegram channel is mostly I/O plumbing (a database round trip or an HTTP
request per message), and the standard loop's Python-level scheduling and socket transports
were a fifth of the bot's CPU (py-spy, bench/e2e_bench.py at 500 updates/s). uvloop does the
same in C: 1.8-1.9 -> 1.25-1.5 ms of CPU per update, measured on the same machine. It is a
Linux and macOS package; elsewhere the standard loop serves, with the same behaviour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop, or None (the standard one) where uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, on the loop `loop_factory` gives."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
