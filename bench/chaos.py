"""Chaos benchmark: the real bot against a misbehaving world, on SQLite and PostgreSQL.

Fuzzed updates (10,000 by default: malformed, huge, NUL, lone surrogates, deep nesting,
strangers, groups, unknown kinds) through the webhook door; Telegram answering 429, 500, 502,
hanging and dropping connections; kill -9 while a backlog is being sent (one request hanging
after Telegram delivered it); a database outage. The harness is tests/chaos/harness.py, which
tests/chaos/test_chaos.py runs in short in CI; the kill is the in-process one of
tests/e2e/conftest.py (every task cancelled where it stands, connections dropped).

    python bench/chaos.py [--updates 10000] [--kills 3] [--database sqlite|postgres|both]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Prints, per database: updates sent, replies, lost, duplicated, held after restart, 5xx on fuzz,
text in logs, and which invariant broke if any (exit status 1 then).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres import admin
from bot import PROJECT_ROOT, eventloop
from bot.config import load_settings
from bot.telegram.channel import ChannelOptions
from tests.chaos.harness import ChaosConfig, Figures, run_chaos
from tests.e2e.conftest import BotUnderTest
from tests.e2e.emulator import BotApiEmulator

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "project"


async def one(database: str, config: ChaosConfig, admin_url: str) -> Figures:
    """A run on a database of its own (a file, or a PostgreSQL database dropped afterwards)."""
    with tempfile.TemporaryDirectory(prefix="coachbot-chaos-") as tmp:
        emulator = BotApiEmulator()
        await emulator.start()
        settings = replace(load_settings({}), dialogues_dir=FIXTURE / "dialogues", content_dir=FIXTURE / "content",
                           data_dir=Path(tmp) / "data", rasa_url=None, triage_model=False,
                           telegram_bot_token=emulator.token, telegram_api_base_url=emulator.base_url)
        name = f"coachbot_chaos_{uuid.uuid4().hex[:8]}"
        if database == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'chaos.sqlite3'}"
        else:
            await admin(admin_url, f'CREATE DATABASE "{name}"')
            base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            url = f"{base}/{name}"
        made: list[BotUnderTest] = []

        def make(options: ChannelOptions) -> BotUnderTest:
            made.append(BotUnderTest(settings, url, emulator, options))
            return made[-1]

        try:
            return await run_chaos(make, emulator, url, config)
        finally:
            for bot in made:
                await bot.stop()
            await emulator.stop()
            if database == "postgres":
                await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(databases: list[str], config: ChaosConfig, admin_url: str) -> int:
    broken = 0
    for database in databases:
        figures = await one(database, config, admin_url)
        print(figures.summary(), flush=True)
        if problems := figures.problems():
            broken += 1
            print(f"  BROKEN: {', '.join(problems)}", flush=True)
        for line in figures.leaks[:10]:  # the fuzz's own marked texts, and tracebacks
            print(f"  log: {line[:400]!r}", flush=True)
    return 1 if broken else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=10_000, help="fuzzed webhook requests")
    parser.add_argument("--kills", type=int, default=3, help="kill -9 during sends, each then restarted")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=ChaosConfig.seed)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    config = ChaosConfig(updates=args.updates, kills=args.kills, seed=args.seed)
    sys.exit(eventloop.run(run(databases, config, args.admin_url)))


if __name__ == "__main__":
    main()
