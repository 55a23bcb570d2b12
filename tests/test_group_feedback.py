"""Session feedback read against the group (issue 19 item 1): a patient's drop from their own
usual is a rupture signal only when the rest of the group did not rate the same session lower;
a session the whole group rated lower is one note in the next digest, not an alert each.

The scores are stored directly (the dialogue's path to them has tests of its own in
tests/test_signals.py); each check runs `after_event` as the dialogue would, with the patient's
own new score still pending in the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import SimulatedClock
from bot.config import Settings
from bot.engine import events as ev
from bot.isotime import parse_time
from bot.service import Coachbot
from bot.storage.models import Alert, AuditEntry, Clinician, GroupSession, Patient, Score
from tests.test_clinicians import query
from tests.test_persistence import seeded

SESSIONS = ["2026-03-02T17:00:00Z", "2026-03-09T17:00:00Z", "2026-03-16T17:00:00Z",
            "2026-03-23T17:00:00Z"]
CURRENT = 2
"""The session whose feedback is checked (16 March); the two before it are the usual."""
SEED: dict[str, Any] = {
    "start": "2026-03-02T07:00:00Z",
    "clinicians": [{"id": "c1", "name": "Dr Ada"}],
    "groups": [{"id": "g1", "clinicians": ["c1"], "sessions": SESSIONS}],
    "patients": [{"id": f"p{n}", "name": name, "group": "g1", "timezone": "UTC", "checkin_time": "09:00"}
                 for n, name in enumerate(["Maria", "Lena", "Tom", "Ken"], start=1)],
}
USUAL = {"p1": [8.0, 8.0], "p2": [8.0, 7.0], "p3": [7.0, 8.0], "p4": [8.0, 8.0]}
"""Each patient's feedback on the two sessions before: the group's usual is 7.75 (7.7 without Maria)."""


def _answers(score: float) -> dict[str, Any]:
    """Every item answered alike, so the score (their mean) is `score`."""
    return {item: score for item in ("heard", "mattered", "fits", "overall")}


def _score(patient_id: str, score: float, at: datetime) -> Score:
    return Score(patient_id=patient_id, questionnaire="session_feedback", score=score, raw=score * 4,
                 band=None, answers=_answers(score), at=at)


def _after(session: int, minutes: int) -> datetime:
    return parse_time(SESSIONS[session]) + timedelta(hours=1, minutes=minutes)


@dataclass
class Run:
    bot: Coachbot
    clock: SimulatedClock
    url: str

    async def answer(self, patient_id: str, score: float, minutes: int) -> None:
        """`patient_id` rates the current session `minutes` after the feedback was asked."""
        from bot.signals import after_event

        self.clock.set(_after(CURRENT, minutes))
        async with self.bot.db.transaction() as session:
            work = self.bot._work(session)
            patient = await session.get(Patient, patient_id)
            assert patient is not None
            session.add(_score(patient_id, score, work.now))
            await after_event(work, patient, ev.QuestionnaireScored(
                questionnaire="session_feedback", score=score, raw=score * 4, band=None,
                answers=_answers(score)))

    async def digest(self) -> list[str]:
        """The lines Dr Ada reads before the session after the current one."""
        from bot.clinicians import build_digest

        self.clock.set(parse_time(SESSIONS[CURRENT + 1]) - timedelta(hours=1))
        async with self.bot.db.transaction() as session:
            work = self.bot._work(session)
            upcoming = await session.scalar(select(GroupSession).where(
                GroupSession.starts_at == parse_time(SESSIONS[CURRENT + 1])))
            clinician = await session.get(Clinician, "c1")
            assert upcoming is not None and clinician is not None
            return (await build_digest(work, upcoming)).lines(clinician)

    async def alerts(self) -> list[Alert]:
        return await query(self.url, select(Alert).where(Alert.source == "signal").order_by(Alert.id))

    async def close(self) -> None:
        await self.bot.close()


async def _run(settings: Settings, url: str) -> Run:
    """The group with its two usual sessions of feedback on record."""
    clock = SimulatedClock(parse_time(SEED["start"]))
    bot = await seeded(settings, url, SEED, clock)
    async with bot.db.transaction() as session:
        session.add_all([_score(patient_id, score, _after(number, 5 * n))
                         for n, (patient_id, scores) in enumerate(USUAL.items())
                         for number, score in enumerate(scores)])
    return Run(bot, clock, url)


def _group_notes(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("The whole group rated")]


async def test_a_drop_the_whole_group_shares_is_a_digest_note_not_an_alert(
    shipped_settings: Settings, database_url: str,
) -> None:
    run = await _run(shipped_settings, database_url)
    try:
        for patient_id, score, minutes in (("p2", 6.0, 5), ("p3", 6.0, 40), ("p1", 5.5, 90), ("p4", 6.0, 300)):
            await run.answer(patient_id, score, minutes)
        lines = await run.digest()
    finally:
        await run.close()
    assert await run.alerts() == []  # Maria fell 2.5 from her usual 8, Lena and Tom 1.7 from theirs
    wide = await query(database_url, select(AuditEntry).where(AuditEntry.action == "signal_group_wide")
                       .order_by(AuditEntry.id))
    assert [(a.patient_id, a.detail["signal"]) for a in wide] == [("p1", "session_feedback"),
                                                                   ("p4", "session_feedback")]
    assert _group_notes(lines) == [
        "The whole group rated the session of Mon 16 Mar 17:00 UTC lower than usual (7.8 → 5.9, "
        "4 answers): about the session, not one patient's alliance."]


async def test_a_drop_of_one_patient_in_a_steady_group_is_a_rupture_naming_both(
    shipped_settings: Settings, database_url: str,
) -> None:
    run = await _run(shipped_settings, database_url)
    try:
        for patient_id, score, minutes in (("p2", 8.0, 5), ("p3", 7.5, 40), ("p4", 8.0, 60), ("p1", 5.5, 90)):
            await run.answer(patient_id, score, minutes)
        lines = await run.digest()
    finally:
        await run.close()
    [alert] = await run.alerts()
    assert (alert.patient_id, alert.severity) == ("p1", "rupture")
    assert alert.reason == (
        "session feedback (alliance): score 5.5/10, down from their running mean of 8.0 over 2 "
        "sessions (8, 8); the rest of the group rated this session 7.8 (their usual 7.7)")
    assert _group_notes(lines) == []


async def test_a_much_larger_drop_than_the_groups_dip_stays_the_patients_own(
    shipped_settings: Settings, database_url: str,
) -> None:
    """The rest of the group dipped by 1.3, Maria by 3.5: half her drop is more than theirs,
    so the dip does not explain it (GROUP_DROP_PART); the dip itself is the digest's note."""
    run = await _run(shipped_settings, database_url)
    try:
        for patient_id, score, minutes in (("p2", 6.0, 5), ("p3", 6.5, 40), ("p4", 6.5, 60), ("p1", 4.5, 90)):
            await run.answer(patient_id, score, minutes)
        lines = await run.digest()
    finally:
        await run.close()
    [alert] = await run.alerts()
    assert alert.reason.endswith(
        "down from their running mean of 8.0 over 2 sessions (8, 8); the rest of the group rated "
        "this session 6.3 (their usual 7.7)")
    assert len(_group_notes(lines)) == 1


