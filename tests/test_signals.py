"""Signals beyond text, through `coachbot simulate`: mood drops, repeated skips and session
feedback raise alerts with context and trend, to the patient's own clinician only, and
never a flood."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.storage.models import Alert, AuditEntry
from tests.conftest import Transcript, run_scenario
from tests.test_clinicians import SEED, Timeline, coach_project, query

MARIA = "patient:p1"


@pytest.fixture
def coach(settings: Settings, tmp_path: Path, database_url: str) -> Any:
    project = coach_project(settings, tmp_path)

    async def run(steps: list[dict[str, Any]]) -> Transcript:
        t = await run_scenario(project, steps, database_url)
        assert t.status == 0, t.errors
        return t

    return run


def seed(sessions: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(SEED))
    data["groups"][0]["sessions"] = sessions or []
    return data


def days(t: Timeline, answers: list[tuple[int, str]], first: int = 2) -> Timeline:
    """Maria's check-ins (08:00Z) from 2 March on; the weekly mini on day 1 gets 'Not at all'."""
    for offset, (mood, outcome) in enumerate(answers):
        t.checkin(MARIA, f"2026-03-{first + offset:02d}T08:05:00Z", mood, outcome)
        if first + offset == 3:
            t.press(MARIA, "Not at all", "Not at all")
    return t


def signal_alerts(t: Transcript) -> list[dict[str, Any]]:
    return [a for a in t.alerts() if "no check-in" not in a["text"]]  # Lena's and Tom's silence


async def test_sudden_mood_drop_alerts_the_patients_clinician_with_the_trend(
    coach: Any, database_url: str,
) -> None:
    t = days(Timeline(seed()), [(8, "Done"), (7, "Done"), (8, "Done"), (7, "Done"), (3, "Done")])
    out = await coach(t.steps)
    alerts = signal_alerts(out)
    assert [(a["to"], a["severity"], a["patient"], a["at"]) for a in alerts] == [
        ("clinician:c1", "concern", "p1", "2026-03-06T08:05:00Z")]
    assert ("sudden mood drop: 3/10 today, 4.5 points below the mean of the previous 4 "
            "(7.5; oldest to newest: 8, 7, 8, 7)") in alerts[0]["text"]
    assert "Mood (0–10), last entries: 8, 7, 8, 7, 3" in alerts[0]["text"]
    stored = await query(database_url, select(Alert).where(Alert.patient_id == "p1"))
    assert [(a.source, a.severity, a.idempotency_key) for a in stored] == [
        ("signal", "concern", "signal:mood_drop:p1:2026-03-06")]


async def test_everyday_ups_and_downs_raise_nothing(coach: Any) -> None:
    t = days(Timeline(seed()), [(8, "Done"), (6, "Done"), (7, "Skipped"), (5, "Done"), (6, "Done"), (4, "Done")])
    out = await coach(t.steps)
    assert signal_alerts(out) == []


async def test_no_flood_while_an_alert_of_the_kind_is_unacknowledged(
    coach: Any, database_url: str,
) -> None:
    """Unacknowledged: the next day's drop is suppressed. Acknowledged but not resolved: the
    drop after that is added to the same alert, with a one-line note, not a new alert."""
    t = days(Timeline(seed()), [(8, "Done"), (7, "Done"), (8, "Done"), (7, "Done"), (3, "Done"), (2, "Done")])
    t.at("2026-03-07T12:00:00Z").press("clinician:c1", "I'm on it")
    days(t, [(1, "Done")], first=8)
    out = await coach(t.steps)
    alerts = signal_alerts(out)
    assert [a["at"] for a in alerts] == ["2026-03-06T08:05:00Z"]
    [again] = [m for m in out.to("clinician:c1") if m["at"] == "2026-03-08T08:05:00Z" and "again" in m["text"]]
    assert "(open alert, signal 2)" in again["text"]
    assert "sudden mood drop: 1/10 today, 4.4 points below the mean of the previous 5 (5.4" in again["text"]
    suppressed = await query(database_url, select(AuditEntry).where(AuditEntry.action == "signal_suppressed"))
    assert [(s.patient_id, s.detail["signal"], s.at.date().isoformat()) for s in suppressed] == [
        ("p1", "mood_drop", "2026-03-07")]


async def test_repeated_skips_raise_one_withdrawal_signal(coach: Any) -> None:
    t = days(Timeline(seed()), [(7, "Skipped"), (7, "Done"), (7, "Skipped"), (7, "Skipped"), (7, "Skipped")])
    out = await coach(t.steps)
    alerts = signal_alerts(out)
    assert [(a["to"], a["severity"], a["at"]) for a in alerts] == [
        ("clinician:c1", "rupture", "2026-03-05T08:05:00Z")]
    assert ("withdrawal: exercise skipped 3 of the last 4 times "
            "(oldest to newest: skipped, done, skipped, skipped)") in alerts[0]["text"]


