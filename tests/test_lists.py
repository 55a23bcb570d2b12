"""bot.storage.lists: IN and NOT IN over a list given at execution, on SQLite and PostgreSQL
alike (PostgreSQL as `= ANY` / `!= ALL`, one statement for lists of any length)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.isotime import parse_time
from bot.storage.db import Database
from bot.storage.lists import in_list, not_in_list
from bot.storage.models import Patient

NOW = parse_time("2026-03-02T08:00:00Z")
IDS = ["p1", "p2", "p3"]
BY_ID = select(Patient.id).where(in_list(Patient.id, "ids")).order_by(Patient.id)
OTHERS = select(Patient.id).where(not_in_list(Patient.id, "ids")).order_by(Patient.id)
BY_ID_OR_CHAT = (select(Patient.id).where(or_(in_list(Patient.id, "ids"), in_list(Patient.chat_key, "keys")))
                 .order_by(Patient.id))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    async with database.transaction() as session:
        session.add_all([Patient(id=i, chat_key=f"tg:{i}", name=i, enrolled_at=NOW) for i in IDS])
    yield database
    await database.dispose()


@pytest.mark.parametrize(("wanted", "found", "others"), [
    ([], [], IDS),
    (["p2"], ["p2"], ["p1", "p3"]),
    (["p3", "p1", "nobody"], ["p1", "p3"], ["p2"]),
    (IDS, IDS, []),
])
async def test_in_and_not_in(db: Database, wanted: list[str], found: list[str], others: list[str]) -> None:
    async with db.transaction() as session:
        assert list(await session.scalars(BY_ID, {"ids": wanted})) == found
        assert list(await session.scalars(OTHERS, {"ids": wanted})) == others


async def test_lists_of_every_length_share_one_statement_on_postgresql(db: Database) -> None:
    texts: set[str] = set()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        texts.add(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    async with db.transaction() as session:
        for n in range(len(IDS) + 1):
            assert list(await session.scalars(BY_ID_OR_CHAT, {"ids": IDS[:n], "keys": ["tg:p3"]})) == sorted(
                set(IDS[:n]) | {"p3"})
    event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert len(texts) == (len(IDS) + 1 if db.is_sqlite else 1)  # SQLite: one text per length


def test_postgresql_gets_one_array_parameter_sqlite_an_expanding_in() -> None:
    on_postgresql = str(BY_ID_OR_CHAT.compile(dialect=postgresql.asyncpg.dialect()))
    assert "patients.id = ANY ($1::VARCHAR(64)[]) OR patients.chat_key = ANY ($2::VARCHAR(64)[])" in on_postgresql
    assert "!= ALL" in str(OTHERS.compile(dialect=postgresql.asyncpg.dialect()))
    on_sqlite = str(BY_ID_OR_CHAT.compile(dialect=sqlite.dialect()))
    assert "patients.id IN (__[POSTCOMPILE_ids]) OR patients.chat_key IN (__[POSTCOMPILE_keys])" in on_sqlite
    assert "= 1" not in on_sqlite  # a comparison, not a boolean column compared with 1
