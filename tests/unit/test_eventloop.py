"""bot.eventloop: `coachbot run` serves on uvloop where installed, on the standard loop elsewhere."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot import eventloop


async def _loop_module() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_runs_on_uvloop_where_installed() -> None:
    pytest.importorskip("uvloop")
    assert eventloop.run(_loop_module()).startswith("uvloop")


def test_the_standard_loop_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what `import uvloop` finds uninstalled
    assert eventloop.loop_factory() is None
    assert eventloop.run(_loop_module()).startswith("asyncio")


def test_an_error_in_main_is_raised_and_the_loop_closed() -> None:
    async def fails() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        eventloop.run(fails())
