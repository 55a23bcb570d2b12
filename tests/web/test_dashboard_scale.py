"""The dashboard with more patients and groups: each page costs the same number of database
queries for a group of 3 as for a group of 15, and for one group as for four (no query per
patient, per group or per alert), and the figures read in bulk are the ones read one by one.
Speed itself is measured by bench/dashboard_bench.py, never asserted here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import event, inspect, text

from bot import clinicians
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.content.registry import ContentRegistry
from bot.engine.engine import Engine
from bot.signin import create_login_link
from bot.storage.db import Database
from bot.storage.models import (
    Alert,
    Answer,
    Clinician,
    ConversationRow,
    Group,
    GroupClinician,
    GroupSession,
    Message,
    Patient,
    Score,
)
from bot.web.app import create_app
from bot.work import Work
from tests.web.seeding import START, seed_dashboard

BASE = "http://testserver"
NOW = START + timedelta(days=3)
PAGES = ["/", "/groups/g1", "/alerts", "/patients/p1", "/patients/p1?page=2"]


@dataclass
class Site:
    db: Database
    settings: Settings
    content: ContentRegistry
    client: httpx.AsyncClient
    statements: list[str]

    def work(self, session: Any) -> Work:
        return Work(session=session, now=NOW, db=self.db, content=self.content, engine=Engine(),
                    settings=self.settings)

    async def queries(self, path: str) -> int:
        """How many statements the dashboard runs to answer `path` (which must answer 200)."""
        self.statements.clear()
        response = await self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return len(self.statements)


@pytest.fixture
async def site(settings: Settings, database_url: str) -> AsyncIterator[Site]:
    settings = replace(settings, dashboard_url=BASE)
    db = Database(database_url)
    clock = SimulatedClock(NOW)
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    await seed_dashboard(db, settings, clock, content, answers=40)
    statements: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_: statements.append(statement))
    app = create_app(settings, db=db, clock=clock, content=content)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        found = Site(db, settings, content, client, statements)
        async with db.transaction() as session:
            ada = await session.get(Clinician, "c1")
            assert ada is not None
            link = await create_login_link(found.work(session), ada, BASE, "admin")
        assert (await client.post(urlparse(link).path)).status_code == 303
        yield found
    await db.dispose()


def patient_records(patient_id: str, group_id: str, number: int) -> list[Any]:
    """A patient with three days of check-ins, a score, a message and an open alert."""
    records: list[Any] = [Patient(id=patient_id, name=f"Extra {number:02d}", group_id=group_id,
                                  timezone="Europe/Berlin", enrolled_at=START)]
    for day in range(3):
        at = START + timedelta(days=day, hours=1)
        records += [
            ConversationRow(patient_id=patient_id, dialogue="daily_checkin", version="v", state="done",
                            status="finished", started_at=at, updated_at=at),
            Answer(patient_id=patient_id, dialogue="daily_checkin", key="mood", value=(number + day) % 11,
                   at=at + timedelta(minutes=1)),
            Answer(patient_id=patient_id, dialogue="daily_checkin", key="exercise.outcome",
                   value=["done", "hard", "skipped"][(number + day) % 3], at=at + timedelta(minutes=2)),
        ]
    records += [
        Score(patient_id=patient_id, questionnaire="phq9", score=number % 27, raw=number % 27, band=None, answers={},
              at=START + timedelta(hours=5)),
        Message(patient_id=patient_id, text="my knee is better", risk="none", rupture="none", reasons=[],
                at=START + timedelta(hours=6)),
        Alert(patient_id=patient_id, group_id=group_id, severity=["concern", "rupture"][number % 2],
              source="signal", reason=f"reason {number}", context={}, status="open", escalation_level=0,
              created_at=START + timedelta(days=2, minutes=number)),
    ]
    return records


async def grow(site: Site) -> None:
    """Twelve more patients in g1; three more groups of Dr Ada's, each with sessions and patients."""
    records = [patient_records(f"x{number}", "g1", number) for number in range(12)]
    async with site.db.transaction() as session:
        for index in range(3):
            group_id = f"extra{index}"
            session.add(Group(id=group_id, name=f"Extra group {index}", created_at=START))
            session.add(GroupClinician(group_id=group_id, clinician_id="c1"))
            session.add_all(GroupSession(group_id=group_id, starts_at=NOW + timedelta(days=d)) for d in range(1, 6))
            records += [patient_records(f"y{index}-{number}", group_id, number) for number in range(4)]
        await session.flush()
        session.add_all(patient for patient, *_ in records)
        await session.flush()
        session.add_all(record for _, *rest in records for record in rest)


async def test_pages_cost_the_same_queries_however_many_patients_groups_and_alerts(site: Site) -> None:
    before = {path: await site.queries(path) for path in PAGES}
    await grow(site)
    after = {path: await site.queries(path) for path in PAGES}
    assert after == before, "a query per patient, group or alert has crept into a page"
    home = await site.client.get("/")
    assert all(f"Group extra{i}" in home.text for i in range(3)) and "4 patients" in home.text
    queue = await site.client.get("/alerts")
    assert "Extra 11" in queue.text and "reason 11" in queue.text


async def test_the_bigger_groups_page_shows_each_patients_own_figures_by_risk(site: Site) -> None:
    await grow(site)
    page = (await site.client.get("/groups/g1")).text
    assert page.index("Lena") < page.index("Extra 09") < page.index("Extra 07"), \
        "crisis, then one open alert each by last mood (0 before 9)"
    for number in range(12):
        assert f">Extra {number:02d}</a>" in page
        card = page.split(f">Extra {number:02d}</a>")[1].split("</li>")[0]
        assert f"last mood {(number + 2) % 11}/10" in card, "each patient's own newest mood, not the group's"
        assert "1 open alert" in card and "check-ins 3/3" in card
    assert page.index("Nora") > page.index("Extra 11"), "no open alert: after everyone with one"


async def test_patient_weeks_in_bulk_are_the_weeks_one_by_one(site: Site) -> None:
    await grow(site)
    async with site.db.transaction() as session:
        work = site.work(session)
        members = await clinicians.group_members(work, "g1")
        since = NOW - timedelta(days=clinicians.STATUS_DAYS)
        bulk = await clinicians.patient_weeks(work, members, since, NOW)
        single = [await clinicians.patient_week(work, patient, since, NOW) for patient in members]
        assert [w.patient.id for w in bulk] == [p.id for p in members]
        assert [clinicians.status_parts(w) for w in bulk] == [clinicians.status_parts(w) for w in single]
        assert [(w.moods, w.previous_moods, w.exercise, [a.id for a in w.open_alerts], [s.id for s in w.scores])
                for w in bulk] == [(w.moods, w.previous_moods, w.exercise, [a.id for a in w.open_alerts],
                                    [s.id for s in w.scores]) for w in single]
        assert len({str(w.exercise) for w in bulk}) > 1, "the patients differ, so the comparison means something"
        assert await clinicians.patient_weeks(work, [], since, NOW) == []


async def test_open_alerts_of_a_clinicians_groups_are_found_through_an_index(site: Site) -> None:
    """Resolved alerts are kept for ever; the top bar's count on every page must not read them all."""
    async with site.db.engine.connect() as connection:
        indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("alerts"))
        assert ["group_id", "status"] in [index["column_names"] for index in indexes]
        if connection.dialect.name == "sqlite":
            plan = await connection.execute(text(
                "EXPLAIN QUERY PLAN SELECT count(id) FROM alerts WHERE group_id IN ('g1', 'g2') "
                "AND status != 'resolved'"))
            assert "ix_alerts_group_status" in " ".join(str(row) for row in plan)
