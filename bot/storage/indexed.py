"""`FROM table AS name INDEXED BY index` on SQLite: the index a query must read, named.

Why: SQLite chooses among indexes by its statistics, and it has none until ANALYZE runs (the
bot never runs it). Without them it reads the outbox claim's rows through
ix_outbox_status_next, every pending row, 200 ms a claim at 100,000 rows, instead of the
partial index of the rows that may go next (bot.telegram.sender.walk_statement). INDEXED BY
also makes SQLite refuse the statement outright if that index cannot serve it (a predicate
that no longer matches the index's), rather than quietly reading the whole table. Other
databases get the plain alias: PostgreSQL has statistics and chooses well.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.visitors import InternalTraversal


class IndexedAlias(Alias):
    """An alias of a table that SQLite reads through one named index."""

    __visit_name__ = "alias"
    inherit_cache = True
    _traverse_internals = [*Alias._traverse_internals,  # noqa: RUF012 - SQLAlchemy's own declaration
                           ("index", InternalTraversal.dp_string)]
    index: str


def indexed_by(table: Any, name: str, index: str) -> IndexedAlias:
    """`table AS name`, read through `index` on SQLite."""
    alias = IndexedAlias._construct(table, name=name)
    alias.index = index
    return alias


@compiles(IndexedAlias, "sqlite")
def _indexed_by(element: IndexedAlias, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.visit_alias(element, **kw)
    return f"{text} INDEXED BY {element.index}" if kw.get("asfrom") else text
