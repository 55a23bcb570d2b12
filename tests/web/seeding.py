"""Seeded records for the dashboard's tests: two groups, their patients, answers and alerts.

Clinician c1 sees group g1 (Maria, Lena, Nora); c3 sees group g2 (Tom). Lena has an open
crisis, Maria an open concern and a low mood, Nora nothing open; Tom (g2) has an open concern.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import SimulatedClock
from bot.config import Settings
from bot.content.registry import ContentRegistry
from bot.engine.engine import Engine
from bot.isotime import parse_time
from bot.seed import apply_seed
from bot.storage.db import Database
from bot.storage.models import Alert, Answer, Message, Patient, Score
from bot.work import Work
from tests.conftest import SEED

START = parse_time(str(SEED["start"]))
HOSTILE_TEXT = "I feel <script>alert(1)</script> awful & tired"


@dataclass
class Seeded:
    maria_alert: int
    lena_alert: int
    tom_alert: int


def seed_data() -> dict[str, Any]:
    seed: dict[str, Any] = json.loads(json.dumps(SEED))
    seed["patients"] += [
        {"id": "p3", "name": "Lena", "group": "g1", "timezone": "Europe/Berlin"},
        {"id": "p4", "name": "Nora", "group": "g1", "timezone": "Europe/Berlin"},
    ]
    return seed


def _alert(patient: str, group: str, severity: str, reason: str, at: datetime, text: str | None = None) -> Alert:
    return Alert(patient_id=patient, group_id=group, severity=severity, source="triage", reason=reason, text=text,
                 context={}, status="open", escalation_level=0, created_at=at)


async def seed_dashboard(db: Database, settings: Settings, clock: SimulatedClock,
                         content: ContentRegistry, answers: int = 3) -> Seeded:
    """The records; `answers`: mood answers for Maria (one an hour before now)."""
    await db.migrate()
    async with db.transaction() as session:
        work = Work(session=session, now=START, db=db, content=content, engine=Engine(), settings=settings)
        await apply_seed(work, seed_data())
        for index in range(answers):
            session.add(Answer(patient_id="p1", dialogue="daily_checkin", key="mood", value=2,
                               at=START + timedelta(minutes=index)))
        session.add(Answer(patient_id="p4", dialogue="daily_checkin", key="mood", value=8, at=START))
        session.add(Answer(patient_id="p1", dialogue="daily_checkin", key="exercise.outcome", value="done",
                           at=START + timedelta(minutes=30)))
        session.add(Score(patient_id="p1", questionnaire="phq9", score=11, raw=11, band="moderate", answers={},
                          at=START + timedelta(minutes=40)))
        session.add(Message(patient_id="p1", text=HOSTILE_TEXT, risk="concern", rupture="none", reasons=[],
                            at=START + timedelta(minutes=50)))
        maria = _alert("p1", "g1", "concern", "low mood three days running", START + timedelta(minutes=45))
        lena = _alert("p3", "g1", "crisis", "suicidal ideation ('no way out')", START + timedelta(minutes=20),
                      text="there is no way out")
        tom = _alert("p2", "g2", "concern", "severe new pain", START + timedelta(minutes=10))
        session.add_all([maria, lena, tom])
        lena_patient = await session.get(Patient, "p3")
        assert lena_patient is not None
        lena_patient.crisis_open = True
        await session.flush()
        return Seeded(maria_alert=maria.id, lena_alert=lena.id, tom_alert=tom.id)
