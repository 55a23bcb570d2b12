"""SQLAlchemy models; the same code runs on SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, orm_insert_sentinel

from bot.clock import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class InsertedInBatches:
    """Tables that many inputs of one batch insert into (bot.batching, bot.storage.queued):
    the sentinel column lets SQLAlchemy insert their rows with one statement and still match
    each new id to its row. SQLite cannot otherwise say which id went to which row, so
    without it every row is an INSERT of its own. The column holds a per-statement counter,
    nothing of meaning."""

    _sentinel: Mapped[int | None] = orm_insert_sentinel()


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    backup_clinician_id: Mapped[str | None] = mapped_column(String(64))
    encouragement: Mapped[bool] = mapped_column(Boolean, default=False)
    programme: Mapped[str] = mapped_column(String(64), default="default")
    created_at: Mapped[datetime]


class GroupClinician(Base):
    __tablename__ = "group_clinicians"
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    clinician_id: Mapped[str] = mapped_column(ForeignKey("clinicians.id"), primary_key=True)


class GroupSession(Base):
    __tablename__ = "group_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), index=True)
    starts_at: Mapped[datetime]


class Clinician(Base):
    __tablename__ = "clinicians"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    chat_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    pending_note_alert_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    checkin_time: Mapped[str] = mapped_column(String(5), default="09:00")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[str] = mapped_column(String(16), default="active")
    """onboarding | active | paused | stopped | completed (the programme ended) | deleted"""
    crisis_open: Mapped[bool] = mapped_column(Boolean, default=False)
    """While a crisis case is open the automated programme is paused until a clinician resumes."""
    paused_until: Mapped[datetime | None]
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime]
    last_message_at: Mapped[datetime | None]
    """When the patient last wrote or pressed a button, to the hour (bot.service.LAST_SEEN_RESOLUTION)."""
    safety_question_at: Mapped[datetime | None]
    """Set while the direct safety question waits for an answer (bot.safety.question)."""

    @property
    def display_name(self) -> str:
        """How clinicians read the patient: their name, or, before onboarding asked for it, a
        description rather than an internal id ("tg7100002")."""
        return self.name or f"a new patient who has not given a name yet ({self.id})"


class Invite(Base):
    __tablename__ = "invites"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # patient | clinician
    group_id: Mapped[str | None] = mapped_column(String(64))
    clinician_id: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(64))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class ContentVersion(Base):
    """Every content version a conversation ever started on, so it can finish on it."""

    __tablename__ = "content_versions"
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class ConversationRow(InsertedInBatches, Base):
    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    dialogue: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    vars: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="active")
    """active | queued | finished | abandoned"""
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (Index("ix_conversations_patient_status", "patient_id", "status"),)


class Answer(InsertedInBatches, Base):
    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    """No foreign key in the database: answers are queued and written in bulk, and a new
    conversation's id is filled in then (bot.storage.queued)."""
    dialogue: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSON)
    at: Mapped[datetime]


class Score(InsertedInBatches, Base):
    __tablename__ = "scores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    raw: Mapped[float] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime]


class Message(InsertedInBatches, Base):
    """What patients wrote, with the triage verdict: the context clinicians see on an alert."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    risk: Mapped[str] = mapped_column(String(16), default="none")
    rupture: Mapped[str] = mapped_column(String(16), default="none")
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    at: Mapped[datetime]


class Alert(InsertedInBatches, Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))  # crisis | concern | rupture
    source: Mapped[str] = mapped_column(String(32))  # triage | questionnaire | signal | dialogue
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open | acknowledged | contacted | resolved"""
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    feedback: Mapped[str | None] = mapped_column(String(16))  # useful | false_alarm
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_alerts_group_status", "group_id", "status"),)
    """The dashboard's open alerts of a clinician's groups (migration 0010)."""


OUTBOX_PENDING = text("status = 'pending'")
"""The rows ix_outbox_pending_recipient holds."""
OUTBOX_HEADS = {
    "postgresql": "status = 'pending' AND head AND recipient {like} 'chat:%'",
    "sqlite": "status = 'pending' AND head = 1 AND recipient {like} 'chat:%'",
}
"""The rows ix_outbox_heads (NOT LIKE) and ix_outbox_stranger_heads (LIKE) hold, as each
database renders the claim's conditions (SQLite has no boolean type: `head = 1`)."""
_HEADS = {(dialect, like): text(where.format(like=like)) for dialect, where in OUTBOX_HEADS.items()
          for like in ("LIKE", "NOT LIKE")}


