"""The dashboard's charts, on SQLite and PostgreSQL: a mood sparkline per patient on a group's
page, and on a patient's page the charts Telegram sends, as inline SVG with the same bands,
threshold lines and colours (bot.web.svgcharts draws them with bot.charts' decisions)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from bot import charts
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.content.registry import ContentRegistry
from bot.storage.db import Database
from bot.storage.models import Answer
from bot.web import charts as web_charts
from bot.web.app import create_app
from tests.web.seeding import START, seed_dashboard
from tests.web.test_dashboard import BASE, World
from tests.web.test_svgcharts import bottom_up, of

NORA_MOODS = [(-20, 1), (-5, 6), (-3, 4), (-1, 5)]
"""(days before the seeded start, mood) for Nora; the first is older than the sparkline's 14 days."""


@pytest.fixture
async def world(shipped_settings: Settings, database_url: str) -> AsyncIterator[World]:
    """The shipped content: its PHQ-9 (bands, thresholds) and pain diary (a declared measure)."""
    settings = replace(shipped_settings, dashboard_url=BASE)
    db = Database(database_url)
    clock = SimulatedClock(START + timedelta(hours=2))
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    seeded = await seed_dashboard(db, settings, clock, content, answers=3)
    async with db.transaction() as session:
        for days, mood in NORA_MOODS:
            session.add(Answer(patient_id="p4", dialogue="daily_checkin", key="mood", value=mood,
                               at=START + timedelta(days=days)))
        session.add(Answer(patient_id="p4", dialogue="daily_checkin", key="exercise.outcome", value="hard",
                           at=START - timedelta(days=3)))
        for days, pain in ((-2, 3), (-1, 8)):
            session.add(Answer(patient_id="p1", dialogue="pain_diary", key="pain", value=pain,
                               at=START + timedelta(days=days)))
    app = create_app(settings, db=db, clock=clock, content=content)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield World(db, settings, clock, content, client, seeded)
    await db.dispose()


def cards(page: str) -> dict[str, str]:
    """Each patient card's HTML by the patient's name."""
    return {re.search(r">([^<]+)</a></h2>", card).group(1): card  # type: ignore[union-attr]
            for card in re.findall(r"<li class=\"[^\"]*\">.*?</li>", page, re.S)}


def no_outside_address(page: str) -> None:
    assert not re.search(r"(?:https?:)?//[\w.-]+\.\w", page), "no external URL"
    assert "<script" not in page


async def test_group_page_has_a_mood_sparkline_per_patient(world: World) -> None:
    await world.sign_in()
    page = (await world.client.get("/groups/g1")).text
    found = cards(page)
    assert set(found) == {"Maria", "Lena", "Nora"}
    for card in found.values():
        assert card.count('<svg class="spark"') == 1 and 'role="img"' in card
    nora = found["Nora"]
    assert nora.count("<circle") == 4, "three days in the last 14 and today; not the one 20 days ago"
    assert "Mood over 14 days: 6, 4, 5, 8; latest 8 of 10; exercise done on 1 of 14 days" in nora
    assert nora.count('class="exercise"') == 1
    assert f'stroke="{charts.COLOR_THRESHOLD}"' in nora, "the low-mood line"
    assert found["Maria"].count("<circle") == 1 and "latest 2 of 10" in found["Maria"]
    assert found["Lena"].count("<circle") == 0 and "Mood over 14 days: no answers" in found["Lena"]
    no_outside_address(page)


def svgs(page: str) -> list[str]:
    return re.findall(r'<figure class="chart">(<svg .*?</svg>)</figure>', page, re.S)


async def test_patient_page_draws_the_telegram_charts_as_inline_svg(world: World) -> None:
    await world.sign_in()
    page = (await world.client.get("/patients/p1")).text
    drawn = svgs(page)
    titles = [re.search(r'aria-label="([^"]*)"', svg).group(1) for svg in drawn]  # type: ignore[union-attr]
    assert titles == ["Maria: mood over the programme", "Maria: exercise per week", "Maria: PHQ-9",
                      "Maria: pain"], titles
    mood, _, phq9, pain = drawn
    root = mood[:mood.index(">")]
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', root) and 'width="100%"' in root and "height=" not in root
    assert "<title>Maria: mood over the programme</title>" in mood and "<?xml" not in page
    assert f"Low mood (≤ {charts.LOW_MOOD})" in mood and charts.COLOR_THRESHOLD in mood
    bands = bottom_up(of(ET.fromstring(phq9), "band"))
    assert [b.get("data-band") for b in bands] == ["minimal", "mild", "moderate", "moderately severe", "severe"]
    assert [b.get("fill") for b in bands] == list(charts.BAND_SCALE), "the PHQ-9 bands, green to red"
    assert charts.THRESHOLD_STYLES[0][0] in phq9
    assert "moderate (≥ 4)" in pain and "severe (≥ 7)" in pain
    assert charts.THRESHOLD_STYLES[0][0] in pain and charts.THRESHOLD_STYLES[1][0] in pain
    zones = bottom_up(of(ET.fromstring(pain), "zone"))
    assert [z.get("fill") for z in zones] == [charts.BAND_BEST, charts.BAND_SCALE[2], charts.BAND_WORST]
    assert [p.get("data-value") for p in of(ET.fromstring(pain), "point")] == ["3", "8"]
    ids = re.findall(r'\sid="([^"]*)"', page)
    assert len(ids) == len(set(ids)), "ids unique on the page"
    no_outside_address(page)
    again = (await world.client.get("/patients/p1")).text
    assert svgs(again) == drawn, "the same records, the same charts"
    older = (await world.client.get("/patients/p1?page=2")).text
    assert "<svg" not in older, "the charts are on the first page of the timeline only"


def test_sparkline_places_points_by_day_on_the_mood_scale() -> None:
    first = START.date()
    spark = web_charts.Spark(first, 14, [(first, 0.0), (first + timedelta(days=13), 10.0)], [])
    svg = web_charts.sparkline(spark)
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    (x0, y0), (x1, y1) = [(float(x), float(y)) for x, y in circles]
    assert x0 == web_charts.SPARK_PAD and x1 == web_charts.SPARK_WIDTH - web_charts.SPARK_PAD
    assert y0 > y1, "a low mood lower down"
    assert "Mood over 14 days: 0, 10; latest 10 of 10" in svg
