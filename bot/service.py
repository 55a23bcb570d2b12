"""The pipeline every door feeds: who is this, triage, then patient/clinician/stranger handling.

Inbound messages are handled in transactions with per-patient row locks on PostgreSQL, so one
patient's messages are handled in order across processes; messages from different people that
arrive together share a transaction (bot.batching). A crisis verdict is special: if the database
fails or is slow, the fixed safety response is returned for direct sending and the escalation
is spooled to disk, to be replayed into the database later. No escalation is ever lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select, update

from bot import clinicians, daily_batch, metrics, programme, signals
from bot.batching import Batcher
from bot.clock import Clock
from bot.content.registry import ContentRegistry
from bot.conversations import OPEN, active_conversation, context_of, remember_open, set_aside, start_dialogue, step
from bot.engine.engine import Engine, Input
from bot.errors import StorageError
from bot.isotime import format_time, parse_time
from bot.outbox import PRIORITY_CRISIS, PRIORITY_REPLY, PRIORITY_SCHEDULED, PRIORITY_STRANGER
from bot.replies import plain_intent
from bot.safety import escalation, question
from bot.safety.response import crisis_response, followup_nobody_reached
from bot.safety.spool import Spool, read_entry
from bot.safety.verdict import Verdict
from bot.storage import queued
from bot.storage.db import Database
from bot.storage.lists import in_list, not_in_list
from bot.storage.models import Alert, Clinician, ConversationRow, InboxUpdate, Job, Message, Outbox, Patient
from bot.work import Work, message_entry

log = logging.getLogger(__name__)

CRISIS_DB_BUDGET_S = 3.0
"""How long a crisis message may wait on the database before the safety response goes direct."""
MAX_TEXT = 4000
"""What the dialogue and the records keep of a message (the patient hears that the rest was not
read by the dialogue)."""
MAX_READ = 16_384
"""What triage reads of a message: all of it on Telegram (4,096 characters at most), bounded
for any other door. A crisis sentence at character 4,050 is triaged like one at the start."""
MAX_ROW_ID = 2**31 - 1
"""Row ids are 32-bit integers on PostgreSQL: a pressed button naming a larger one is forged
(asking the database for it would fail instead of answering "no such row")."""
JOBS_TOGETHER = 200
"""Due jobs run in one transaction at most (10,000 check-ins at the same minute are many):
daily jobs read and write together (bot.daily_batch), about 17 statements a transaction
whatever its size, so a bigger batch costs fewer per job (bench/daily_jobs_bench.py). A
busy patient's job waits for the next round; a failing job still sends its batch one at a
time, so that it fails alone."""
LAST_SEEN_RESOLUTION = timedelta(hours=1)
"""A patient's `last_message_at` is kept to the hour: a check-in is several presses within
minutes, and rewriting the patient's row for each was a row written per input for nothing."""
JOB_MAX_ATTEMPTS = 5
JOB_RETRY_AFTER = timedelta(minutes=1)
"""A failed job is tried again after 1, 2, 3, 4 minutes, then marked failed."""


MISUNDERSTOOD = re.compile(
    r"\b(misunderstood|misunderstanding|misread|(was|were|i'?m|just) (only )?joking|didn'?t mean (it|that)"
    r"|not what i meant|wrong idea|took (it|that|me) (the )?wrong|false alarm|i'?m (fine|ok|okay) really)\b",
    re.IGNORECASE)
"""A patient taking back a crisis message ("you misunderstood me"): see _while_crisis_open."""


REPAIR_DIALOGUE = "rupture_repair"
REPAIR_EVERY = timedelta(days=1)
"""A second rupture signal within this is folded into the open rupture alert, without a second
round of questions."""
REPAIR_QUOTE_CHARS = 120
"""How much of what they wrote the repair dialogue quotes back."""
STRANGER_REPLIES = 3
"""Replies to one person who is not enrolled within STRANGER_WINDOW; what they send beyond
that is stored and audited but not answered (a flood, or guessing invite codes). A crisis
always gets the safety response."""
STRANGER_WINDOW = timedelta(minutes=10)
INVITE_CODE = re.compile(r"[A-Z0-9]{4,32}")
"""What `/start CODE` carries (bot.admin.new_code: capitals and digits); lower-case words after
/start are someone's words and are triaged."""


def is_command(text: str | None) -> bool:
    """A command ("/pause ..."): what follows it is read for risk, never for a dialogue's intent."""
    return (text or "").lstrip().startswith("/")


UNSTORABLE = "\x00"
"""PostgreSQL text cannot hold NUL: a message carrying one would fail every write (and a
crisis escalation spooled with it would never replay), so it is dropped at the door."""


# The statements every input runs, built once: building one costs more than SQLAlchemy's
# cached execution of it (the values travel as parameters; lists of any length, bot.storage.lists).
_INBOX = cast(Table, InboxUpdate.__table__)
HANDLE_INBOX_ROWS = (update(_INBOX)
                     .where(in_list(_INBOX.c.update_id, "ids"), _INBOX.c.status == "pending")
                     .values(status="done", processed_at=bindparam("now"), attempts=_INBOX.c.attempts + 1)
                     .returning(_INBOX.c.update_id))
