"""Messages queued in a transaction, written to the outbox together when it commits.

Why not ORM objects: a batch of inputs queues two or three messages per input, and ORM
objects cost more than the rows' INSERT (measured on SQLite, transaction included: building,
adding and flushing 32 outbox objects 2.9 ms, one INSERT of the same rows 1.8 ms; saturated
batches of the engine benchmark went from about 1,700-2,000 to 2,250-2,600 inputs/s). A
message is append-only until the sender picks it up, in another transaction, so nothing in
between needs an object.

Nothing is lost: `_write_before_commit` writes whatever is still queued as the transaction
commits, whatever code path queued it. A transaction that rolls back drops its queue with it.
Queued messages are not visible to queries in the same transaction until `write_queued` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.storage.models import ConversationRow, Outbox

PRIORITY_CRISIS = 0
"""First out of the door."""
PRIORITY_ALERT = 2
PRIORITY_NORMAL = 5
PRIORITY_BULK = 8

_QUEUE_KEY = "coachbot.queued_messages"
NEW_CONVERSATION = "new"
"""Stands for the id of a conversation not inserted yet, in its buttons' callback data, until
the message is written; a press that still carried it would be refused as stale."""
INSERT_MESSAGES = insert(Outbox).returning(Outbox.id, sort_by_parameter_order=True)


@dataclass(slots=True)
class Queued:
    """One message waiting for its transaction to commit; `id` is set once it is written."""

    values: dict[str, Any]
    conversation: ConversationRow | None = None
    """The conversation whose buttons these are, when it may not have an id yet."""
    id: int | None = None


def message(recipient: str, text: str, now: datetime, *, buttons: list[list[dict[str, str]]] | None = None,
            kind: str = "message", priority: int = PRIORITY_NORMAL, severity: str | None = None,
            patient_id: str | None = None, alert_id: int | None = None, photo_path: str | None = None,
            not_before: datetime | None = None) -> dict[str, Any]:
    """A new outbox row's values: every column but the id (one INSERT takes rows alike)."""
    return {
        "recipient": recipient, "kind": kind, "text": text, "buttons": buttons or [],
        "conversation_id": None, "priority": priority, "severity": severity,
        "patient_id": patient_id, "alert_id": alert_id, "photo_path": photo_path,
        "photo": Path(photo_path).read_bytes() if photo_path else None,
        "status": "pending", "attempts": 0, "parts_sent": 0,
        "next_attempt_at": max(not_before or now, now), "created_at": now,
    }


def queue(session: AsyncSession | Session, values: dict[str, Any],
          conversation: ConversationRow | None = None) -> Queued:
    """Add a message (`message()`) to this transaction's queue."""
    message = Queued(values, conversation if conversation is not None and conversation.id is None else None)
    if conversation is not None and conversation.id is not None:
        values["conversation_id"] = conversation.id
    session.info.setdefault(_QUEUE_KEY, []).append(message)
    return message


async def write_queued(session: AsyncSession) -> None:
    """Write this transaction's queued messages now, so that their ids are known."""
    if session.info.get(_QUEUE_KEY):
        await session.run_sync(_write)


def _write(session: Session) -> None:
    waiting: list[Queued] = session.info.pop(_QUEUE_KEY, [])
    if not waiting:
        return
    if any(message.conversation is not None for message in waiting):
        session.flush()  # the new conversations get their ids
    rows = [_complete(message) for message in waiting]
    ids = session.connection().execute(INSERT_MESSAGES, rows).scalars().all()
    for message, row_id in zip(waiting, ids, strict=True):
        message.id = row_id


def _complete(message: Queued) -> dict[str, Any]:
    """The row to insert: a new conversation's id goes into the message and its buttons."""
    values, conversation = message.values, message.conversation
    if conversation is None:
        return values
    if conversation.id is None:
        raise RuntimeError("a queued message's conversation was not inserted")
    placeholder, real = f"d:{NEW_CONVERSATION}:", f"d:{conversation.id}:"
    values["conversation_id"] = conversation.id
    values["buttons"] = [[{**b, "data": b["data"].replace(placeholder, real, 1)} for b in line]
                         for line in values["buttons"]]
    return values


@orm_event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    """The guarantee: what a transaction queued is written before it commits."""
    _write(session)


@orm_event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    """What a transaction queued goes with it when it rolls back."""
    session.info.pop(_QUEUE_KEY, None)
