"""Shared fixtures: a database per test (SQLite always, PostgreSQL too), settings, scenarios.

PostgreSQL tests use a database of their own per test run, created on 127.0.0.1:5432 and
dropped afterwards; set COACHBOT_TEST_POSTGRES=0 to leave PostgreSQL out (CI never does).
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot import PROJECT_ROOT
from bot.config import Settings, load_settings

FIXTURE_PROJECT = Path(__file__).parent / "fixtures" / "project"
POSTGRES_ADMIN_URL = os.environ.get("COACHBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
hypothesis_settings.register_profile(
    "coachbot", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("coachbot")
"""Property tests assert behaviour, never speed: Hypothesis's deadline and its too-slow check
time each example on the wall clock, which a busy CI machine fails at random."""

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("COACHBOT_TEST_POSTGRES", "1") != "0" else [])


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One PostgreSQL database for this test run; each test gets a schema-clean copy below."""
    import asyncio

    import asyncpg

    name = f"coachbot_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    yield url


def _reset_postgres(url: str) -> None:
    """Drop every table so the next test migrates a clean schema."""
    import asyncio

    import asyncpg

    async def reset() -> None:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()

    asyncio.run(reset())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on the small fixture project (tests of shipped content use `shipped_settings`).

    Triage runs on the rules alone here, so a retrained model never changes what these tests
    see; the model's bands have tests of their own (tests/safety/test_question.py)."""
    base = load_settings({})
    return replace(base, dialogues_dir=FIXTURE_PROJECT / "dialogues",
                   content_dir=FIXTURE_PROJECT / "content", data_dir=tmp_path / "data",
                   rasa_url=None, triage_model=False)


@pytest.fixture
def shipped_settings(tmp_path: Path) -> Settings:
    base = load_settings({})
    return replace(base, dialogues_dir=PROJECT_ROOT / "dialogues",
                   content_dir=PROJECT_ROOT / "content", data_dir=tmp_path / "data", rasa_url=None,
                   triage_model=False)


class Transcript:
    """The simulator's output lines, with helpers that read like a chat log."""

    def __init__(self, lines: list[dict[str, Any]], status: int, errors: str) -> None:
        self.lines = lines
        self.status = status
        self.errors = errors

    def to(self, person: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["to"] == person]

    def texts(self, person: str) -> list[str]:
        return [line["text"] for line in self.to(person)]

    def alerts(self, person: str | None = None) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["kind"] == "alert" and (person is None or line["to"] == person)]


async def run_scenario(settings: Settings, steps: list[dict[str, Any]], database_url: str | None = None) -> Transcript:
    from bot.simulate import simulate

    out, err = io.StringIO(), io.StringIO()
    status = await simulate((json.dumps(s) for s in steps), settings, out, err, database_url=database_url)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return Transcript(lines, status, err.getvalue())


@pytest.fixture
def scenario(settings: Settings, database_url: str) -> Any:
    async def run(steps: list[dict[str, Any]]) -> Transcript:
        return await run_scenario(settings, steps, database_url)

    return run


SEED = {
    "start": "2026-03-02T07:00:00Z",
    "clinicians": [{"id": "c1", "name": "Dr Ada"}, {"id": "c2", "name": "Dr Ben"},
                   {"id": "c3", "name": "Dr Cy"}],
    "groups": [
        {"id": "g1", "clinicians": ["c1"], "backup": "c2", "sessions": ["2026-03-04T17:00:00Z"]},
        {"id": "g2", "clinicians": ["c3"]},
    ],
    "patients": [
        {"id": "p1", "name": "Maria", "group": "g1", "timezone": "Europe/Berlin",
         "checkin_time": "09:00", "locale": "en"},
        {"id": "p2", "name": "Tom", "group": "g2", "timezone": "America/New_York",
         "checkin_time": "08:30", "locale": "en"},
    ],
}


@pytest.fixture
def seed() -> dict[str, Any]:
    return json.loads(json.dumps(SEED))


def jobs_run_alone(bot: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record the jobs `bot` runs one at a time (Coachbot._run_one: after a batch failed or
    found a patient busy): an empty list afterwards means every job ran in a batch."""
    alone: list[Any] = []
    one = bot._run_one

    async def counted(*args: Any) -> Any:
        alone.append(args)
        return await one(*args)

    monkeypatch.setattr(bot, "_run_one", counted)
    return alone