class Outbox(InsertedInBatches, Base):
    """Everything to send, written in the same transaction as the state change that caused it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(80), index=True)
    """patient:ID | clinician:ID | chat:KEY (someone not yet enrolled)"""
    kind: Mapped[str] = mapped_column(String(16), default="message")  # message | photo | alert
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """[[{"label", "data"}]]: callback data checked against server state when pressed."""
    conversation_id: Mapped[int | None] = mapped_column(Integer)
    """The conversation whose question this is (its buttons carry the id). No foreign key in
    the database: erasure deletes a patient's conversations while their last messages wait."""
    photo_path: Mapped[str | None] = mapped_column(String(500))
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """The image itself, so any process can send it (photo_path is where it was drawn)."""
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Pieces of a long message (photo, then text parts) already delivered: a retry goes on
    from there, so no piece is sent twice."""
    severity: Mapped[str | None] = mapped_column(String(16))
    patient_id: Mapped[str | None] = mapped_column(String(64))
    alert_id: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    """0 = crisis (first out of the door), 5 = ordinary."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending | sent | failed | blocked | dropped"""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(64))
    head: Mapped[bool] = mapped_column(Boolean, server_default=true())
    """May be its recipient's next message: false only once the sender has seen an earlier
    pending row of the same recipient (bot.telegram.sender.claim_statement). Every new row
    starts true (the database's default: no writer has to know), and when a row leaves the
    queue (or its priority changes) a trigger sets it again on its recipient's first pending
    row (migration 0008). So the first pending row of every recipient always has it, and the
    claim looks only at rows that have it (ix_outbox_heads), not at every message queued
    behind another. The triggers exist only in the migrations: a schema made from these
    models alone (metadata.create_all) would leave chats waiting for ever."""
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_pending_recipient", "recipient", "priority", "id",
              postgresql_where=OUTBOX_PENDING, sqlite_where=OUTBOX_PENDING),
        Index("ix_outbox_heads", "priority", "next_attempt_at", "id",
              postgresql_where=_HEADS["postgresql", "NOT LIKE"], sqlite_where=_HEADS["sqlite", "NOT LIKE"]),
        Index("ix_outbox_stranger_heads", "priority", "next_attempt_at", "id",
              postgresql_where=_HEADS["postgresql", "LIKE"], sqlite_where=_HEADS["sqlite", "LIKE"]),
    )
    """ix_outbox_pending_recipient: a recipient's pending rows in the order they go (is this row
    its recipient's first?). ix_outbox_heads and ix_outbox_stranger_heads: the rows that may be
    a recipient's next, by priority and then when they are due, for patients and clinicians and
    for strangers (recipient `chat:…`) apart, as the sender claims them apart. Their predicates
    are written as each database renders the claim's own conditions, so that it can use them
    (tests/e2e/test_outbox_heads.py checks that it does)."""


class Job(InsertedInBatches, Base):
    """Scheduled work; claimed with row locks so several processes can share the table."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    patient_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending | running | done | cancelled | failed"""
    unique_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_jobs_status_due", "status", "due_at"),)


INBOX_PENDING = text("status = 'pending'")
"""The rows ix_inbox_pending holds (the same predicate on both databases)."""


class InboxUpdate(Base):
    """Each incoming update, unique on its id, stored before it counts as received."""

    __tablename__ = "inbox"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_inbox_pending", "chat_key", "update_id", postgresql_where=INBOX_PENDING,
              sqlite_where=INBOX_PENDING),
        Index("ix_inbox_received_at", "received_at"),
    )
    """The inbox keeps a week of handled updates, and every second it looks for the few still
    pending (bot.telegram.inbox.PENDING_CHATS): ix_inbox_pending holds only those, so the look
    does not read the whole week. ix_inbox_received_at finds the oldest updates, which are
    forgotten every hour (bot.telegram.inbox.Inbox.forget_old)."""


class AuditEntry(InsertedInBatches, Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(64), index=True)
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ExerciseAssignment(Base):
    """A clinician's choice of exercises for a group or one patient from a given day on."""

    __tablename__ = "exercise_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(64))
    exercises: Mapped[list[Any]] = mapped_column(JSON)
    starts_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("group_id", "patient_id", "starts_at"),)


class Goal(Base):
    """A patient's own goal, in their words (one to three at a time). Changing goals ends the
    old ones (`ended_at`) rather than deleting them, so their ratings keep their meaning."""

    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class GoalRating(Base):
    """How a goal went in a week, as the patient rated it (0-10), with their optional note."""

    __tablename__ = "goal_ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
