"""Patients' conversations: start, queue, step, and carry out what the engine returns.

A patient has at most one active conversation; a dialogue that falls due while another is
running waits (status `queued`) and starts when that one ends: prompts are merged, not stacked.
A conversation the patient has left alone for STALE_AFTER does not hold up what falls due next:
it is set aside (queued with its place kept) and picked up again, where it stopped, after the
new one; set-aside and queued prompts older than QUEUE_KEEP are dropped as missed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, inspect, select
from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from bot.engine import events as ev
from bot.engine.engine import Conversation, Input, StepResult
from bot.errors import EngineError, StaleButton
from bot.storage import queued
from bot.storage.models import Answer, ConversationRow, Patient, Score
from bot.work import Work

log = logging.getLogger(__name__)

ONBOARDING = "onboarding"
STALE_AFTER = timedelta(hours=2)
"""A conversation left unanswered this long gives way to the next prompt, which is not
lost: the session feedback is not held up by a half-answered check-in, nor tomorrow's
check-in by an unfinished questionnaire."""
QUEUE_KEEP = timedelta(days=3)
"""Queued or set-aside prompts older than this are dropped: no pile of old questions."""
PROFILE_FIELDS = ("name", "timezone", "checkin_time", "locale")
CHAIN_VAR = "_then"
"""A conversation's variable with the rest of the day's chain (bot.programme.continue_chain)."""
CHAINED_VAR = "_chained"
"""Set on a conversation of the day's chain that followed another (or ran at its own time)."""


def context_of(patient: Patient) -> dict[str, Any]:
    """Variables every script may use: `{name}`, `{locale}`, ..."""
    return {"name": patient.name or "there", "locale": patient.locale or "en",
            "timezone": patient.timezone, "checkin_time": patient.checkin_time}


def _to_engine(row: ConversationRow) -> Conversation:
    return Conversation(dialogue=row.dialogue, version=row.version, state=row.state,
                        seq=row.seq, vars=dict(row.vars or {}))


OPEN = ("active", "queued")
_OPEN_KEY = "coachbot.open_conversations"
# Statements every input runs, built once (building one costs more than running it cached).
ACTIVE_CONVERSATION = (select(ConversationRow)
                       .where(ConversationRow.patient_id == bindparam("patient_id"),
                              ConversationRow.status == "active")
                       .order_by(ConversationRow.id.desc()).limit(1))
QUEUED_CONVERSATIONS = (select(ConversationRow)
                        .where(ConversationRow.patient_id == bindparam("patient_id"),
                               ConversationRow.status == "queued")
                        .order_by(ConversationRow.id))


def remember_open(session: AsyncSession, patient_ids: list[str], rows: list[ConversationRow]) -> None:
    """Keep these patients' open (active or queued) conversations, `rows`, read together
    with them (bot.service's PATIENTS_BY_CHAT), with the session, so that for the rest of the
    transaction `active_conversation` and the queue answer from memory (a batch of inputs
    asks this several times per patient). Memory stays the truth: statuses change on these
    very objects, new rows join the list (`_add`), and a patient whose rows are deleted in
    bulk is forgotten (`forget_open`)."""
    index: dict[str, list[ConversationRow]] = session.info.setdefault(_OPEN_KEY, {})
    for patient_id in patient_ids:
        index[patient_id] = []
    for row in rows:
        index[row.patient_id].append(row)


def forget_open(work: Work, patient_id: str) -> None:
    work.session.info.get(_OPEN_KEY, {}).pop(patient_id, None)


def _open(work: Work, patient_id: str, status: str) -> list[ConversationRow] | None:
    """The patient's conversations in `status`, oldest first, from memory; None when they
    were not loaded (then the database is asked)."""
    rows = work.session.info.get(_OPEN_KEY, {}).get(patient_id)
    if rows is None:
        return None
    return sorted((row for row in rows if row.status == status),
                  key=lambda row: (row.id is None, row.id or 0))


def _add(work: Work, row: ConversationRow) -> None:
    work.session.add(row)
    rows = work.session.info.get(_OPEN_KEY, {}).get(row.patient_id)
    if rows is not None:
        rows.append(row)


async def active_conversation(work: Work, patient_id: str) -> ConversationRow | None:
    """The patient's current conversation. The session is flushed first only when this
    patient's conversations have unsaved changes (which the query must see): flushing
    everything else pending, such as other inputs' outbox rows in a batch, would write those
    out row by row instead of all together at the end (bot.batching)."""
    known = _open(work, patient_id, "active")
    if known is not None:
        return known[-1] if known else None
    if _unsaved_conversations(work, patient_id):
        return await work.session.scalar(ACTIVE_CONVERSATION, {"patient_id": patient_id})
    with work.session.no_autoflush:
        return await work.session.scalar(ACTIVE_CONVERSATION, {"patient_id": patient_id})


def _unsaved_conversations(work: Work, patient_id: str) -> bool:
    return any(isinstance(row, ConversationRow) and row.patient_id == patient_id
               for row in chain(work.session.new, work.session.dirty))


