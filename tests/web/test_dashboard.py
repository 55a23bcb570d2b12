"""The clinicians' web dashboard over HTTP (httpx's ASGI transport), on SQLite and PostgreSQL:
sign-in links, pages, alert actions with their audit, refusals outside one's groups, CSRF."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select

from bot import clinicians
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.content.registry import ContentRegistry
from bot.engine.engine import Engine
from bot.signin import LINK_ROLE, create_login_link, digest
from bot.storage.db import Database
from bot.storage.models import Alert, AuditEntry, Clinician, Invite, Outbox
from bot.web.app import COOKIE, create_app
from bot.work import Work
from tests.web.seeding import HOSTILE_TEXT, START, Seeded, seed_dashboard

BASE = "http://testserver"


@dataclass
class World:
    db: Database
    settings: Settings
    clock: SimulatedClock
    content: ContentRegistry
    client: httpx.AsyncClient
    seeded: Seeded

    def work(self, session: object) -> Work:
        return Work(session=session, now=self.clock.now(), db=self.db, content=self.content,  # type: ignore[arg-type]
                    engine=Engine(), settings=self.settings)

    async def link(self, clinician_id: str = "c1") -> str:
        async with self.db.transaction() as session:
            clinician = await session.get(Clinician, clinician_id)
            assert clinician is not None
            return await create_login_link(self.work(session), clinician, self.settings.dashboard_url, "admin")

    async def sign_in(self, clinician_id: str = "c1") -> None:
        path = urlparse(await self.link(clinician_id)).path
        asked = await self.client.get(path)
        assert asked.status_code == 200 and "Sign in" in asked.text
        signed = await self.client.post(path)
        assert signed.status_code == 303 and signed.headers["location"] == "/"

    async def csrf(self, path: str = "/") -> str:
        page = await self.client.get(path)
        assert page.status_code == 200
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert found is not None
        return found.group(1)

    async def audit(self, action: str, actor: str | None = None) -> list[AuditEntry]:
        async with self.db.transaction() as session:
            query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            if actor is not None:
                query = query.where(AuditEntry.actor == actor)
            return list(await session.scalars(query))

    async def alert(self, alert_id: int) -> Alert:
        async with self.db.transaction() as session:
            alert = await session.get(Alert, alert_id)
            assert alert is not None
            return alert


@pytest.fixture
async def world(settings: Settings, database_url: str) -> AsyncIterator[World]:
    settings = replace(settings, dashboard_url=BASE)
    db = Database(database_url)
    clock = SimulatedClock(START + timedelta(hours=2))
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    seeded = await seed_dashboard(db, settings, clock, content, answers=40)
    app = create_app(settings, db=db, clock=clock, content=content)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield World(db, settings, clock, content, client, seeded)
    await db.dispose()


async def test_sign_in_with_a_link_sets_a_safe_session_cookie(world: World) -> None:
    assert (await world.client.get("/")).headers["location"] == "/signin"
    path = urlparse(await world.link()).path
    asked = await world.client.get(path)
    assert "Dr Ada" in asked.text
    signed = await world.client.post(path)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http here; https DASHBOARD_URL: test_cookie_is_secure_over_https
    home = await world.client.get("/")
    assert home.status_code == 200 and "Signed in as Dr Ada" in home.text
    assert [e.actor for e in await world.audit("dashboard_signed_in")] == ["clinician:c1"]
    async with world.db.transaction() as session:
        stored = list(await session.scalars(select(Invite.code).where(Invite.role == LINK_ROLE)))
    secret = path.rsplit("/", 1)[1]
    assert stored == [digest(secret)], "only a hash of the link's secret is stored"


async def test_a_used_or_expired_link_is_refused(world: World) -> None:
    path = urlparse(await world.link()).path
    await world.client.post(path)
    other = httpx.AsyncClient(transport=world.client._transport, base_url=BASE)
    async with other:
        again = await other.get(path)
        assert again.status_code == 410 and "already been used, has expired" in again.text
        posted = await other.post(path)
        assert posted.status_code == 410 and COOKIE not in posted.headers.get("set-cookie", "")
        late = urlparse(await world.link()).path
        world.clock.advance(timedelta(minutes=11))
        assert (await other.get(late)).status_code == 410
        assert (await other.post(late)).status_code == 410
        assert (await other.get("/")).status_code == 303
        unknown = await other.get("/login/not-a-real-link")
        assert unknown.status_code == 410
    assert len(await world.audit("dashboard_link_refused")) >= 4


async def test_cookie_is_secure_over_https(settings: Settings, database_url: str) -> None:
    settings = replace(settings, dashboard_url="https://dash.example.org")
    db = Database(database_url)
    clock = SimulatedClock(START + timedelta(hours=2))
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    await seed_dashboard(db, settings, clock, content)
    async with db.transaction() as session:
        clinician = await session.get(Clinician, "c1")
        assert clinician is not None
        work = Work(session=session, now=clock.now(), db=db, content=content, engine=Engine(), settings=settings)
        link = await create_login_link(work, clinician, settings.dashboard_url, "admin")
    assert link.startswith("https://dash.example.org/login/")
    app = create_app(settings, db=db, clock=clock, content=content)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://dash.example.org") as client:
        signed = await client.post(urlparse(link).path)
    assert "Secure" in signed.headers["set-cookie"]
    await db.dispose()


async def test_pages_show_groups_patients_by_risk_and_a_paged_timeline(world: World) -> None:
    await world.sign_in()
    home = await world.client.get("/")
    assert "Group g1" in home.text and "Group g2" not in home.text
    assert "Wed 04 Mar 17:00" in home.text, "the next session, in the clinician's time zone"
    assert 'href="/groups/g1"' in home.text and 'href="/alerts"' in home.text
    assert 'name="viewport"' in home.text and "<script" not in home.text
    assert home.headers["x-frame-options"] == "DENY" and home.headers["cache-control"] == "no-store"

    group = await world.client.get("/groups/g1")
    assert group.status_code == 200
    order = [group.text.index(name) for name in ("Lena", "Maria", "Nora")]
    assert order == sorted(order), "crisis first, then open alerts, then low mood"
    assert "Crisis open" in group.text
    assert "last mood 2/10" in group.text and "last mood 8/10" in group.text
    assert "exercise 1 of 1 days (100 %)" in group.text
    assert 'href="/patients/p1"' in group.text

    patient = await world.client.get("/patients/p1")
    assert patient.status_code == 200
    assert HOSTILE_TEXT not in patient.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in patient.text
    assert "phq9" in patient.text and "low mood three days running" in patient.text
    first = patient.text.split("<h2>Timeline")[1]
    assert first.index("They wrote") < first.index("phq9") < first.index("exercise.outcome"), "newest first"
    assert 'href="/patients/p1?page=2"' in first and "Newer" not in first
    second = await world.client.get("/patients/p1?page=2")
    assert "Older" in second.text or "Newer" in second.text
    assert 'href="/patients/p1?page=1"' in second.text
    assert "mood: <strong>2</strong>" in second.text
    viewed = await world.audit("viewed_patient", "clinician:c1")
    assert [e.patient_id for e in viewed] == ["p1", "p1"] and viewed[0].detail["via"] == "dashboard"

    queue = await world.client.get("/alerts")
    lena, maria = queue.text.index(f'id="alert-{world.seeded.lena_alert}"'), \
        queue.text.index(f'id="alert-{world.seeded.maria_alert}"')
    assert lena < maria, "a crisis before a concern"
    assert f'id="alert-{world.seeded.tom_alert}"' not in queue.text
    assert '<label for="alert-' in queue.text and "I&#x27;m on it" in queue.text


async def test_acknowledge_resolve_and_note_do_what_the_telegram_buttons_do(world: World) -> None:
    await world.sign_in()
    token = await world.csrf("/alerts")
    alert_id = world.seeded.maria_alert
    acked = await world.client.post(f"/alerts/{alert_id}/act", data={"csrf": token, "action": "ack"})
    assert acked.status_code == 303 and acked.headers["location"].startswith("/alerts?done=ack")
    alert = await world.alert(alert_id)
    assert alert.status == "acknowledged" and alert.acknowledged_by == "c1"
    entries = await world.audit("acknowledged", "clinician:c1")
    assert [(e.alert_id, e.patient_id) for e in entries] == [(alert_id, "p1")]
    shown = await world.client.get(acked.headers["location"])
    assert "Acknowledged" in shown.text

    noted = await world.client.post(f"/alerts/{alert_id}/note", data={"csrf": token, "note": "Called her, OK."})
    assert noted.status_code == 303
    assert (await world.alert(alert_id)).note == "Called her, OK."
    assert [e.alert_id for e in await world.audit("note", "clinician:c1")] == [alert_id]

    crisis = world.seeded.lena_alert
    await world.client.post(f"/alerts/{crisis}/act", data={"csrf": token, "action": "resolved"})
    resolved = await world.alert(crisis)
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    assert [e.patient_id for e in await world.audit("programme_resumed", "clinician:c1")] == ["p3"]
    queue = await world.client.get("/alerts")
    assert f'id="alert-{crisis}"' not in queue.text
    async with world.db.transaction() as session:
        told = list(await session.scalars(select(Outbox.text).where(Outbox.recipient == "clinician:c2")))
    assert any("Dr Ada marked it" in text for text in told), "the crisis team hears, as from Telegram"


async def test_another_groups_patient_group_and_alert_are_refused_and_audited(world: World) -> None:
    await world.sign_in()
    token = await world.csrf()
    patient = await world.client.get("/patients/p2")
    assert patient.status_code == 404 and "Tom" not in patient.text
    assert (await world.client.get("/patients/nobody")).status_code == 404
    assert (await world.client.get("/groups/g2")).status_code == 404
    tom = world.seeded.tom_alert
    acted = await world.client.post(f"/alerts/{tom}/act", data={"csrf": token, "action": "resolved"})
    assert acted.status_code == 404
    noted = await world.client.post(f"/alerts/{tom}/note", data={"csrf": token, "note": "x"})
    assert noted.status_code == 404
    assert (await world.alert(tom)).status == "open" and (await world.alert(tom)).note is None
    refused = await world.audit("refused", "clinician:c1")
    assert ("p2", None) in [(e.patient_id, e.alert_id) for e in refused]
    assert [e.alert_id for e in refused if e.alert_id is not None] == [tom, tom]
    assert any(e.detail.get("group") == "g2" for e in refused)
    assert all(e.detail["via"] == "dashboard" for e in refused)


async def test_forms_without_the_sessions_csrf_token_are_refused(world: World) -> None:
    await world.sign_in()
    alert_id = world.seeded.maria_alert
    for data in ({"action": "ack"}, {"action": "ack", "csrf": "0" * 64}):
        refused = await world.client.post(f"/alerts/{alert_id}/act", data=data)
        assert refused.status_code == 403
    assert (await world.alert(alert_id)).status == "open"
    assert (await world.client.post("/logout", data={})).status_code == 403
    assert (await world.client.get("/")).status_code == 200, "still signed in"
    reasons = [e.detail["reason"] for e in await world.audit("refused", "clinician:c1")]
    assert reasons.count("CSRF token missing or wrong") == 3
    world.client.cookies.clear()
    anonymous = await world.client.post(f"/alerts/{alert_id}/act", data={"action": "ack"})
    assert anonymous.status_code == 403


async def test_sign_out_ends_the_session_on_the_server(world: World) -> None:
    await world.sign_in()
    cookie = world.client.cookies[COOKIE]
    token = await world.csrf()
    out = await world.client.post("/logout", data={"csrf": token})
    assert out.status_code == 303 and out.headers["location"] == "/signin?out=1"
    assert "Max-Age=0" in out.headers["set-cookie"] or 'expires=' in out.headers["set-cookie"].lower()
    assert "You are signed out" in (await world.client.get("/signin?out=1")).text
    assert (await world.client.get("/")).status_code == 303
    world.client.cookies.set(COOKIE, cookie)
    assert (await world.client.get("/alerts")).status_code == 303, "a copied cookie is dead too"
    assert [e.actor for e in await world.audit("dashboard_signed_out")] == ["clinician:c1"]


async def test_a_session_ends_after_twelve_hours(world: World) -> None:
    await world.sign_in()
    world.clock.advance(timedelta(hours=12, seconds=1))
    assert (await world.client.get("/")).status_code == 303


async def test_dashboard_command_in_telegram_sends_a_working_link(world: World) -> None:
    async with world.db.transaction() as session:
        work = world.work(session)
        clinician = await session.get(Clinician, "c1")
        assert clinician is not None
        await clinicians.handle(work, clinician, "/dashboard", None)
    async with world.db.transaction() as session:
        texts = list(await session.scalars(select(Outbox.text).where(Outbox.recipient == "clinician:c1")))
    found = re.search(r"(http://testserver/login/\S+)", texts[-1])
    assert found is not None
    await world.client.post(urlparse(found.group(1)).path)
    assert "Signed in as Dr Ada" in (await world.client.get("/")).text


def test_admin_login_link_prints_the_link_last(settings: Settings, database_url: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from bot.cli import main

    db = Database(database_url)
    clock = SimulatedClock(START)
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])

    async def seed() -> None:
        await seed_dashboard(db, settings, clock, content)
        await db.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COACHBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("COACHBOT_TRIAGE_MODEL", "off")
    monkeypatch.setenv("DASHBOARD_URL", "https://dash.example.org/")
    assert main(["admin", "login-link", "c1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"https://dash\.example\.org/login/[A-Za-z0-9_-]{40,}", last)
    assert main(["admin", "login-link", "nobody"]) == 1


def test_the_web_layer_knows_nothing_of_telegram() -> None:
    import subprocess
    import sys

    code = "import sys, bot.web.app; sys.exit(any(m.split('.')[0] == 'telegram' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
