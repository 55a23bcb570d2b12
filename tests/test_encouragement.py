"""Anonymous group encouragement, for groups that opted in: a count, never a name."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time
from bot.seed import apply_seed
from bot.signals import EXERCISE_KEY
from bot.storage.models import Answer, Outbox

COUNT_TEXT = "of you did an exercise yesterday"


async def morning_messages(shipped_settings: Settings, database_url: str, seed: dict[str, Any],
                           outcome: str | None) -> list[str]:
    """Maria's messages at her next check-in, after Tom's exercise `outcome` the day before."""
    clock = SimulatedClock(parse_time("2026-03-02T07:00:00Z"))
    bot = await build_service(shipped_settings, database_url, clock)
    try:
        async with bot.db.transaction() as session:
            await apply_seed(bot._work(session), seed)
            if outcome is not None:
                session.add(Answer(patient_id="p2", dialogue="daily_exercise", key=EXERCISE_KEY,
                                   value=outcome, at=parse_time("2026-03-01T18:00:00Z")))
        clock.set(parse_time("2026-03-02T08:00:00Z"))
        await bot.run_due_jobs()
        async with bot.db.transaction() as session:
            return list(await session.scalars(
                select(Outbox.text).where(Outbox.recipient == "patient:p1").order_by(Outbox.id)))
    finally:
        await bot.close()


@pytest.fixture
def group_seed(seed: dict[str, Any]) -> dict[str, Any]:
    seed["patients"][1]["group"] = "g1"  # Tom joins Maria's group
    seed["groups"][0]["encouragement"] = True
    return seed


async def test_an_opted_in_group_hears_how_many_did_their_exercise(
    shipped_settings: Settings, database_url: str, group_seed: dict[str, Any],
) -> None:
    texts = await morning_messages(shipped_settings, database_url, group_seed, "done")
    assert any(f"1 of 2 {COUNT_TEXT}" in text for text in texts)
    assert not any("Tom" in text for text in texts), "never who"


@pytest.mark.parametrize(("opted_in", "outcome"), [(False, "done"), (True, "skipped"), (True, None)])
async def test_no_count_without_opt_in_or_when_nobody_did_one(
    shipped_settings: Settings, database_url: str, group_seed: dict[str, Any], opted_in: bool, outcome: str | None,
) -> None:
    group_seed["groups"][0]["encouragement"] = opted_in
    texts = await morning_messages(shipped_settings, database_url, group_seed, outcome)
    assert texts and not any(COUNT_TEXT in text for text in texts)