"""Marks the batch's inbox rows handled and returns those that were still pending: an update
already handled (redelivered, or re-read after another process did it) is skipped. One
statement both checks and marks; its row locks hold until the handling commits."""
PATIENTS_BY_CHAT = (select(Patient, ConversationRow)
                    .outerjoin(ConversationRow, and_(ConversationRow.patient_id == Patient.id,
                                                     ConversationRow.status.in_(OPEN)))
                    .where(in_list(Patient.chat_key, "keys")).order_by(Patient.id, ConversationRow.id))
"""A batch's patients, each with its open conversations (none: one row with None)."""
CONVERSATIONS_BY_ID = select(ConversationRow).where(in_list(ConversationRow.id, "ids"))
PATIENT_BY_ID = select(Patient).where(Patient.id == bindparam("id"))
PATIENTS_BY_ID = select(Patient).where(in_list(Patient.id, "ids"))
PATIENTS_EXIST = select(Patient.id).where(in_list(Patient.id, "ids"))
_JOB_PATIENTS = "coachbot.job_patients"
"""A transaction's jobs' patients, locked together (Coachbot._read_together)."""
DUE_JOBS = (select(Job).where(Job.status == "pending", Job.due_at <= bindparam("now"),
                              not_in_list(Job.id, "waiting"))
            .order_by(Job.due_at, Job.id).limit(bindparam("size")))
STRANGER_REPLIES_SINCE = select(func.count()).select_from(Outbox).where(
    Outbox.recipient == bindparam("to"), Outbox.created_at > bindparam("since"))
RECENT_REPAIR = select(ConversationRow.id).where(
    ConversationRow.patient_id == bindparam("patient"), ConversationRow.dialogue == REPAIR_DIALOGUE,
    ConversationRow.started_at > bindparam("since")).limit(1)
PATIENT_EXISTS = select(Patient.id).where(Patient.id == bindparam("id"))


def due_jobs(now: datetime, waiting: set[int], size: int) -> dict[str, Any]:
    """DUE_JOBS' parameters: due by `now`, not `waiting` (their patient is busy), `size` at most."""
    return {"now": now, "waiting": sorted(waiting), "size": size}


def without_unstorable(text: str) -> str:
    """Text every database can store: NUL dropped, and a lone UTF-16 surrogate (which JSON can
    carry and UTF-8 cannot) replaced by U+FFFD; a proper surrogate pair becomes its character."""
    if UNSTORABLE in text:
        text = text.replace(UNSTORABLE, "")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def dialogue_press(data: str) -> tuple[int, int, int] | None:
    """(conversation id, step, button) from a dialogue button's callback data
    `d:<conversation>:<step>:<button>` (bot.conversations.button_rows); None when it is not
    one, or names an id no row can have."""
    parts = data.split(":")
    if parts[0] != "d" or len(parts) != 4 or not all(p.isdigit() for p in parts[1:]):
        return None
    conv_id, seq, index = (int(p) for p in parts[1:])
    return (conv_id, seq, index) if conv_id <= MAX_ROW_ID else None


def says_misunderstood(text: str) -> bool:
    return MISUNDERSTOOD.search(text.replace("’", "'")) is not None


class PatientBusy(Exception):
    """A job's patient is locked by a message being handled right now; the job runs later."""


@dataclass
class Inbound:
    """One thing a person did, from any door (Telegram, simulator, terminal chat)."""

    chat_key: str
    text: str | None = None
    press: str | None = None
    new_id: str | None = None
    """The id to give this person if they enrol now."""
    idempotency_key: str | None = None
    inbox_update_id: int | None = None
    """When set, the inbox row is marked done in the same transaction as the handling, and an
    update already done is skipped: exactly-once handling, even across processes and crashes."""
    safety_response_sent: bool = False
    """The door already sent this message's safety response directly (the database was down):
    the crisis path opens without sending it a second time."""


@dataclass
class Reply:
    direct: list[str] = field(default_factory=list)
    """Texts the door must send to the sender right now: only when the database failed."""
    callback_answer: str | None = None
    outbox_ids: list[int] = field(default_factory=list)


class Triager:
    """What the service needs from triage (bot.safety.triage.Triage provides it)."""

    async def assess(self, text: str, *, intents: bool = True) -> Verdict:  # pragma: no cover - protocol
        raise NotImplementedError


