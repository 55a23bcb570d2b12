"""`column IN (a list given at execution)`, written for each database.

Why: SQLAlchemy's expanding IN (`bindparam(..., expanding=True)`) renders the statement
again for every execution, with one placeholder per item, so a batch of 7 and a batch of 8
are different statements: on PostgreSQL each length is another prepared statement (the
driver's cache holds 100), and rendering was 4-6% of the bot's CPU under load (py-spy,
bench/e2e_bench.py). On PostgreSQL `column = ANY(:list)` is one statement for every length,
the list travelling as one array parameter. SQLite has no arrays: there it stays the
expanding IN. Both mean the same, also for an empty list (nothing is in it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Boolean, all_, any_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class InList(ColumnElement[bool]):
    """`column IN (:name)` (or NOT IN, `negated`), the list passed as the parameter `name`."""

    __visit_name__ = "in_list"
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True
    """A comparison, as IN is: not to be compared with 1 on databases without a boolean type."""
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's own declaration is not a ClassVar
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
        ("negated", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column: ColumnElement[Any], name: str, negated: bool = False) -> None:
        self.column = column
        self.name = name
        self.negated = negated


def in_list(column: Any, name: str) -> InList:
    """`column IN (...)`, the list given at execution as `name`."""
    return InList(column, name)


def not_in_list(column: Any, name: str) -> InList:
    """`column NOT IN (...)`, the list given at execution as `name`."""
    return InList(column, name, negated=True)


@compiles(InList)
def _expanding_in(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    values: Any = bindparam(element.name, expanding=True)
    clause = element.column.not_in(values) if element.negated else element.column.in_(values)
    return compiler.process(clause, **kw)


@compiles(InList, "postgresql")
def _array_any(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    values = bindparam(element.name, type_=ARRAY(element.column.type))
    clause = element.column != all_(values) if element.negated else element.column == any_(values)
    return compiler.process(clause, **kw)