async def _queued(work: Work, patient_id: str) -> list[ConversationRow]:
    """The patient's queued conversations, oldest first."""
    known = _open(work, patient_id, "queued")
    if known is not None:
        return known
    return list(await work.session.scalars(QUEUED_CONVERSATIONS, {"patient_id": patient_id}))


async def start_dialogue(
    work: Work, patient: Patient, dialogue: str, variables: dict[str, Any] | None = None,
    *, replace_same: bool = True,
) -> ConversationRow | None:
    """Start now, or queue behind the active conversation; the same dialogue is never doubled."""
    if dialogue not in work.bundle.dialogues:
        log.error("dialogue %r is not in content %s", dialogue, work.bundle.version)
        work.audit("coachbot", "content_error", patient_id=patient.id, dialogue=dialogue)
        return None
    for old in await _queued(work, patient.id):
        if old.dialogue == dialogue and old.state != "":
            old.status, old.updated_at = "abandoned", work.now  # today's replaces yesterday's
    active = await active_conversation(work, patient.id)
    if active is not None and active.dialogue != dialogue and work.now - active.updated_at >= STALE_AFTER:
        set_aside(work, active)
        active = None
    if active is not None:
        if active.dialogue == dialogue and replace_same:
            active.status = "abandoned"  # yesterday's unanswered prompt gives way to today's
            active.updated_at = work.now
        else:
            queued = [row for row in await _queued(work, patient.id) if row.dialogue == dialogue]
            if queued or active.dialogue == dialogue:
                return None
            row = ConversationRow(
                patient_id=patient.id, dialogue=dialogue, version=work.bundle.version,
                state="", seq=0, vars=dict(variables or {}), status="queued",
                started_at=work.now, updated_at=work.now,
            )
            _add(work, row)
            return row
    return await _begin(work, patient, dialogue, dict(variables or {}))


async def _begin(
    work: Work, patient: Patient, dialogue: str, variables: dict[str, Any],
    row: ConversationRow | None = None,
) -> ConversationRow | None:
    bundle = work.bundle
    await work.content.store(work.session, bundle, work.now)
    try:
        result = work.engine.start(bundle, dialogue, context_of(patient), variables)
    except EngineError as exc:
        log.error("cannot start %s for %s: %s", dialogue, patient.id, exc)
        work.audit("coachbot", "content_error", patient_id=patient.id, dialogue=dialogue, error=str(exc))
        return None
    if row is None:  # inserted with the rest of the batch; its buttons get its id then
        row = ConversationRow(patient_id=patient.id, dialogue=dialogue, started_at=work.now)
        _add(work, row)
    row.version, row.status, row.updated_at, row.reminded = bundle.version, "active", work.now, False
    _store(row, result.conversation)
    await apply(work, patient, row, result)
    return row


def _store(row: ConversationRow, conversation: Conversation) -> None:
    row.state, row.seq, row.vars = conversation.state, conversation.seq, dict(conversation.vars)


async def step(work: Work, patient: Patient, row: ConversationRow, inp: Input, hint: bool = True) -> bool:
    """Feed one input; False when it fit no transition (the patient got a helpful reply: with
    `hint`, "I didn't quite catch that" and the question again; without, just the question,
    after a message that was answered otherwise, such as a concern passed on)."""
    bundle = await work.content.get(work.session, row.version)
    try:
        result = work.engine.handle(bundle, _to_engine(row), inp, context_of(patient))
    except StaleButton:
        work.callback_answer = "This question has already been answered."
        return False
    except EngineError as exc:
        log.error("conversation %s broke: %s", row.id, exc)
        work.audit("coachbot", "content_error", patient_id=patient.id, error=str(exc))
        row.status = "abandoned"
        work.send(f"patient:{patient.id}", work.text(
            "system.broken", patient.locale,
            "Sorry, something went wrong on my side. Let's pick this up later."),
            patient_id=patient.id)
        return False
    if not result.matched:
        if hint:
            await apply(work, patient, row, result)
        else:
            await ask_again(work, patient, row)
        return False
    _store(row, result.conversation)
    row.updated_at, row.reminded = work.now, False
    await apply(work, patient, row, result)
    return True


def button_rows(row: ConversationRow, message: ev.SendMessage) -> list[list[dict[str, str]]]:
    """Callback data `d:<conversation>:<step>:<button>` (checked against the row when pressed)."""
    conversation = queued.NEW_CONVERSATION if row.id is None else str(row.id)
    return [
        [{"label": b.label, "data": f"d:{conversation}:{message.seq}:{b.index}"} for b in line]
        for line in message.buttons
    ]


CHANGING_COLUMNS = ("state", "seq", "vars", "status", "updated_at", "reminded")
"""What a step, a start or an ending changes on a conversation."""


@orm_event.listens_for(Session, "before_flush")
def _update_conversations_alike(session: Session, _context: Any, _instances: Any) -> None:
    """Every changed conversation is written with the same columns, so a batch's conversations
    are updated with one statement: SQLAlchemy only groups UPDATEs that set the same columns,
    and writes only the ones that changed, which differ from one input to the next."""
    for row in session.dirty:
        if isinstance(row, ConversationRow) and session.is_modified(row):
            unloaded = inspect(row).unloaded  # expired: nothing to write for those
            for column in CHANGING_COLUMNS:
                if column not in unloaded:
                    flag_modified(row, column)


