"""What the daily jobs of one transaction read, loaded for all of them at once.

Why: each daily job (bot.programme.run_daily) asked the database about a dozen questions of
its own (its patient, today's spent budget, held-over questionnaires, the check-ins offered and
answered for missed days, the group and its members' exercise answers, the exercise assignment,
open conversations, tomorrow's job key), and its writes went out between them, row by row:
about 19 statements per patient, 50-110 patients/s on PostgreSQL. bot.service loads this
for a transaction's due jobs (bot.service.JOBS_TOGETHER) with one statement per table, and the
programme's functions read it instead of asking; what they write is queued and goes out at the
end, one INSERT per table (bot.storage.queued).

Memory is the truth only for what nothing else in the transaction changes behind it, so it
holds only patients whose one job in the transaction is their daily job, and what their daily
job itself adds (budget spent, jobs scheduled) is added here as it is queued. Anything not
loaded (a key not asked for, another patient) is asked of the database as before. The
one-at-a-time path (a transaction that failed, bot.service._run_one) never loads it: it runs
exactly as it always did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, select

from bot.storage.lists import in_list
from bot.storage.models import (
    Answer,
    AuditEntry,
    ConversationRow,
    ExerciseAssignment,
    Goal,
    Group,
    Job,
    Patient,
)

if TYPE_CHECKING:
    from bot.work import Work

_KEY = "coachbot.daily_batch"
SPENT_SINCE = timedelta(days=2)
"""How far back budget rows are loaded: any time zone's midnight today is later than this."""
HELD_SINCE = timedelta(hours=36)
"""bot.programme._held_over looks back this far (and not before the patient's midnight)."""
EXERCISE_SINCE = timedelta(days=1)
"""bot.programme.encouragement counts the group's exercises in the last day."""

# Built once, like the statements of one job (building costs more than a cached execution).
BUDGET_ROWS = (select(AuditEntry.patient_id, AuditEntry.at)
               .where(in_list(AuditEntry.patient_id, "ids"), AuditEntry.action == bindparam("action"),
                      AuditEntry.at >= bindparam("since")))
HELD_ROWS = (select(AuditEntry)
             .where(in_list(AuditEntry.patient_id, "ids"), AuditEntry.action == bindparam("action"),
                    AuditEntry.at >= bindparam("since"))
             .order_by(AuditEntry.id))
OFFERED_ROWS = (select(ConversationRow.patient_id, ConversationRow.started_at)
                .where(in_list(ConversationRow.patient_id, "ids"), in_list(ConversationRow.dialogue, "dialogues"),
                       ConversationRow.started_at >= bindparam("since")))
ANSWERED_ROWS = (select(Answer.patient_id, Answer.at)
                 .where(in_list(Answer.patient_id, "ids"), in_list(Answer.dialogue, "dialogues"),
                        Answer.at >= bindparam("since")))
GROUPS = select(Group).where(in_list(Group.id, "ids"))
MEMBERS = select(Patient).where(in_list(Patient.group_id, "ids")).order_by(Patient.id)
EXERCISES = (select(Answer.patient_id, Answer.value, Answer.at)
             .where(in_list(Answer.patient_id, "ids"), Answer.key == bindparam("key"),
                    Answer.at >= bindparam("since")))
ASSIGNMENTS = (select(ExerciseAssignment)
               .where(ExerciseAssignment.starts_at <= bindparam("now"),
                      in_list(ExerciseAssignment.patient_id, "ids")
                      | (in_list(ExerciseAssignment.group_id, "groups") & ExerciseAssignment.patient_id.is_(None))))
OPEN_CONVERSATIONS = (select(ConversationRow)
                      .where(in_list(ConversationRow.patient_id, "ids"), in_list(ConversationRow.status, "statuses"))
                      .order_by(ConversationRow.id))
CURRENT_GOALS = (select(Goal).where(in_list(Goal.patient_id, "ids"), Goal.ended_at.is_(None))
                 .order_by(Goal.patient_id, Goal.position))
JOB_KEYS = select(Job.unique_key).where(in_list(Job.unique_key, "keys"))


@dataclass
class DailyBatch:
    """One transaction's daily jobs' reading, by patient id."""

    patients: set[str]
    spent: dict[str, list[datetime]] = field(default_factory=dict)
    """When each unprompted message was counted (audit `unprompted`), this transaction's too."""
    held: dict[str, list[AuditEntry]] = field(default_factory=dict)
    offered: dict[str, list[datetime]] = field(default_factory=dict)
    answered: dict[str, list[datetime]] = field(default_factory=dict)
    missed_spec: tuple[tuple[str, ...], int] = ((), 0)
    """The daily dialogues and missed-days limit `offered`/`answered` were loaded for."""
    groups: list[Group] = field(default_factory=list)
    """Held here so that session.get finds them (the session holds its objects weakly)."""
    members: dict[str, list[Patient]] = field(default_factory=dict)
    exercises: dict[str, list[tuple[Any, datetime]]] = field(default_factory=dict)
    assignments: list[ExerciseAssignment] = field(default_factory=list)
    asked_keys: set[str] = field(default_factory=set)
    existing_keys: set[str] = field(default_factory=set)
    goals: dict[str, list[Goal]] | None = None
    """Loaded the first time a daily job needs them (a review day), for every patient."""
    reminders: list[tuple[datetime, str, ConversationRow, int]] = field(default_factory=list)
    """Reminders of dialogues started in this transaction, scheduled once their rows have ids
    (`finish`): asking for each id at once was a flush per patient."""


