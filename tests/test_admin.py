"""`coachbot admin`, through the CLI's parser and handler: what an operator sees."""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

from bot.admin import _run as run_admin_command
from bot.admin import add_admin_commands
from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time


async def admin(settings: Settings, database_url: str, tmp_path: Path, *commands: list[str]) -> tuple[str, str]:
    """Run admin commands in order on one database; what they printed (stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="coachbot admin")
    add_admin_commands(parser)
    bot = await build_service(settings, database_url, SimulatedClock(parse_time("2026-03-02T07:00:00Z")),
                              data_dir=tmp_path)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            for command in commands:
                assert await run_admin_command(bot, parser.parse_args(command)) == 0
    finally:
        await bot.close()
    return out.getvalue(), err.getvalue()


async def test_inviting_patients_to_a_group_nobody_can_be_alerted_about_warns(
    settings: Settings, database_url: str, tmp_path: Path,
) -> None:
    _, err = await admin(settings, database_url, tmp_path, ["create-group", "g9"], ["invite", "g9"])
    assert "a crisis alert about its patients would reach nobody" in err
    _, err = await admin(settings, database_url, tmp_path, ["create-clinician", "c9", "--name", "Dr Nine"],
                         ["assign", "c9", "g9"], ["invite", "g9"])
    assert "would reach nobody" in err  # assigned, but not on Telegram until they send /start CODE