async def test_too_few_other_answers_yet_alert_at_once_and_say_so(
    shipped_settings: Settings, database_url: str,
) -> None:
    """The first to answer is not held back for answers that may come hours later, or never:
    the alert goes out with what is known, saying the group cannot tell yet. When the rest of
    the group then rates the session lower too, the digest still notes it once for the group,
    and the next patient's equal drop, now read against them, is no alert."""
    run = await _run(shipped_settings, database_url)
    try:
        await run.answer("p2", 6.0, 5)  # one other answer: one more view, not the group's
        await run.answer("p1", 5.5, 40)
        [alert] = await run.alerts()
        assert alert.reason.endswith(
            "(8, 8); other answers for this session so far: 1, too few to tell whether it "
            "was the session")
        await run.answer("p3", 5.5, 300)
        await run.answer("p4", 6.0, 400)  # Ken: 2 below his usual 8, as Maria, Lena and Tom
        lines = await run.digest()
    finally:
        await run.close()
    assert [a.patient_id for a in await run.alerts()] == ["p1"]
    assert len(_group_notes(lines)) == 1


async def test_the_first_sessions_of_a_group_have_no_usual_to_compare_with(
    shipped_settings: Settings, database_url: str,
) -> None:
    """Without the group's earlier feedback no session is 'lower than usual': no note."""
    clock = SimulatedClock(parse_time(SEED["start"]))
    bot = await seeded(shipped_settings, database_url, SEED, clock)
    run = Run(bot, clock, database_url)
    try:
        for patient_id, score, minutes in (("p2", 3.5, 5), ("p3", 4.0, 40), ("p4", 3.5, 60)):
            await run.answer(patient_id, score, minutes)
        lines = await run.digest()
    finally:
        await run.close()
    assert _group_notes(lines) == []