SESSIONS = ["2026-03-02T17:00:00Z", "2026-03-03T17:00:00Z", "2026-03-04T17:00:00Z"]


def feedback_week(ratings: list[tuple[str, str]]) -> Timeline:
    """Check-ins every morning (mood 7, done) and session feedback every evening at 18:05Z."""
    t = Timeline(seed(SESSIONS))
    for offset, (heard, overall) in enumerate(ratings):
        days(t, [(7, "Done")], first=2 + offset)
        t.at(f"2026-03-{2 + offset:02d}T18:05:00Z").press(MARIA, heard, overall)
    return t


async def test_session_feedback_drop_against_the_running_mean_is_a_rupture(
    coach: Any, database_url: str,
) -> None:
    out = await coach(feedback_week([("9", "9"), ("8", "9"), ("6", "5")]).steps)
    alerts = signal_alerts(out)
    assert [(a["to"], a["severity"], a["at"]) for a in alerts] == [
        ("clinician:c1", "rupture", "2026-03-04T18:05:00Z")]
    assert ("session feedback (alliance): score 5.5/10, down from their running mean of 8.8 "
            "over 2 sessions (9, 8.5)") in alerts[0]["text"]
    assert not [x for x in out.texts("clinician:c3") if "Maria" in x]


async def test_a_low_feedback_item_below_the_patients_own_usual_is_a_rupture(coach: Any) -> None:
    out = await coach(feedback_week([("8", "6"), ("8", "6"), ("4", "10")]).steps)  # the mean stays 7
    alerts = signal_alerts(out)
    assert [a["at"] for a in alerts] == ["2026-03-04T18:05:00Z"]
    assert ("session feedback (alliance): low: “Did you feel listened to today?” 4/10, their usual 8.0"
            in alerts[0]["text"])


async def test_a_low_item_with_no_usual_yet_is_shown_not_alerted(coach: Any) -> None:
    """Issue 19: "a patient averaging 7 was flagged" for one answer of 4. One low item alone is
    worth a look in the digest, not an alert; a drop from the patient's own level is the signal."""
    first = feedback_week([("3", "7")]).at("2026-03-02T19:00:00Z").say("clinician:c1", "/patients")
    out = await coach(first.steps)
    assert signal_alerts(out) == []
    [listed] = [x["text"] for x in out.to("clinician:c1") if x["at"] == "2026-03-02T19:00:00Z"]
    assert "low session feedback: heard 3/10" in listed.split("Maria: ")[1].splitlines()[0]


async def test_a_low_item_that_is_their_usual_is_not_alerted(coach: Any) -> None:
    out = await coach(feedback_week([("4", "9"), ("4", "9"), ("3", "9")]).steps)  # "heard" is always about 4
    assert signal_alerts(out) == []


async def test_feedback_the_content_already_flagged_is_not_alerted_twice(
    coach: Any, database_url: str,
) -> None:
    out = await coach(feedback_week([("4", "1")]).steps)
    alerts = signal_alerts(out)
    assert len(alerts) == 1
    assert "session feedback: overall 1" in alerts[0]["text"]  # the questionnaire's own threshold
    stored = await query(database_url, select(Alert).where(Alert.patient_id == "p1"))
    assert [a.source for a in stored] == ["dialogue"]


async def test_an_answer_checked_earlier_in_the_transaction_counts_as_history(
    settings: Settings, database_url: str,
) -> None:
    """A signal reads a patient's history once per transaction (a batch shares that read);
    answers checked after it join it in memory, as if they were stored: mood 5, 5, 5 on
    record, then 9 and 2 in one transaction is a drop of 4 from a mean of 6."""
    from datetime import timedelta

    from bot.clock import SimulatedClock
    from bot.engine import events as ev
    from bot.isotime import parse_time
    from bot.signals import after_event
    from bot.storage.models import Answer, Patient
    from tests.test_persistence import seeded

    start = parse_time("2026-03-02T07:00:00Z")
    bot = await seeded(settings, database_url, SEED, SimulatedClock(start))
    async with bot.db.transaction() as session:
        session.add_all([Answer(patient_id="p1", conversation_id=None, dialogue="daily_checkin",
                                key="mood", value=5, at=start - timedelta(days=d)) for d in (3, 2, 1)])
    async with bot.db.transaction() as session:
        work = bot._work(session)
        patient = await session.get(Patient, "p1")
        assert patient is not None
        for mood in (9, 2):
            session.add(Answer(patient_id="p1", conversation_id=None, dialogue="daily_checkin",
                               key="mood", value=mood, at=work.now))
            await after_event(work, patient, ev.RecordAnswer(key="mood", value=mood))
    await bot.close()
    stored = await query(database_url, select(Alert).where(Alert.patient_id == "p1"))
    assert [(a.source, a.severity) for a in stored] == [("signal", "concern")]
    assert "2/10 today, 4.0 points below the mean of the previous 4 (6.0" in stored[0].reason