class Coachbot:
    def __init__(
        self, settings: Any, db: Database, content: ContentRegistry, triage: Any, clock: Clock,
        spool: Spool | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.content = content
        self.triage = triage
        self.clock = clock
        self.engine = Engine()
        self.spool = spool or Spool(settings.data_dir / "escalation-spool.jsonl")
        self._locked_patients = db.locked(PATIENTS_BY_CHAT, of=Patient)
        self._patient_for_job = db.locked(PATIENT_BY_ID, skip_locked=True)
        self._patients_for_jobs = db.locked(PATIENTS_BY_ID, skip_locked=True)
        self._due_jobs = db.locked(DUE_JOBS, skip_locked=True)
        self.batcher: Batcher[tuple[Inbound, Verdict], Reply] = Batcher(
            self._handle_together, key=lambda item: item[0].chat_key)
        """Everything but a crisis: a crisis gets a transaction of its own, with a time budget."""

    async def close(self) -> None:
        close = getattr(self.triage, "aclose", None)
        if close is not None:
            await close()
        await self.db.dispose()

    def _work(self, session: Any, priority: int = PRIORITY_SCHEDULED) -> Work:
        return Work(session=session, now=self.clock.now(), db=self.db, content=self.content,
                    engine=self.engine, settings=self.settings, priority=priority)

    # --- inbound ----------------------------------------------------------------------------

    async def receive(self, inbound: Inbound) -> Reply:
        if inbound.text:
            storable = without_unstorable(inbound.text[:MAX_READ])
            if storable != inbound.text:
                inbound = replace(inbound, text=storable)
        verdict = Verdict()
        if words := self._words_to_triage(inbound.text):
            verdict = await self._triage(words, intents=not is_command(inbound.text))
        if verdict.risk != "crisis":
            return await self.batcher.submit((inbound, verdict))
        try:
            return await asyncio.wait_for(self._handle(inbound, verdict), CRISIS_DB_BUDGET_S)
        except Exception as exc:  # the database, a broken script, a bug: the reply still goes out
            return self._crisis_without_database(inbound, verdict, exc)

    @staticmethod
    def _words_to_triage(text: str | None) -> str:
        """Free text, and what follows a command ("/pause I can't go on" is triaged too), but
        not an invite code (`/start CODE`): a code is no one's words, and no NLU needs it."""
        words = (text or "").strip()
        if words.startswith("/"):
            command, _, words = words.partition(" ")
            if command.split("@")[0].lower() == "/start" and INVITE_CODE.fullmatch(words.strip()):
                return ""
            words = words.strip()
        return words

    async def _triage(self, text: str, intents: bool = True) -> Verdict:
        """`intents`: whether anything reads Rasa's everyday intent. A command's words are
        read for risk only (bot.safety.triage.Triage.assess); presses, bare commands and
        invite codes are not triaged at all (`_words_to_triage`)."""
        try:
            return await self.triage.assess(text, intents=intents)
        except Exception:
            log.exception("triage failed; falling back to the safety rules alone")
            from bot.safety.rules import assess

            return assess(text)

    def crisis_before_storage(self, inbound: Inbound) -> Reply:
        """A message that could not even be stored (the database is down before the inbox can
        take it): if the safety rules call it a crisis, the safety response goes out directly
        and the escalation is spooled now, rather than when Telegram delivers it again."""
        from bot.safety.rules import assess

        words = self._words_to_triage(inbound.text)
        verdict = assess(without_unstorable(words[:MAX_READ])) if words else Verdict()
        if verdict.risk != "crisis":
            return Reply()
        return self._crisis_without_database(inbound, verdict, StorageError("the inbox could not store it"))

    def _crisis_without_database(self, inbound: Inbound, verdict: Verdict, exc: BaseException) -> Reply:
        log.critical("crisis message could not be handled normally (%s: %s); sending the safety "
                     "response directly and spooling the escalation", exc.__class__.__name__, exc)
        now = self.clock.now()
        try:
            self.spool.append({
                "chat_key": inbound.chat_key, "text": inbound.text, "reasons": verdict.reasons,
                "at": format_time(now), "key": self._key(inbound, now), "medical": verdict.medical,
            })
        except Exception:  # the disk too: the message is retried from the inbox or Telegram
            log.critical("could not spool the escalation for %s", inbound.chat_key, exc_info=True)
        try:
            bundle = self.content.current()
        except Exception:
            bundle = None
        return Reply(direct=[crisis_response(bundle, None, "en", medical=verdict.medical)])

    @staticmethod
    def _key(inbound: Inbound, now: datetime) -> str:
        if inbound.idempotency_key:
            return inbound.idempotency_key
        digest = hashlib.sha256(f"{inbound.chat_key}|{inbound.text}|{now.isoformat()}".encode())
        return "msg:" + digest.hexdigest()[:32]

    async def _handle(self, inbound: Inbound, verdict: Verdict) -> Reply:
        """One input in a transaction of its own (a crisis, and the batcher's fallback)."""
        [reply] = await self._handle_together([(inbound, verdict)])
        return reply

    async def _handle_together(self, items: list[tuple[Inbound, Verdict]]) -> list[Reply]:
        """Inputs from different people in one transaction (see bot.batching): their inbox
        rows are marked handled, their patients (locked) with their open conversations read,
        and the conversations their presses name, with one statement each; then each input
        is handled as if alone, and everything is flushed together."""
        async with self.db.transaction() as session:
            handled = await self._handle_inbox_rows(session, items)
            # the session holds rows weakly: `held` keeps them (see _pressed_conversations)
            patients, held = await self._patients(session, items)
            patient_ids = sorted(p.id for p in patients.values())
            remember_open(session, patient_ids, held)
            if len(items) > 1:
                signals.share_history(session, patient_ids)
            held += await self._pressed_conversations(session, items, {row.id for row in held})
            works = []
            for inbound, verdict in items:
                work = self._work(session, PRIORITY_REPLY)
                works.append(work)
                if inbound.inbox_update_id is not None and inbound.inbox_update_id not in handled:
                    continue
                await self._person(work, patients.get(inbound.chat_key), inbound, verdict)
            await session.flush()
            await queued.write_queued(session)
            return [Reply(callback_answer=work.callback_answer,
                          outbox_ids=[message.id for message in work.sent if message.id is not None])
                    for work in works]

    async def _handle_inbox_rows(self, session: Any, items: list[tuple[Inbound, Verdict]]) -> set[int]:
        """The inbox rows of this batch that are now marked done (see HANDLE_INBOX_ROWS)."""
        ids = sorted({i.inbox_update_id for i, _ in items if i.inbox_update_id is not None})
        if not ids:
            return set()
        return set(await session.scalars(HANDLE_INBOX_ROWS, {"ids": ids, "now": self.clock.now()}))

    async def _patients(self, session: Any, items: list[tuple[Inbound, Verdict]],
                        ) -> tuple[dict[str, Patient], list[ConversationRow]]:
        """The inputs' patients by chat key, and their open conversations (for
        `remember_open`). One statement; the patients are locked in id order, so two batches
        (or a batch and a job) never deadlock."""
        keys = sorted({inbound.chat_key for inbound, _ in items})
        patients: dict[str, Patient] = {}
        conversations: list[ConversationRow] = []
        for patient, conversation in await session.execute(self._locked_patients, {"keys": keys}):
            patients[patient.chat_key] = patient
            if conversation is not None:
                conversations.append(conversation)
        return patients, conversations

    @staticmethod
    async def _pressed_conversations(session: Any, items: list[tuple[Inbound, Verdict]],
                                     loaded: set[int]) -> list[ConversationRow]:
        """Loads the conversations that presses name into the session, so `session.get` finds
        them without a query (the session holds rows weakly: the caller keeps the list until
        the batch is done). Read here, before anything changes: a query later would flush the
        changes so far first (autoflush), and then again at the end. Whether they belong to
        the presser is checked later. `loaded`: ids in the session already (open conversations)."""
        ids = sorted({press[0] for inbound, _ in items if inbound.press
                      for press in [dialogue_press(inbound.press)] if press is not None} - loaded)
        if not ids:
            return []
        return list(await session.scalars(CONVERSATIONS_BY_ID, {"ids": ids}))

    async def _person(self, work: Work, patient: Patient | None, inbound: Inbound, verdict: Verdict) -> None:
        if patient is not None and patient.status not in ("deleted",):
            await self._patient(work, patient, inbound, verdict)
            return
        clinician = await work.session.scalar(select(Clinician).where(Clinician.chat_key == inbound.chat_key))
        if clinician is not None:
            await clinicians.handle(work, clinician, inbound.text, inbound.press)
        else:
            await self._stranger(work, inbound, verdict)

    async def _stranger(self, work: Work, inbound: Inbound, verdict: Verdict) -> None:
        text = (inbound.text or "").strip()
        to = f"chat:{inbound.chat_key}"
        command, _, arg = text.partition(" ")
        if command.split("@")[0] == "/start" and arg.strip():
            invite = await programme.redeem_invite(work, arg.strip(), "patient")
            if invite is not None:
                await programme.enrol_patient(work, inbound.chat_key, inbound.new_id or inbound.chat_key, invite)
                return
            invite = await programme.redeem_invite(work, arg.strip(), "clinician")
            if invite is not None and invite.clinician_id:
                await clinicians.link(work, inbound.chat_key, invite)
                return
            work.audit(inbound.chat_key, "invite_refused", code=arg.strip()[:64])
            if verdict.risk != "crisis":
                if await self._stranger_answered_enough(work, to):
                    return
                work.send(to, priority=PRIORITY_STRANGER, text=work.text(
                    "system.invite_invalid", "en",
                    "Sorry, that code didn't work: it may have expired or been used already. "
                    "Please ask your clinician for a new one."))
                return
        if verdict.risk == "crisis":
            work.send(to, crisis_response(work.bundle, None, "en", medical=verdict.medical), priority=PRIORITY_CRISIS)
            work.audit(inbound.chat_key, "crisis_from_stranger", reasons=verdict.reasons)
            return
        if inbound.press:  # a stranger has no buttons of ours: forged, or from a deleted account
            work.audit(inbound.chat_key, "forged_button", data=inbound.press[:64])
            work.callback_answer = "This button is no longer valid."
            return
        if command.startswith("/") and command.split("@")[0] != "/start":
            work.audit(inbound.chat_key, "refused", command=command.split("@")[0][:32],
                       reason="not enrolled and not a clinician")
        if await self._stranger_answered_enough(work, to):
            return
        work.send(to, priority=PRIORITY_STRANGER, text=work.text(
            "system.not_enrolled", "en",
            "Hello! I'm the coach bot for group programmes. To join, you need an invite code "
            "from your clinician: send /start followed by the code. I can't give access without one."))

    @staticmethod
    async def _stranger_answered_enough(work: Work, to: str) -> bool:
        """Whether this stranger already had STRANGER_REPLIES replies within STRANGER_WINDOW."""
        replies = await work.session.scalar(STRANGER_REPLIES_SINCE, {"to": to, "since": work.now - STRANGER_WINDOW})
        return int(replies or 0) >= STRANGER_REPLIES

    async def _patient(self, work: Work, patient: Patient, inbound: Inbound, verdict: Verdict) -> None:
        if patient.last_message_at is None or work.now - patient.last_message_at >= LAST_SEEN_RESOLUTION:
            patient.last_message_at = work.now.replace(minute=0, second=0, microsecond=0)  # /mydata: "to the hour"
        if patient.blocked:  # whoever writes to the bot has not blocked it
            patient.blocked = False
        if inbound.press:
            await self._patient_press(work, patient, inbound.press)
            return
        text = (inbound.text or "").strip()[:MAX_TEXT]
        if not text:
            return
        if text.startswith("/"):
            command, _, arg = text[1:].partition(" ")
            command = command.split("@")[0].lower()
            if command == "start" and patient.status in ("stopped",) and arg.strip():
                invite = await programme.redeem_invite(work, arg.strip(), "patient")
                if invite is not None:
                    await programme.enrol_patient(work, inbound.chat_key, patient.id, invite)
                    return
            if verdict.risk == "crisis" or verdict.ask:  # the words after any command come first
                text = arg.strip()
            elif clinicians.refuse_from_patient(work, patient, command):
                return
            elif await programme.patient_command(work, patient, command, arg):
                return
            elif command == "start":  # reopening the chat, or an old invite link
                work.send(f"patient:{patient.id}", work.text(
                    "system.already_enrolled", patient.locale,
                    "Welcome back, {name}! You're already part of the programme. /help shows what I can do.",
                    **context_of(patient)), patient_id=patient.id)
                return
            else:
                work.send(f"patient:{patient.id}", work.text(
                    "system.unknown_command", patient.locale,
                    "I don't know the command /{command}. /help shows what I can do.",
                    command=command[:32]), patient_id=patient.id)
                return
        queued.queue(work.session, Message, message_entry(patient.id, text, work.now, verdict.risk,
                                                          verdict.rupture, verdict.reasons))
        key = self._key(inbound, work.now)
        if verdict.risk == "crisis":
            what = "a possible medical emergency" if verdict.medical else "a crisis"
            reason = f"{what}: {escalation.why(verdict.reasons)}"
            await escalation.open_crisis(work, patient, text, reason, "triage", key, medical=verdict.medical,
                                         respond=not inbound.safety_response_sent)
            return
        if patient.crisis_open:
            await self._while_crisis_open(work, patient, text)
            return
        if patient.safety_question_at is not None:  # this message is the answer (or is not one)
            choice = question.read_answer(text)
            if choice is None:
                await question.ask_again(work, patient)
            else:
                await question.answer(work, patient, choice, "text")
            return
        if verdict.ask:
            await question.ask(work, patient, verdict.reasons, key, verdict.medical)
            return
        concern = verdict.risk == "concern"
        if concern:
            await escalation.raise_alert(work, patient, "concern", "triage",
                                         "a concern: " + escalation.why(verdict.reasons), text, key)
        elif verdict.rupture != "none":
            await escalation.raise_alert(work, patient, "rupture", "triage",
                                         f"a rupture ({verdict.rupture}): " + escalation.why(verdict.reasons),
                                         text, key)
        if patient.status == "stopped":
            work.send(f"patient:{patient.id}", work.text(
                "system.stopped_reply", patient.locale,
                "You've left the programme. Your care team can give you a new code to return."),
                patient_id=patient.id)
            return
        if patient.status == "completed" and await active_conversation(work, patient.id) is None:
            # the programme has ended: no repair offers (nothing left to change), an honest word
            if concern:
                await self._passed_on(work, patient)
            else:
                work.send(f"patient:{patient.id}", work.text(
                    "system.completed_reply", patient.locale,
                    "Our programme has ended, {name}, so I don't send daily messages any more. I still read "
                    "what you write, and if something worries me I tell your care team.", **context_of(patient)),
                    patient_id=patient.id)
            return
        if verdict.rupture != "none" and await self._repair(work, patient, verdict.rupture, text):
            return
        if concern:
            await self._passed_on(work, patient)
        row = await active_conversation(work, patient.id)
        if row is None:
            if not concern:
                work.send(f"patient:{patient.id}", work.text(
                    "system.idle", patient.locale,
                    "Thanks, {name}. I'll be in touch at your check-in time; /help shows what I can do.",
                    **context_of(patient)), patient_id=patient.id)
            return
        await step(work, patient, row, Input(kind="text", text=text, intent=verdict.intent or plain_intent(text)),
                   hint=not concern)

    @staticmethod
    async def _passed_on(work: Work, patient: Patient) -> None:
        """A concern is answered as heard, not with "I'll be in touch at your check-in time" or
        "I didn't catch that": the patient is told it was passed on only when a clinician of
        their group can receive it; otherwise, honestly, whom to tell."""
        if await escalation.reachable_clinicians(work, patient.group_id):
            key, default = "system.concern_passed_on", (
                "Thank you for telling me, {name}. I've passed this on to your care team so they "
                "know how things are for you.")
        else:
            key, default = "system.concern_nobody", (
                "Thank you for telling me, {name}. Your care team isn't connected to me yet, so "
                "please tell them at your next session. If it becomes urgent, call your local "
                "emergency number.")
        work.send(f"patient:{patient.id}", work.text(key, patient.locale, default, **context_of(patient)),
                  patient_id=patient.id)

    @staticmethod
    async def _repair(work: Work, patient: Patient, rupture: str, text: str) -> bool:
        """A patient who pushes back or pulls away gets the rupture_repair dialogue (its
        question waiting, if any, is set aside and comes back after), rather than "thanks, I'll
        be in touch" or "sorry, I didn't understand". At most once in REPAIR_EVERY, only when
        the content has the dialogue, and not before onboarding is done (someone who has not yet
        agreed to the programme is not asked how to change it). True when it started."""
        if patient.status == "onboarding" or REPAIR_DIALOGUE not in work.bundle.dialogues:
            return False
        if await work.session.scalar(RECENT_REPAIR, {"patient": patient.id, "since": work.now - REPAIR_EVERY}):
            return False
        active = await active_conversation(work, patient.id)
        if active is not None:
            set_aside(work, active)
        said = text if len(text) <= REPAIR_QUOTE_CHARS else text[:REPAIR_QUOTE_CHARS - 1].rstrip() + "…"
        team = "reachable" if await escalation.team_reachable(work, patient.group_id) else "none"
        started = await start_dialogue(work, patient, REPAIR_DIALOGUE, {"rupture": rupture, "said": said, "team": team})
        return started is not None

    async def _while_crisis_open(self, work: Work, patient: Patient, text: str) -> None:
        """Every message is passed to the care team; the patient hears a person is coming."""
        alert = await work.session.scalar(
            select(Alert).where(Alert.patient_id == patient.id, Alert.severity == "crisis",
                                Alert.status != "resolved").order_by(Alert.id.desc()).limit(1))
        retracted = says_misunderstood(text)
        if alert is not None:
            what = "says the bot misunderstood them" if retracted else "wrote again"
            for clinician in await escalation.crisis_team(work, patient.group_id):
                work.send(f"clinician:{clinician.id}",
                          f"🔴 {patient.display_name} {what} (open crisis alert): “{text[:600]}”",
                          escalation.alert_buttons(alert.id), kind="alert", severity="crisis",
                          patient_id=patient.id, alert_id=alert.id, priority=PRIORITY_CRISIS)
            work.audit("coachbot", "forwarded", patient_id=patient.id, alert_id=alert.id,
                       retracted=retracted)
        if not await escalation.team_reachable(work, patient.group_id):
            reply = followup_nobody_reached(work.bundle, patient.timezone, patient.locale, patient.name or "")
        elif retracted:  # taken seriously, never as a way out: check once more, the team decides
            reply = work.text(
                "safety.misunderstood", patient.locale,
                "Thank you for telling me, {name}, and sorry if I got that wrong. I'd rather check "
                "than miss something: are you safe right now? A person from your care team will be "
                "in touch either way.", **context_of(patient))
        else:
            reply = work.text(
                "safety.followup", patient.locale,
                "Thank you for telling me, {name}. I've passed this on to your care team, and a person "
                "will be in touch. If you are in danger now, please call your local emergency number.",
                **context_of(patient))
        work.send(f"patient:{patient.id}", reply, escalation.safety_check_buttons(work, patient.locale),
                  priority=PRIORITY_CRISIS, patient_id=patient.id)

    async def _patient_press(self, work: Work, patient: Patient, data: str) -> None:
        parts = data.split(":")
        if (press := dialogue_press(data)) is not None:
            conv_id, seq, index = press
            row = await work.session.get(ConversationRow, conv_id)
            if row is None or row.patient_id != patient.id:
                work.audit(f"patient:{patient.id}", "forged_button", patient_id=patient.id, data=data[:64])
                work.callback_answer = "This button is no longer valid."
                return
            if patient.crisis_open:
                work.callback_answer = "Your programme is paused while your care team gets in touch."
                return
            if row.status != "active" or row.seq != seq:
                work.callback_answer = "This question has already been answered."
                return
            await step(work, patient, row, Input(kind="press", index=index, seq=seq))
        elif parts[0] == "s" and len(parts) == 2:
            await self._safety_press(work, patient, parts[1])
        elif parts[0] == "q" and len(parts) == 2 and parts[1] in question.ANSWERS:
            await question.answer(work, patient, parts[1], "button")
        elif parts[0] == "p" and len(parts) == 3 and parts[1] in ("delete", "keep"):
            await programme.answer_erase_request(work, patient, parts[1], parts[2])
        else:
            work.audit(f"patient:{patient.id}", "forged_button", patient_id=patient.id, data=data[:64])
            work.callback_answer = "This button is no longer valid."

    async def _safety_press(self, work: Work, patient: Patient, choice: str) -> None:
        """"I'm safe" needs saying twice, and the clinician is told either way."""
        alert = await work.session.scalar(
            select(Alert).where(Alert.patient_id == patient.id, Alert.severity == "crisis",
                                Alert.status != "resolved").order_by(Alert.id.desc()).limit(1))
        if alert is None or not patient.crisis_open:
            work.callback_answer = "This question has already been answered."
            return
        to = f"patient:{patient.id}"
        reached = await escalation.team_reachable(work, patient.group_id)
        if choice == "help":
            work.send(to, crisis_response(work.bundle, patient.timezone, patient.locale, medical=False,
                                          team_reached=reached), priority=PRIORITY_CRISIS, patient_id=patient.id)
            await escalation.raise_alert(work, patient, "crisis", "patient",
                                         "patient pressed “I need help now”")
            return
        if choice != "safe":
            work.callback_answer = "This button is no longer valid."
            return
        context = dict(alert.context or {})
        context["safe_confirmations"] = int(context.get("safe_confirmations", 0)) + 1
        alert.context = context
        work.audit(to, "said_safe", patient_id=patient.id, alert_id=alert.id,
                   times=context["safe_confirmations"])
        if context["safe_confirmations"] == 1:
            work.send(to, work.text(
                "safety.check_again", patient.locale,
                "Thank you. I want to be sure, because it matters: are you safe right now, and "
                "do you feel you can stay safe today?"), escalation.safety_check_buttons(work, patient.locale),
                priority=PRIORITY_CRISIS, patient_id=patient.id)
            return
        work.send(to, work.text(
            "safety.confirmed", patient.locale,
            "Thank you for letting me know, {name}. Your care team will still check in with you — "
            "that's what they do for everyone after a message like yours. If things change, "
            "call your local emergency number.", **context_of(patient)) if reached else
            followup_nobody_reached(work.bundle, patient.timezone, patient.locale, patient.name or ""),
            patient_id=patient.id)
        for clinician in await escalation.crisis_team(work, patient.group_id):
            work.send(f"clinician:{clinician.id}",
                      f"{patient.display_name} says twice they are safe now. The crisis alert "
                      "stays open and their programme paused until you resolve it.",
                      escalation.alert_buttons(alert.id), kind="alert", severity="crisis",
                      patient_id=patient.id, alert_id=alert.id, priority=PRIORITY_CRISIS)

    # --- scheduled work ----------------------------------------------------------------------

    async def next_due(self) -> datetime | None:
        async with self.db.transaction() as session:
            return await session.scalar(select(func.min(Job.due_at)).where(Job.status == "pending"))

    async def run_due_jobs(self, worker: str = "main", limit: int = 500) -> int:
        """Run every job due now (up to `limit`), each exactly once with its effects: up to
        JOBS_TOGETHER in a transaction; when one of those fails, that transaction is undone and
        its jobs run again one per transaction, so a failing job fails alone."""
        done = 0
        waiting: set[int] = set()
        """Jobs whose patient is busy with a message: left for the next round."""
        while done < limit:
            together = await self._run_together(worker, waiting, min(JOBS_TOGETHER, limit - done))
            if together == 0:
                break
            if together is not None:
                done += together
                continue
            for _ in range(min(JOBS_TOGETHER, limit - done)):
                ran = await self._run_one(worker, waiting)
                if ran is None:
                    return done
                if ran not in waiting:
                    done += 1
        return done

    async def _run_together(self, worker: str, waiting: set[int], size: int) -> int | None:
        """Up to `size` due jobs in one transaction: how many ran (0: none is due), or None
        when fewer than two are due, or all of them wait for busy patients, or one of them
        failed (then none of them ran, and they are for one at a time). Jobs whose patient is
        busy are left in `waiting` (_read_together)."""
        if size < 2:
            return None
        now = self.clock.now()
        try:
            async with self.db.transaction() as session:
                jobs = list(await session.scalars(self._due_jobs, due_jobs(now, waiting, size)))
                if len(jobs) < 2:
                    return None if jobs else 0
                jobs = await self._read_together(session, jobs, now, waiting)
                if not jobs:
                    return None
                due = [job.due_at for job in jobs]
                for job in jobs:
                    await self._run_job(session, job, worker, now)
                await daily_batch.finish(self._work(session))
            for due_at in due:  # committed
                metrics.job_ran(due_at, now)
            return len(due)
        except StorageError:
            raise
        except Exception as exc:  # PatientBusy too: one at a time sorts out which
            log.debug("jobs together failed (%s: %s); running them one at a time",
                      exc.__class__.__name__, exc)
            return None

    async def _read_together(self, session: Any, jobs: list[Job], now: datetime, waiting: set[int]) -> list[Job]:
        """The jobs' patients, locked with one statement, and what their daily jobs will read
        (bot.daily_batch), for a patient whose only job here is the daily one. Returned: the
        jobs to run; those whose patient is busy with a message wait for the next round
        (`waiting`), as one at a time would have them (a busy patient among hundreds of
        same-minute check-ins no longer sends all of them one at a time)."""
        ids = sorted({job.patient_id for job in jobs if job.patient_id})
        if not ids:
            return jobs
        locked = {p.id: p for p in await session.scalars(self._patients_for_jobs, {"ids": ids})}
        missing = [pid for pid in ids if pid not in locked]
        busy = set(await session.scalars(PATIENTS_EXIST, {"ids": missing})) if missing else set()
        if busy:
            waiting.update(job.id for job in jobs if job.patient_id in busy)
            jobs = [job for job in jobs if job.patient_id not in busy]
            log.debug("%d job(s) wait: their patients are busy with a message", len(busy))
        session.info[_JOB_PATIENTS] = locked
        count = Counter(job.patient_id for job in jobs)
        daily = {job.patient_id: max(now, job.due_at) + timedelta(minutes=1) for job in jobs
                 if job.kind == "daily" and job.patient_id is not None and job.patient_id in locked
                 and count[job.patient_id] == 1}
        work = self._work(session)
        await daily_batch.load(work, [locked[pid] for pid in sorted(daily)], daily)
        return jobs

    async def _run_job(self, session: Any, job: Job, worker: str, now: datetime) -> None:
        """One claimed job's work, and its mark as done, in the caller's transaction."""
        work = self._work(session)
        work.now = max(now, job.due_at)
        await self._dispatch(work, job)
        job.status, job.claimed_by, job.claimed_at = "done", worker, now
        job.attempts += 1

    async def _run_one(self, worker: str, waiting: set[int]) -> int | None:
        now = self.clock.now()
        job_id: int | None = None
        try:
            async with self.db.transaction() as session:
                job = await session.scalar(self._due_jobs, due_jobs(now, waiting, 1))
                if job is None:
                    return None
                job_id, due_at = job.id, job.due_at
                await self._run_job(session, job, worker, now)
            metrics.job_ran(due_at, now)
            return job_id
        except PatientBusy as busy:
            log.debug("job %s waits: patient %s is busy with a message", job_id, busy)
            if job_id is None:
                raise
            waiting.add(job_id)
            return job_id
        except StorageError:
            raise
        except Exception as exc:
            log.exception("job %s failed", job_id)
            metrics.JOBS_FAILED.inc()
            if job_id is None:
                raise
            async with self.db.transaction() as session:
                failed = await session.get(Job, job_id)
                if failed is not None:
                    failed.attempts += 1
                    failed.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
                    if failed.attempts < JOB_MAX_ATTEMPTS:
                        failed.due_at = now + JOB_RETRY_AFTER * failed.attempts
                    else:
                        failed.status = "failed"
                        await self._keep_the_programme_going(self._work(session), failed)
            return job_id

    async def _keep_the_programme_going(self, work: Work, job: Job) -> None:
        """A daily job that keeps failing must not end the patient's programme: the next
        day's job is scheduled anyway (the failure is logged and stays on the job row)."""
        if job.kind != "daily" or job.patient_id is None:
            return
        patient = await work.session.get(Patient, job.patient_id)
        if patient is not None:
            log.error("daily job %s for %s failed %d times; tomorrow's is scheduled anyway",
                      job.id, patient.id, job.attempts)
            await programme.schedule_daily(work, patient, work.now + timedelta(hours=1))

    async def _dispatch(self, work: Work, job: Job) -> None:
        payload = job.payload or {}
        if job.kind == "escalate":
            await escalation.escalate(work, int(payload["alert_id"]))
            return
        if job.kind in ("session_reminder", "session_feedback", "digest"):
            session_id = int(payload["session_id"])
            if job.kind == "session_reminder":
                await programme.run_session_reminder(work, session_id, job.patient_id)
            elif job.kind == "session_feedback":
                await programme.run_session_feedback(work, session_id)
            else:
                await clinicians.run_digest(work, session_id)
            return
        patient = await self._lock_patient(work, job.patient_id) if job.patient_id else None
        if patient is None:
            return
        if job.kind == question.JOB_KIND:
            await question.unanswered(work, patient, payload)
        elif job.kind == "daily":
            await programme.run_daily(work, patient)
        elif job.kind == "reminder":
            await programme.run_reminder(work, patient, int(payload["conversation_id"]),
                                         int(payload["seq"]))
        elif job.kind == "dialogue":
            if programme.is_running(patient, work.now):
                await programme.prompt_outside_quiet_hours(work, patient, str(payload["dialogue"]))
        else:
            log.error("unknown job kind %r (job %s)", job.kind, job.id)

    async def _lock_patient(self, work: Work, patient_id: str) -> Patient | None:
        """The patient's row lock, as their messages take it, so a job never interleaves with
        them. Taken without waiting: a message being handled holds it (and may be updating
        this very job), so the job waits for the next round instead of deadlocking."""
        together: dict[str, Patient] | None = work.session.info.get(_JOB_PATIENTS)
        if together is not None:
            return together.get(patient_id)
        patient = await work.session.scalar(self._patient_for_job, {"id": patient_id})
        if patient is None and await work.session.scalar(PATIENT_EXISTS, {"id": patient_id}):
            raise PatientBusy(patient_id)
        return patient

    # --- recovery ------------------------------------------------------------------------------

    async def replay_spool(self) -> int:
        """Move escalations spooled during a database outage into the database, one entry per
        transaction, in order. A database that is down again stops the replay (the rest waits
        for the next turn); an entry that cannot be written for any other reason is set aside
        (bot.safety.spool) instead of blocking the ones after it. Returns the entries replayed."""
        lines = self.spool.lines()
        replayed = done = 0
        try:
            for line in lines:
                entry = read_entry(line)
                if entry is None:
                    self.spool.set_aside(line, "not a JSON object")
                else:
                    try:
                        await self._replay_one(entry)
                        replayed += 1
                    except StorageError:
                        raise
                    except Exception as exc:
                        self.spool.set_aside(line, exc.__class__.__name__)
                done += 1
        finally:
            if done:
                self.spool.clear(done)
        return replayed

    async def _replay_one(self, entry: dict[str, Any]) -> None:
        async with self.db.transaction() as session:
            work = self._work(session)
            work.now = parse_time(str(entry.get("at") or format_time(self.clock.now())))
            reasons = [str(r) for r in entry.get("reasons") or []]
            patient = await session.scalar(select(Patient).where(Patient.chat_key == str(entry.get("chat_key"))))
            if patient is None:
                work.audit(str(entry.get("chat_key")), "crisis_from_stranger", reasons=reasons, spooled=True)
                return
            key = str(entry.get("key") or "")
            if await session.scalar(select(Alert.id).where(Alert.idempotency_key == key)) is not None:
                return
            text = without_unstorable(str(entry.get("text") or ""))[:MAX_TEXT]
            queued.queue(session, Message, message_entry(patient.id, text, work.now, "crisis", "none", reasons))
            patient.crisis_open = True
            alert = await escalation.raise_alert(
                work, patient, "crisis", "triage",
                "a crisis (received while the database was down): " + escalation.why(reasons),
                text or None, key or None)
            work.audit("coachbot", "replayed_from_spool", patient_id=patient.id, alert_id=alert.id)