def of(work: Work, patient_id: str) -> DailyBatch | None:
    """This transaction's batch, when it holds this patient."""
    batch: DailyBatch | None = work.session.info.get(_KEY)
    return batch if batch is not None and patient_id in batch.patients else None


def current(work: Work) -> DailyBatch | None:
    return cast("DailyBatch | None", work.session.info.get(_KEY))


async def load(work: Work, patients: list[Patient], key_after: dict[str, datetime]) -> DailyBatch:
    """Read what these patients' daily jobs will ask (their jobs run at `work.now` or later);
    `key_after`: each patient's job time, from which tomorrow's job key follows."""
    from bot import programme, signals
    from bot.conversations import OPEN, remember_open
    from bot.timeutil import next_local

    session = work.session
    ids = sorted(p.id for p in patients)
    batch = DailyBatch(patients=set(ids))
    session.info[_KEY] = batch
    if not ids:
        return batch
    now = work.now
    latest = max([now, *key_after.values()])
    for patient_id, at in (await session.execute(
            BUDGET_ROWS, {"ids": ids, "action": programme.SPENT, "since": now - SPENT_SINCE})).all():
        batch.spent.setdefault(str(patient_id), []).append(at)
    for row in await session.scalars(HELD_ROWS, {"ids": ids, "action": programme.HELD, "since": now - HELD_SINCE}):
        batch.held.setdefault(str(row.patient_id), []).append(row)
    daily, limit = programme.missed_days_spec(work)
    batch.missed_spec = (tuple(daily), limit)
    for patient_id, at in (await session.execute(OFFERED_ROWS, {
            "ids": ids, "dialogues": daily, "since": now - timedelta(days=limit + 14)})).all():
        batch.offered.setdefault(patient_id, []).append(at)
    if batch.offered:
        for patient_id, at in (await session.execute(ANSWERED_ROWS, {
                "ids": sorted(batch.offered), "dialogues": daily, "since": now - timedelta(days=limit + 15)})).all():
            batch.answered.setdefault(patient_id, []).append(at)
    group_ids = sorted({p.group_id for p in patients if p.group_id})
    if group_ids:
        batch.groups = list(await session.scalars(GROUPS, {"ids": group_ids}))
        cheering = sorted(g.id for g in batch.groups if g.encouragement)
        if cheering:
            for member in await session.scalars(MEMBERS, {"ids": cheering}):
                batch.members.setdefault(str(member.group_id), []).append(member)
            everyone = sorted({m.id for group in batch.members.values() for m in group})
            for patient_id, value, at in (await session.execute(EXERCISES, {
                    "ids": everyone, "key": signals.EXERCISE_KEY, "since": now - EXERCISE_SINCE})).all():
                batch.exercises.setdefault(patient_id, []).append((value, at))
    batch.assignments = list(await session.scalars(
        ASSIGNMENTS, {"now": latest, "ids": ids, "groups": group_ids}))
    remember_open(session, ids, list(await session.scalars(OPEN_CONVERSATIONS, {"ids": ids, "statuses": list(OPEN)})))
    keys = sorted(programme.daily_key(p.id, next_local(p.timezone, p.checkin_time, key_after[p.id]))
                  for p in patients if p.id in key_after)
    batch.asked_keys = set(keys)
    batch.existing_keys = set(await session.scalars(JOB_KEYS, {"keys": keys}))
    return batch


async def finish(work: Work) -> None:
    """Write the batch's new conversations (one INSERT), schedule their reminders by id, and
    let go of the batch: what follows in the transaction asks the database again."""
    batch: DailyBatch | None = work.session.info.pop(_KEY, None)
    if batch is None or not batch.reminders:
        return
    await work.session.flush()
    for due, patient_id, row, seq in batch.reminders:
        await work.schedule("reminder", due, patient_id=patient_id, conversation_id=row.id, seq=seq)


def drop(work: Work) -> None:
    work.session.info.pop(_KEY, None)


def job_key_exists(work: Work, key: str) -> bool | None:
    """Whether a job is scheduled under `key`, from memory; None: not known here."""
    batch = current(work)
    if batch is None or key not in batch.asked_keys:
        return None
    return key in batch.existing_keys


def job_key_added(work: Work, key: str) -> None:
    batch = current(work)
    if batch is not None and key in batch.asked_keys:
        batch.existing_keys.add(key)


async def current_goals(work: Work, patient_id: str) -> list[Goal] | None:
    """The patient's current goals, by position, loaded for the whole batch on first need."""
    batch = of(work, patient_id)
    if batch is None:
        return None
    if batch.goals is None:
        batch.goals = {}
        for goal in await work.session.scalars(CURRENT_GOALS, {"ids": sorted(batch.patients)}):
            batch.goals.setdefault(goal.patient_id, []).append(goal)
    return list(batch.goals.get(patient_id, []))


def assignment(work: Work, patient: Patient) -> list[ExerciseAssignment] | None:
    """The clinician's assignment for today (the patient's own before the group's, newest
    first) from memory, as a list of at most one; None: not known here."""
    if of(work, patient.id) is None:
        return None
    batch = cast(DailyBatch, current(work))
    mine = [a for a in batch.assignments if a.starts_at <= work.now and (a.patient_id == patient.id or (
        a.patient_id is None and patient.group_id is not None and a.group_id == patient.group_id))]
    return [min(mine, key=lambda a: (a.patient_id is None, -a.starts_at.timestamp(), a.id))] if mine else []
