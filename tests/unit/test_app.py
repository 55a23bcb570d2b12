"""bot.app: wiring the service, and settling it once it serves."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import build_service, settle
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time
from bot.service import Coachbot


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.fixture
async def bot(settings: Settings, tmp_path: Path) -> AsyncIterator[Coachbot]:
    service = await build_service(settings, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
                                  SimulatedClock(parse_time("2026-03-02T07:00:00Z")), tmp_path)
    yield service
    await service.close()


async def test_settle_compiles_every_dialogue_and_freezes_start_up_objects(bot: Coachbot, unfrozen: None) -> None:
    gc.unfreeze()
    settle(bot)
    bundle = bot.content.current()
    assert {name for version, name in bot.engine._compiled if version == bundle.version} == set(bundle.dialogues)
    assert gc.get_freeze_count() > 0


async def test_settle_survives_a_dialogue_that_does_not_compile(
    bot: Coachbot, unfrozen: None, caplog: pytest.LogCaptureFixture,
) -> None:
    bot.content.current().dialogues["broken"] = {"dialogue": "broken", "states": "not a mapping"}  # type: ignore[assignment]
    settle(bot)
    assert "dialogue broken does not compile" in caplog.text
