"""Daily jobs run together read what they need for the whole batch (bot.daily_batch); what they
produce must be what each produces alone, one transaction per job (bot.service._run_one)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot import service as service_module
from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time
from bot.seed import apply_seed
from bot.signals import EXERCISE_KEY
from bot.storage.models import (
    Alert,
    Answer,
    AuditEntry,
    ConversationRow,
    ExerciseAssignment,
    Job,
    Outbox,
    Patient,
)
from bot.work import audit_entry
from tests.conftest import jobs_run_alone

CHECKIN = parse_time("2026-03-03T08:00:00Z")
KINDS = ("plain", "resumes", "held_over", "over_budget", "paused", "crisis", "no_group")
"""One patient of each kind in each copy: `a` runs together, `b` one at a time."""


def mixed_seed() -> dict[str, Any]:
    patients = [{"id": f"{copy}{n}", "name": f"Person {n}", "group": None if kind == "no_group" else f"g{copy}",
                 "timezone": "UTC", "checkin_time": "08:00", "locale": "de" if n % 2 else "en"}
                for copy in "ab" for n, kind in enumerate(KINDS)]
    return {"start": "2026-03-02T07:00:00Z", "clinicians": [{"id": "c1", "name": "Dr Ada"}],
            "groups": [{"id": f"g{copy}", "clinicians": ["c1"], "encouragement": True} for copy in "ab"],
            "patients": patients}


async def prepare(session: Any, copy: str) -> None:
    """Each kind's state before the check-in (the same for both copies)."""
    def pid(kind: str) -> str:
        return f"{copy}{KINDS.index(kind)}"

    yesterday = CHECKIN - timedelta(days=1)
    resumes, paused, crisis = [await session.get(Patient, pid(k)) for k in ("resumes", "paused", "crisis")]
    resumes.status, resumes.paused_until = "paused", CHECKIN - timedelta(hours=2)
    paused.status, paused.paused_until = "paused", CHECKIN + timedelta(days=2)
    crisis.crisis_open = True
    session.add(AuditEntry(**audit_entry(yesterday, "coachbot", "unprompted_held", pid("held_over"), None,
                                         {"kind": "questionnaire", "what": "who5",
                                          "first_held": yesterday.isoformat()})))
    for n in range(6):
        session.add(AuditEntry(**audit_entry(CHECKIN - timedelta(hours=1, minutes=n), "coachbot", "unprompted",
                                             pid("over_budget"), None, {"kind": "checkin", "what": "x"})))
    session.add(ExerciseAssignment(group_id=f"g{copy}", patient_id=None, exercises=["walking", "thought_record"],
                                   starts_at=yesterday, created_by="c1"))
    session.add(ExerciseAssignment(group_id=None, patient_id=pid("held_over"), exercises=["box_breathing"],
                                   starts_at=yesterday, created_by="c1"))
    session.add(Answer(patient_id=pid("plain"), dialogue="daily_exercise", key=EXERCISE_KEY, value="done",
                       at=yesterday + timedelta(hours=10)))
    session.add(ConversationRow(patient_id=pid("plain"), dialogue="daily_checkin", version="v", state="mood",
                                seq=1, vars={}, status="active", reminded=False, started_at=yesterday,
                                updated_at=yesterday))


def same_for_both(text: str) -> str:
    """What differs between the copies only by name: patient ids and row ids."""
    return re.sub(r"\b[ab](\d)\b", r"P\1", re.sub(r"d:\d+:", "d:ID:", text))


async def produced(bot: Any, copy: str) -> dict[str, list[Any]]:
    def mine(patient_id: str | None) -> bool:
        return bool(patient_id) and str(patient_id)[0] == copy

    async with bot.db.transaction() as session:
        outbox = [(same_for_both(r.recipient), r.kind, r.priority, same_for_both(r.text), same_for_both(str(r.buttons)))
                  for r in await session.scalars(select(Outbox).order_by(Outbox.id)) if mine(r.patient_id)]
        audit = [(same_for_both(str(r.patient_id)), r.action, same_for_both(str(sorted(r.detail.items()))))
                 for r in await session.scalars(select(AuditEntry).where(AuditEntry.at >= CHECKIN)
                                                .order_by(AuditEntry.id)) if mine(r.patient_id)]
        jobs = sorted((r.kind, r.due_at, same_for_both(str(r.patient_id)), r.status, same_for_both(str(r.unique_key)),
                       sorted(k for k in r.payload)) for r in await session.scalars(select(Job)) if mine(r.patient_id))
        conversations = [(same_for_both(r.patient_id), r.dialogue, r.status, r.state, r.seq, same_for_both(str(r.vars)))
                         for r in await session.scalars(select(ConversationRow).order_by(ConversationRow.id))
                         if mine(r.patient_id)]
        alerts = [(same_for_both(r.patient_id), r.severity, r.status)
                  for r in await session.scalars(select(Alert).order_by(Alert.id)) if mine(r.patient_id)]
        patients = [(same_for_both(p.id), p.status, p.paused_until)
                    for p in await session.scalars(select(Patient).order_by(Patient.id)) if mine(p.id)]
    return {"outbox": outbox, "audit": audit, "jobs": jobs, "conversations": conversations,
            "alerts": alerts, "patients": patients}