async def apply(work: Work, patient: Patient, row: ConversationRow, result: StepResult) -> None:
    """Carry out the engine's events: outbox, answers, scores, flags, jobs, next dialogues."""
    from bot import signals
    from bot.safety import escalation

    recipient = f"patient:{patient.id}"
    to_start: list[ev.StartDialogue] = []
    finished = False
    for event in result.events:
        if isinstance(event, ev.SendMessage):
            work.send(recipient, event.text, button_rows(row, event),
                      patient_id=patient.id, conversation=row)
        elif isinstance(event, ev.RecordAnswer):
            queued.queue(work.session, Answer, {
                "patient_id": patient.id, "conversation_id": None, "dialogue": row.dialogue,
                "key": event.key, "value": event.value, "at": work.now}, row)
        elif isinstance(event, ev.QuestionnaireScored):
            queued.queue(work.session, Score, {
                "patient_id": patient.id, "questionnaire": event.questionnaire, "score": event.score,
                "raw": event.raw, "band": event.band, "answers": event.answers, "at": work.now})
            work.audit("coachbot", "scored", patient_id=patient.id,
                       questionnaire=event.questionnaire, score=event.score, band=event.band)
        elif isinstance(event, ev.RaiseFlag):
            if event.severity == "crisis":
                await escalation.open_crisis(work, patient, None, event.reason, "questionnaire")
            else:
                await escalation.raise_alert(work, patient, event.severity, "dialogue", event.reason)
        elif isinstance(event, ev.ScheduleDialogue):
            await work.schedule("dialogue", work.now + event.after, patient_id=patient.id,
                                dialogue=event.dialogue, vars=event.vars)
        elif isinstance(event, ev.StartDialogue):
            to_start.append(event)
        elif isinstance(event, ev.DialogueFinished):
            finished = True
        await signals.after_event(work, patient, event)
    if finished:
        row.status = "finished"
        row.updated_at = work.now
        await on_finished(work, patient, row)
        chain = (row.vars or {}).get(CHAIN_VAR)
        if isinstance(chain, list):  # one of the day's chain: the next follows (bot.programme)
            from bot.programme import continue_chain

            await continue_chain(work, patient, chain, to_start, chained=bool((row.vars or {}).get(CHAINED_VAR)))
        else:
            for start in to_start:
                await start_dialogue(work, patient, start.dialogue, start.vars)
        await start_next_queued(work, patient)
    else:
        for start in to_start:
            await start_dialogue(work, patient, start.dialogue, start.vars)


def set_aside(work: Work, row: ConversationRow) -> None:
    """Queue an unanswered conversation with its place kept, to be picked up later."""
    row.status = "queued"
    work.audit("coachbot", "conversation_set_aside", patient_id=row.patient_id,
               dialogue=row.dialogue, state=row.state)


async def start_next_queued(work: Work, patient: Patient) -> None:
    if patient.crisis_open or await active_conversation(work, patient.id) is not None:
        return
    while True:
        waiting = await _queued(work, patient.id)
        if not waiting:
            return
        queued = waiting[0]
        if work.now - queued.updated_at > QUEUE_KEEP:
            queued.status, queued.updated_at = "abandoned", work.now
            continue
        if queued.state:
            from bot.programme import resume_fits

            if not await resume_fits(work, patient, queued.dialogue):
                return  # today's budget is spent: it waits (and is dropped after QUEUE_KEEP)
            await _resume(work, patient, queued)
        else:
            await _begin(work, patient, queued.dialogue, dict(queued.vars or {}), queued)
        return


async def _resume(work: Work, patient: Patient, row: ConversationRow) -> None:
    """A set-aside conversation again, at the question where the patient stopped."""
    row.status, row.updated_at, row.reminded = "active", work.now, False
    work.send(f"patient:{patient.id}", work.text(
        "system.pick_up", patient.locale, "Shall we pick up where we left off, {name}?",
        **context_of(patient)), patient_id=patient.id)
    await ask_again(work, patient, row)


async def ask_again(work: Work, patient: Patient, row: ConversationRow) -> None:
    """The conversation's current question once more, with its buttons (a reminder, a resume)."""
    bundle = await work.content.get(work.session, row.version)
    for event in work.engine.reprompt(bundle, _to_engine(row), context_of(patient)):
        if isinstance(event, ev.SendMessage):
            work.send(f"patient:{patient.id}", event.text, button_rows(row, event), patient_id=patient.id,
                      conversation=row)


async def on_finished(work: Work, patient: Patient, row: ConversationRow) -> None:
    """Onboarding answers become the patient's profile, and the programme starts; goals, goal
    reviews and the look-back are kept (bot.programme.finished_dialogue)."""
    from bot.programme import apply_profile, finished_dialogue

    if row.dialogue == ONBOARDING:
        await apply_profile(work, patient, dict(row.vars or {}))
    else:
        await finished_dialogue(work, patient, row)
