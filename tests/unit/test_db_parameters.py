"""A failed statement never puts its parameters (a patient's message, a name) in an error or a
log line: the engine hides them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.db import Database

SECRET = "i-will-take-all-the-pills-tonight-7391"


async def test_a_failed_write_names_no_parameter(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(Exception) as raised:
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO no_such_table (t) VALUES (:t)"), {"t": SECRET})
        chain, error = [], raised.value
        while error is not None:
            chain.append(str(error))
            error = error.__cause__ or error.__context__  # type: ignore[assignment]
        assert chain and not any(SECRET in message for message in chain)
        assert SECRET not in caplog.text
    finally:
        await db.dispose()