async def test_daily_jobs_together_produce_what_each_produces_alone(
    shipped_settings: Settings, database_url: str, monkeypatch: Any,
) -> None:
    clock = SimulatedClock(parse_time("2026-03-02T07:00:00Z"))
    bot = await build_service(shipped_settings, database_url, clock)
    try:
        async with bot.db.transaction() as session:
            await apply_seed(bot._work(session), mixed_seed())
        clock.set(CHECKIN - timedelta(days=1))
        await bot.run_due_jobs()  # day 0 for everyone, alike
        clock.set(CHECKIN - timedelta(hours=18))
        await bot.run_due_jobs()  # and its reminders: at the check-in, only daily jobs are due
        async with bot.db.transaction() as session:
            for copy in "ab":
                await prepare(session, copy)
            await session.execute(update(Job).where(Job.patient_id.like("b%"), Job.status == "pending")
                                  .values(status="later"))
        clock.set(CHECKIN)
        alone = jobs_run_alone(bot, monkeypatch)
        assert await bot.run_due_jobs() == len(KINDS)
        assert alone == [], "copy a ran together"

        async with bot.db.transaction() as session:
            await session.execute(update(Job).where(Job.status == "later").values(status="pending"))
        monkeypatch.setattr(service_module, "JOBS_TOGETHER", 1)
        assert await bot.run_due_jobs() == len(KINDS)
        assert len(alone) > len(KINDS), "copy b ran one at a time"

        together, each_alone = await produced(bot, "a"), await produced(bot, "b")
        for what in together:
            assert together[what] == each_alone[what], what
        assert any("did an exercise yesterday" in row[3] for row in together["outbox"]), "encouragement"
        assert any(row[1] == "unprompted_dropped" for row in together["audit"]), "over budget: dropped"
        assert any(row[0] == "P2" and row[2] == "active" and "who5" in row[5] for row in together["conversations"]), \
            "held over: next in the day's chain"
        assert ("P1", "active", None) in together["patients"], "the pause ended"
        exercises = {row[0]: row[5] for row in together["conversations"] if row[2] == "active"}
        assert "box_breathing" in exercises["P2"] and "thought_record" in exercises["P0"], "assignments"
    finally:
        await bot.close()


async def test_a_busy_patient_waits_and_the_others_run_together(
    settings: Settings, database_url: str, seed: dict[str, Any], monkeypatch: Any,
) -> None:
    """A message holding one patient's row lock (PostgreSQL) leaves that patient's job for the
    next round; the other jobs due with it still run in one transaction, not one at a time."""
    for patient in seed["patients"]:
        patient["timezone"], patient["checkin_time"] = "UTC", "08:00"
    seed["patients"].append({"id": "p3", "name": "Ana", "group": "g1", "timezone": "UTC",
                             "checkin_time": "08:00", "locale": "en"})
    clock = SimulatedClock(parse_time("2026-03-02T07:00:00Z"))
    bot = await build_service(settings, database_url, clock)
    try:
        async with bot.db.transaction() as session:
            await apply_seed(bot._work(session), seed)
        clock.set(parse_time("2026-03-02T08:00:00Z"))
        if bot.db.is_sqlite:  # one writer at a time: nothing to wait for
            assert await bot.run_due_jobs() == 3
            return
        alone = jobs_run_alone(bot, monkeypatch)
        async with bot.db.transaction() as busy:  # a message for Maria is being handled
            await busy.scalar(bot.db.locked(select(Patient).where(Patient.id == "p1")))
            assert await bot.run_due_jobs() == 2
            assert alone == []
        async with bot.db.transaction() as session:
            statuses = dict((await session.execute(
                select(Job.patient_id, Job.status).where(Job.kind == "daily", Job.due_at == clock.now()))).all())
        assert statuses == {"p1": "pending", "p2": "done", "p3": "done"}
        assert await bot.run_due_jobs() == 1
    finally:
        await bot.close()
