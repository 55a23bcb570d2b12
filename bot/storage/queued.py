"""Rows only ever added in a transaction (outbox messages, answers, scores, what patients
wrote, the audit trail, jobs), queued and written with one INSERT per table, not as ORM objects.

Why: a batch of inputs adds three or four such rows per input, and an ORM object costs more
than its row's share of one INSERT (measured on SQLite, transaction included: building, adding
and flushing 32 outbox objects 2.9 ms, one INSERT of the same rows 1.8 ms). Saturated batches
of the engine benchmark (3,000 patients) went from about 1,700-2,000 inputs/s to 2,250-2,600
with messages queued, and 2,450-2,900 with answers too. Nothing reads these rows back as
objects in the transaction that adds them.

Queued rows behave like pending ORM objects, so nothing is lost and queries see them:
- they are written before any query the session runs, as autoflush writes pending objects
  (and not under `no_autoflush`, as it does not);
- whatever is still queued is written as the transaction commits (`_write_before_commit`);
- a transaction that rolls back drops its queue.
A row may name a conversation inserted in the same transaction: its id is filled in when the
row is written (`conversation_id`, and in buttons' callback data, `NEW_CONVERSATION`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, insert
from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from bot.storage.models import Base, ConversationRow, Outbox

_QUEUE_KEY = "coachbot.queued_rows"
NEW_CONVERSATION = "new"
"""Stands for the id of a conversation not inserted yet, in buttons' callback data, until the
row is written; a press that still carried it would be refused as stale."""


@dataclass(slots=True)
class Queued:
    """One row waiting to be written; `id` is set once it is (for IDS_WANTED tables)."""

    model: type[Base]
    values: dict[str, Any]
    conversation: ConversationRow | None = None
    """The conversation the row belongs to, when it had no id yet as the row was queued."""
    id: int | None = None


IDS_WANTED: tuple[type[Base], ...] = (Outbox,)
"""Tables whose new ids someone needs: the door tells the sender which messages an input
queued (bot.service.Reply.outbox_ids). The others are inserted without asking for ids back."""
_INSERTS: dict[type[Base], Insert] = {}


def _insert(model: type[Base]) -> Insert:
    """One statement per table, built once; where wanted, ids come back in the rows' order."""
    if model not in _INSERTS:
        statement = insert(model)
        if model in IDS_WANTED:
            statement = statement.returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
        _INSERTS[model] = statement
    return _INSERTS[model]


def queue(session: AsyncSession | Session, model: type[Base], values: dict[str, Any],
          conversation: ConversationRow | None = None) -> Queued:
    """Add a row of `model` (`values`: every column but the id, the same keys for every row
    of a table) to this transaction's queue."""
    if conversation is not None and conversation.id is not None:
        values["conversation_id"], conversation = conversation.id, None
    row = Queued(model, values, conversation)
    session.info.setdefault(_QUEUE_KEY, []).append(row)
    return row


async def write_queued(session: AsyncSession) -> None:
    """Write this transaction's queued rows now, so that their ids are known."""
    if session.info.get(_QUEUE_KEY):
        await session.run_sync(_write)


def _write(session: Session) -> None:
    waiting: list[Queued] = session.info.pop(_QUEUE_KEY, [])
    if not waiting:
        return
    if session.new:
        session.flush()  # new conversations get their ids, new patients exist for the answers
    by_model: dict[type[Base], list[Queued]] = {}
    for row in waiting:
        by_model.setdefault(row.model, []).append(row)
    connection = session.connection()
    for model, rows in by_model.items():
        result = connection.execute(_insert(model), [_complete(row) for row in rows])
        if model in IDS_WANTED:
            for row, row_id in zip(rows, result.scalars().all(), strict=True):
                row.id = row_id


def _complete(row: Queued) -> dict[str, Any]:
    """The values to insert: a new conversation's id goes into the row and its buttons."""
    values, conversation = row.values, row.conversation
    if conversation is None:
        return values
    if conversation.id is None:
        raise RuntimeError(f"a queued {row.model.__name__}'s conversation was not inserted")
    values["conversation_id"] = conversation.id
    if "buttons" in values:
        placeholder, real = f"d:{NEW_CONVERSATION}:", f"d:{conversation.id}:"
        values["buttons"] = [[{**b, "data": b["data"].replace(placeholder, real, 1)} for b in line]
                             for line in values["buttons"]]
    return values


@orm_event.listens_for(Session, "do_orm_execute")
def _write_before_a_query(state: ORMExecuteState) -> None:
    """As autoflush does, and with it (it runs next): a query sees what the transaction added,
    except under `no_autoflush`, where it sees only what was stored before (bot.signals asks
    for the history before the answer being checked that way)."""
    session = state.session
    if session.autoflush and session.info.get(_QUEUE_KEY):
        _write(session)


@orm_event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    """The guarantee: what a transaction queued is written before it commits."""
    _write(session)


@orm_event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    """What a transaction queued goes with it when it rolls back."""
    session.info.pop(_QUEUE_KEY, None)
