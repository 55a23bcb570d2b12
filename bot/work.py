"""A unit of work: one transaction, one clock reading, and the helpers every handler needs.

Handlers never send anything; they add outbox rows, jobs and audit entries here, and all of
it commits together with the state change (or not at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import daily_batch, outbox
from bot.content.bundle import Bundle
from bot.content.registry import ContentRegistry
from bot.engine.engine import Engine
from bot.outbox import PRIORITY_SCHEDULED
from bot.storage import queued
from bot.storage.db import Database
from bot.storage.models import AuditEntry, ConversationRow, Job, Outbox
from bot.storage.queued import Queued


def audit_entry(at: datetime, actor: str, action: str, patient_id: str | None = None,
                alert_id: int | None = None, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """An audit row's values, for the queue (bot.storage.queued)."""
    return {"at": at, "actor": actor, "action": action, "patient_id": patient_id,
            "alert_id": alert_id, "detail": detail or {}}


def message_entry(patient_id: str, text: str, at: datetime, risk: str = "none", rupture: str = "none",
                  reasons: list[str] | None = None) -> dict[str, Any]:
    """A row of what a patient wrote (with its triage verdict), for the queue."""
    return {"patient_id": patient_id, "text": text, "risk": risk, "rupture": rupture,
            "reasons": reasons or [], "at": at}


JOB_BY_KEY = select(Job.id).where(Job.unique_key == bindparam("key"))
"""Built once: every daily job asks it (building a statement costs more than running it)."""


@dataclass
class Work:
    session: AsyncSession
    now: datetime
    db: Database
    content: ContentRegistry
    engine: Engine
    settings: Any
    priority: int = PRIORITY_SCHEDULED
    """What this work sends goes at this priority unless `send` says otherwise: a reply to a
    person (PRIORITY_REPLY) or the programme's own (bot.outbox)."""
    callback_answer: str | None = None
    """A short reply to a button press (Telegram shows it as a toast)."""
    sent: list[Queued] = field(default_factory=list)

    @property
    def bundle(self) -> Bundle:
        return self.content.current()

    def send(
        self,
        recipient: str,
        text: str,
        buttons: list[list[dict[str, str]]] | None = None,
        *,
        kind: str = "message",
        priority: int | None = None,
        severity: str | None = None,
        patient_id: str | None = None,
        alert_id: int | None = None,
        photo_path: str | None = None,
        conversation: ConversationRow | None = None,
        not_before: datetime | None = None,
    ) -> Queued:
        """Queue a message (bot.storage.queued); `conversation`: the one whose buttons these are;
        `not_before`: when it may go (quiet hours), if later than now."""
        message = queued.queue(self.session, Outbox, outbox.message(
            recipient, text, self.now, buttons=buttons, kind=kind,
            priority=self.priority if priority is None else priority,
            severity=severity, patient_id=patient_id, alert_id=alert_id, photo_path=photo_path,
            not_before=not_before), conversation)
        self.sent.append(message)
        return message

    def audit(
        self, actor: str, action: str, *, patient_id: str | None = None,
        alert_id: int | None = None, **detail: Any,
    ) -> None:
        queued.queue(self.session, AuditEntry, audit_entry(self.now, actor, action, patient_id, alert_id, detail))

    async def schedule(
        self, kind: str, due_at: datetime, *, patient_id: str | None = None,
        unique_key: str | None = None, **payload: Any,
    ) -> None:
        """Add a job (queued with the transaction's other rows, bot.storage.queued: a batch of
        daily jobs adds two each); with `unique_key`, a job already scheduled under that key is kept."""
        if unique_key is not None:
            known = daily_batch.job_key_exists(self, unique_key)
            if known or (known is None and await self.session.scalar(JOB_BY_KEY, {"key": unique_key}) is not None):
                return
            daily_batch.job_key_added(self, unique_key)
        queued.queue(self.session, Job, {
            "kind": kind, "due_at": due_at, "patient_id": patient_id, "payload": payload,
            "status": "pending", "unique_key": unique_key, "attempts": 0})

    def text(self, key: str, locale: str, default: str, /, **variables: Any) -> str:
        """A message from content, falling back to code's default so safety never depends on it."""
        from bot.engine.engine import render

        template = self.bundle.message(key, locale) or default
        return render(template, variables)
