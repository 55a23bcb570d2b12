"""State lives in the database: restarts mid-conversation, content reload with conversations in
flight, and escalations that survive a database outage."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_service
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time
from bot.service import Coachbot, Inbound
from bot.storage.models import Alert, AuditEntry, Outbox
from tests.conftest import FIXTURE_PROJECT, jobs_run_alone

START = parse_time("2026-03-02T07:00:00Z")


async def start_bot(settings: Settings, url: str, clock: SimulatedClock) -> Coachbot:
    return await build_service(settings, url, clock, data_dir=settings.data_dir)


async def seeded(settings: Settings, url: str, seed: dict[str, Any], clock: SimulatedClock) -> Coachbot:
    from bot.seed import apply_seed

    bot = await start_bot(settings, url, clock)
    async with bot.db.transaction() as session:
        await apply_seed(bot._work(session), seed)
    return bot


async def pending(bot: Coachbot, to: str) -> list[Outbox]:
    """Take the outbox rows for one person, as a channel would deliver them."""
    async with bot.db.transaction() as session:
        rows = list(await session.scalars(
            select(Outbox).where(Outbox.recipient == to, Outbox.status == "pending").order_by(Outbox.id)))
        for row in rows:
            row.status = "sent"
        return rows


def press_data(rows: list[Outbox], label: str) -> str:
    for row in reversed(rows):
        for line in row.buttons or []:
            for button in line:
                if button["label"] == label:
                    return str(button["data"])
    raise AssertionError(f"no button {label!r}")


async def test_restart_mid_conversation(settings: Settings, database_url: str, seed: dict[str, Any]) -> None:
    clock = SimulatedClock(START)
    first = await seeded(settings, database_url, seed, clock)
    clock.set(parse_time("2026-03-02T08:00:00Z"))
    await first.run_due_jobs()
    question = await pending(first, "patient:p1")
    assert question[-1].text.startswith("Good morning Maria")
    await first.close()  # the process ends mid-conversation

    second = await start_bot(settings, database_url, clock)
    reply = await second.receive(Inbound(chat_key="patient:p1", press=press_data(question, "Okay")))
    assert reply.callback_answer is None
    after = await pending(second, "patient:p1")
    assert [r.text for r in after] == ["Anything you'd like to add?"]
    await second.close()


async def test_reload_keeps_conversations_in_flight_on_their_version(
    settings: Settings, database_url: str, seed: dict[str, Any], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    settings = replace(settings, dialogues_dir=project / "dialogues", content_dir=project / "content")
    clock = SimulatedClock(START)
    bot = await seeded(settings, database_url, seed, clock)
    bot.content.check_every_s = 0
    clock.set(parse_time("2026-03-02T08:00:00Z"))
    await bot.run_due_jobs()
    old_question = await pending(bot, "patient:p1")

    messages = project / "content" / "messages" / "en.yaml"
    messages.write_text(messages.read_text().replace("Anything you'd like to add?", "Any notes today?")
                        .replace("Thank you, {name}.", "Thanks a lot, {name}!"))
    await bot.receive(Inbound(chat_key="patient:p1", press=press_data(old_question, "Okay")))
    assert [r.text for r in await pending(bot, "patient:p1")] == ["Anything you'd like to add?"]

    clock.set(parse_time("2026-03-02T13:30:00Z"))  # Tom's check-in starts on the new version
    await bot.run_due_jobs()
    await bot.receive(Inbound(chat_key="patient:p2", press=press_data(await pending(bot, "patient:p2"), "Good")))
    assert [r.text for r in await pending(bot, "patient:p2")] == ["Any notes today?"]
    await bot.close()


async def test_broken_edit_is_not_taken_up(
    settings: Settings, database_url: str, seed: dict[str, Any], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    settings = replace(settings, dialogues_dir=project / "dialogues", content_dir=project / "content")
    bot = await seeded(settings, database_url, seed, SimulatedClock(START))
    good = bot.content.current().version
    bot.content.check_every_s = 0
    script = project / "dialogues" / "daily_checkin.yaml"
    script.write_text(script.read_text().replace("goto: thanks", "goto: nowhere"))
    assert bot.content.current().version == good
    await bot.close()


async def test_crisis_while_database_is_down_is_sent_directly_and_replayed(
    settings: Settings, database_url: str, seed: dict[str, Any]
) -> None:
    clock = SimulatedClock(START)
    bot = await seeded(settings, database_url, seed, clock)
    await bot.close()

    down = Coachbot(settings, _unreachable_database(), bot.content, bot.triage, clock, bot.spool)
    reply = await down.receive(Inbound(chat_key="patient:p1", text="I am going to kill myself tonight"))
    assert len(reply.direct) == 1 and "FIXTURE SAFETY RESPONSE" in reply.direct[0]
    assert bot.spool.entries()[0]["chat_key"] == "patient:p1"
    await down.db.dispose()

    back = await start_bot(settings, database_url, clock)  # start-up replays the spool
    async with back.db.transaction() as session:
        alert = await session.scalar(select(Alert))
        assert alert is not None and alert.severity == "crisis" and alert.patient_id == "p1"
        alerted = await session.scalars(select(Outbox.recipient).where(Outbox.kind == "alert"))
        assert list(alerted) == ["clinician:c1"]
        actions = list(await session.scalars(select(AuditEntry.action)))
        assert "replayed_from_spool" in actions
    assert back.spool.entries() == []
    assert await back.replay_spool() == 0  # nothing twice
    await back.close()


def _unreachable_database() -> Any:
    from bot.storage.db import Database

    return Database("postgresql+asyncpg://nobody@127.0.0.1:9/none")


async def test_a_job_waits_while_its_patient_is_busy_with_a_message(
    settings: Settings, database_url: str, seed: dict[str, Any],
) -> None:
    """On PostgreSQL a job takes the patient's row lock without waiting: while a message holds
    it, the job stays pending (no deadlock, no interleaving) and runs in the next round."""
    from bot.storage.models import Job, Patient

    clock = SimulatedClock(START)
    bot = await seeded(settings, database_url, seed, clock)
    clock.set(parse_time("2026-03-02T08:00:00Z"))  # Maria's check-in is due
    try:
        if bot.db.is_sqlite:
            assert await bot.run_due_jobs() >= 1  # one writer at a time: nothing to wait for
            return
        async with bot.db.transaction() as busy:  # a message for Maria is being handled
            await busy.scalar(bot.db.locked(select(Patient).where(Patient.id == "p1")))
            assert await bot.run_due_jobs() == 0
            async with bot.db.transaction() as session:
                job = await session.scalar(select(Job).where(Job.patient_id == "p1", Job.kind == "daily"))
                assert job is not None and job.status == "pending"
        assert await bot.run_due_jobs() >= 1
        assert (await pending(bot, "patient:p1"))[-1].text.startswith("Good morning Maria")
    finally:
        await bot.close()


async def test_a_failing_daily_job_is_retried_and_never_ends_the_programme(
    settings: Settings, database_url: str, seed: dict[str, Any], monkeypatch: Any,
) -> None:
    from bot import programme
    from bot.service import JOB_MAX_ATTEMPTS
    from bot.storage.models import Job

    clock = SimulatedClock(START)
    bot = await seeded(settings, database_url, seed, clock)
    calls: list[str] = []

    async def broken(work: Any, patient: Any) -> None:
        calls.append(patient.id)
        raise RuntimeError("a bug in today's prompt")

    monkeypatch.setattr(programme, "run_daily", broken)
    try:
        clock.set(parse_time("2026-03-02T08:00:00Z"))
        for _ in range(JOB_MAX_ATTEMPTS + 2):
            await bot.run_due_jobs()
            clock.set(clock.now() + timedelta(minutes=10))
        assert calls.count("p1") == JOB_MAX_ATTEMPTS  # retried, then given up
        async with bot.db.transaction() as session:
            jobs = list(await session.scalars(
                select(Job).where(Job.patient_id == "p1", Job.kind == "daily").order_by(Job.due_at)))
        assert [j.status for j in jobs] == ["failed", "pending"]
        assert "a bug in today's prompt" in (jobs[0].last_error or "")
        assert jobs[1].due_at == parse_time("2026-03-03T08:00:00Z"), "tomorrow's check-in still comes"
    finally:
        await bot.close()


async def test_due_jobs_run_together_and_a_failing_one_fails_alone(
    settings: Settings, database_url: str, seed: dict[str, Any], monkeypatch: Any,
) -> None:
    """Check-ins due at the same minute share a transaction (bot.service.JOBS_TOGETHER); when
    one of them breaks, the others still run exactly once and only the broken one is retried."""
    from bot import programme
    from bot.storage.models import Job

    for patient in seed["patients"]:
        patient["timezone"], patient["checkin_time"] = "UTC", "08:00"
    seed["patients"].append({"id": "p3", "name": "Ana", "group": "g1", "timezone": "UTC",
                             "checkin_time": "08:00", "locale": "en"})
    clock = SimulatedClock(START)
    bot = await seeded(settings, database_url, seed, clock)
    real_daily = programme.run_daily

    async def tom_breaks(work: Any, patient: Any) -> None:
        if patient.id == "p2":
            raise RuntimeError("a bug in Tom's prompt")
        await real_daily(work, patient)

    monkeypatch.setattr(programme, "run_daily", tom_breaks)
    try:
        clock.set(parse_time("2026-03-02T08:00:00Z"))
        assert await bot.run_due_jobs() == 3  # each of the three ran once (Tom's failed)
        for person, name in (("patient:p1", "Maria"), ("patient:p3", "Ana")):
            greetings = [r for r in await pending(bot, person) if r.text.startswith(f"Good morning {name}")]
            assert len(greetings) == 1
        assert await pending(bot, "patient:p2") == []
        async with bot.db.transaction() as session:
            jobs = {j.patient_id: j for j in await session.scalars(
                select(Job).where(Job.kind == "daily", Job.due_at < parse_time("2026-03-03T00:00:00Z")))}
        assert jobs["p1"].status == jobs["p3"].status == "done"
        assert (jobs["p1"].attempts, jobs["p3"].attempts) == (1, 1)
        assert (jobs["p2"].status, jobs["p2"].attempts) == ("pending", 1)  # again in a minute
        assert "a bug in Tom's prompt" in (jobs["p2"].last_error or "")

        monkeypatch.setattr(programme, "run_daily", real_daily)  # mended: tomorrow's run together
        alone = jobs_run_alone(bot, monkeypatch)
        clock.set(parse_time("2026-03-03T08:00:00Z"))
        assert await bot.run_due_jobs() >= 3
        assert alone == []
    finally:
        await bot.close()


async def test_a_poisoned_spool_is_replayed_entry_by_entry_and_never_stops_the_start(
    settings: Settings, database_url: str, seed: dict[str, Any], caplog: pytest.LogCaptureFixture,
) -> None:
    clock = SimulatedClock(START)
    bot = await seeded(settings, database_url, seed, clock)
    await bot.close()
    good = {"chat_key": "patient:p1", "text": "i have the pills ready \ud83d", "reasons": ["rule: overdose"],
            "at": "2026-03-02T07:00:00Z", "key": "spool:good"}
    bot.spool.path.parent.mkdir(parents=True, exist_ok=True)
    bot.spool.path.write_text("\n".join([
        "{not json at all",
        json.dumps({**good, "at": "not a time", "key": "spool:bad", "text": "SECRET-WORDS-4412"}),
        json.dumps(good),
    ]) + "\n", encoding="utf-8")

    back = await start_bot(settings, database_url, clock)  # starts, and replays what it can
    async with back.db.transaction() as session:
        alerts = list(await session.scalars(select(Alert)))
    assert [(a.severity, a.patient_id, a.idempotency_key) for a in alerts] == [("crisis", "p1", "spool:good")]
    assert back.spool.lines() == []
    assert len(back.spool.rejected_path.read_text().splitlines()) == 2
    assert "set aside" in caplog.text and "SECRET-WORDS-4412" not in caplog.text
    await back.close()
