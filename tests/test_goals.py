"""Goals (issue 20, item 5): one to three goals in the patient's own words, asked for at the end
of onboarding and with /goals, reviewed every week (0-10 and an optional note), and shown with
their trend to the clinician (/patient; the dashboard shows the same summary).

Played through `coachbot simulate` on the shipped content, in English and German."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from tests.conftest import Transcript, run_scenario
from tests.test_cohort import Script, at_local
from tests.test_message_budget import checkin_presses, exercise_presses, text

START = "2026-03-02T07:00:00Z"  # Monday, programme day 0
FIRST = date(2026, 3, 2)


def seed(locale: str = "en", goals: list[str] | None = None) -> dict[str, Any]:
    patient: dict[str, Any] = {"id": "p1", "name": "Maria", "group": "g1", "timezone": "Europe/Berlin",
                               "checkin_time": "09:00", "locale": locale}
    if goals:
        patient["goals"] = goals
    return {"start": START, "clinicians": [{"id": "c1", "name": "Dr Ada"}],
            "groups": [{"id": "g1", "clinicians": ["c1"]}], "patients": [patient]}


def review_presses(locale: str, ratings: list[int], notes: list[str | None]) -> list[dict[str, str]]:
    """The weekly review: each goal's rating, then its note (typed) or "Nothing to add"."""
    steps: list[dict[str, str]] = []
    for rating, note in zip(ratings, notes, strict=True):
        steps.append({"press": str(rating)})
        steps.append({"text": note} if note else {"press": text(locale, "goal_review.no_note")})
    return steps


def day_steps(n: int, locale: str, ratings: list[int] | None = None,
              notes: list[str | None] | None = None) -> list[dict[str, str]]:
    """Maria's answers on programme day `n`: check-in, exercise, the questionnaires due, and
    with `ratings` the goal review (each goal's rating, then its note or "Nothing to add")."""
    presses = [*checkin_presses(n, locale), *exercise_presses(n, locale)]
    if n % 7 == 6:  # the weekly WHO-5
        presses += [text(locale, "questionnaire.start"), *[_who5(locale)] * 5]
    if n % 14 == 13:
        presses += [text(locale, "questionnaire.start"), *[_phq(locale)] * 9,
                    text(locale, "questionnaire.start"), *[_phq(locale, "gad7")] * 7]
    steps = [{"as": "patient:p1", "press": label} for label in presses]
    for step in review_presses(locale, ratings or [], notes or [None] * len(ratings or [])):
        steps.append({"as": "patient:p1", **step})
    return steps


def weeks_script(days: int, locale: str, ratings: dict[int, list[int]],
                 notes: dict[int, list[str | None]] | None = None) -> list[dict[str, Any]]:
    """Maria answers every check-in and exercise, and on the days in `ratings` the goal review,
    five minutes after her 09:00 check-in; the clock ends at midnight (UTC) after `days` days."""
    s = Script()
    for n in range(days):
        when = at_local("p1", FIRST + timedelta(days=n), "09:00", minutes=5)
        for step in day_steps(n, locale, ratings.get(n), (notes or {}).get(n)):
            s._add(when, step)
    end = (FIRST + timedelta(days=days)).isoformat() + "T00:00:00Z"
    return s.steps(START, end)[1:]


def _who5(locale: str) -> str:
    from tests.test_message_budget import option

    return option("who5", 4, locale)


def _phq(locale: str, questionnaire: str = "phq9") -> str:
    from tests.test_message_budget import option

    return option(questionnaire, 0, locale)


async def run(settings: Settings, url: str, steps: list[dict[str, Any]]) -> Transcript:
    t = await run_scenario(settings, steps, url)
    assert t.status == 0, t.errors
    return t


async def test_goals_are_set_with_the_goals_command_and_kept(shipped_settings: Settings, database_url: str) -> None:
    t = await run(shipped_settings, database_url, [
        {"seed": seed()},
        {"as": "patient:p1", "text": "/goals"},
        {"as": "patient:p1", "text": "walk to the bakery without stopping"},
        {"as": "patient:p1", "text": "sleep through the night"},
        {"as": "patient:p1", "press": "That's all"},
        {"as": "patient:p1", "text": "/goals"},
        {"as": "patient:p1", "press": "Keep them"},
    ])
    assert t.errors == ""
    texts = t.texts("patient:p1")
    assert texts[0] == ("What would you like this programme to help you with, Maria? Choose one to three goals, "
                        "in your own words.")
    assert "In a physiotherapy group: " not in texts[1] and "physiotherapy group" in texts[1] \
        and "psychotherapy group" in texts[1]
    assert "Noted: “walk to the bakery without stopping”. Is there a second goal?" in texts[3]
    assert "Thank you, Maria. Your goals:\n1. walk to the bakery without stopping\n2. sleep through the night" in texts
    assert texts[-2] == ("Your goals at the moment:\n1. walk to the bakery without stopping\n"
                         "2. sleep through the night\nWould you like to change them?")
    assert texts[-1].startswith("Good, we'll keep them.")
    # the clinician sees them, not yet rated
    t2 = await run(shipped_settings, database_url, [{"as": "clinician:c1", "text": "/patient Maria"}])
    summary = t2.texts("clinician:c1")[0]
    assert "Goals (weekly ratings, 0-10):\n• “walk to the bakery without stopping”: not rated yet\n" \
           "• “sleep through the night”: not rated yet" in summary


async def test_new_goals_replace_the_old_and_not_now_changes_nothing(
        shipped_settings: Settings, database_url: str) -> None:
    t = await run(shipped_settings, database_url, [
        {"seed": seed(goals=["walk to the bakery"])},
        {"as": "patient:p1", "text": "/goals"},
        {"as": "patient:p1", "press": "Set new goals"},
        {"as": "patient:p1", "text": "lift my grandson"},
        {"as": "patient:p1", "text": "no"},  # a typed no: that's all
        {"as": "patient:p1", "text": "/goals"},
        {"as": "patient:p1", "press": "Set new goals"},
        {"as": "patient:p1", "press": "Not now"},
        {"as": "patient:p1", "text": "/goals"},
    ])
    texts = t.texts("patient:p1")
    assert "Thank you, Maria. Your goal: “lift my grandson”." in texts
    assert "That's fine. You can set your goals any time with /goals." in texts
    assert texts[-1].startswith("Your goals at the moment:\n1. lift my grandson\nWould")
    export = await run(shipped_settings, database_url, [{"as": "patient:p1", "text": "/mydata"}])
    mydata = export.texts("patient:p1")[0]
    assert "Your goals (2):" in mydata and "walk to the bakery (2026-03-02)" in mydata


async def test_the_weekly_review_rates_each_goal_and_the_clinician_sees_the_trend(
        shipped_settings: Settings, database_url: str) -> None:
    goals = ["walk to the bakery without stopping", "sleep through the night"]
    t = await run(shipped_settings, database_url, [
        {"seed": seed(goals=goals)},
        *weeks_script(22, "en", {7: [3, 5], 14: [5, 5], 21: [7, 4]},
                      {7: ["knee still sore", None], 14: [None, None], 21: ["made it twice!", None]}),
        {"as": "clinician:c1", "text": "/patient Maria"},
    ])
    assert t.errors == ""
    maria = t.to("patient:p1")
    asks = [line for line in maria if line["text"].startswith("How did this week go for your goal")]
    assert [line["at"][:10] for line in asks] == ["2026-03-09", "2026-03-16", "2026-03-23"]
    assert asks[0]["text"] == ("How did this week go for your goal “walk to the bakery without stopping”? "
                               "0 = no progress at all, 10 = fully there.")
    assert [b for row in asks[0]["buttons"] for b in row] == [*map(str, range(11)), "Skip this week"]
    intro = maria[maria.index(asks[0]) - 1]
    assert intro["text"] == "Hi Maria, it's time for our weekly look at your goals."
    assert any(line["text"].startswith("And your goal “sleep through the night”?") for line in maria)
    assert len([x for x in maria if x["text"].startswith("Thank you, Maria. Small steps count.")]) == 3
    # not asked in the first week, nor more than once a week
    assert not any(line["text"].startswith("Hi Maria, it's time for our weekly look") and line["at"] < "2026-03-09"
                   for line in maria)
    summary = next(x for x in t.texts("clinician:c1") if x.startswith("Maria — group g1"))
    assert "• “walk to the bakery without stopping”: 3 → 5 → 7 of 10 (rising); last note: “made it twice!”" \
        in summary
    assert "• “sleep through the night”: 5 → 5 → 4 of 10 (falling)" in summary


async def test_skip_this_week(shipped_settings: Settings, database_url: str) -> None:
    t = await run(shipped_settings, database_url, [
        {"seed": seed(goals=["walk to the bakery"])},
        *weeks_script(8, "en", {}),
        {"as": "patient:p1", "press": "Skip this week"},
    ])
    assert t.texts("patient:p1")[-2:] == ["That's fine, Maria. We'll look at your goals again next week.",
                                          "That's all for today, Maria. See you tomorrow!"]


async def test_no_review_without_goals(shipped_settings: Settings, database_url: str) -> None:
    t = await run(shipped_settings, database_url, [{"seed": seed()}, *weeks_script(15, "en", {})])
    assert t.errors == ""
    assert not any("your goals" in x for x in t.texts("patient:p1"))


async def test_in_german(shipped_settings: Settings, database_url: str) -> None:
    t = await run(shipped_settings, database_url, [
        {"seed": seed("de")},
        {"as": "patient:p1", "text": "/goals"},
        {"as": "patient:p1", "text": "ohne Pause zum Bäcker gehen"},
        {"as": "patient:p1", "press": "Das war's"},
        *weeks_script(8, "de", {7: [6]}, {7: ["das Knie hält"]}),
    ])
    assert t.errors == ""
    texts = t.texts("patient:p1")
    assert texts[0].startswith("Wobei soll Ihnen dieses Programm helfen, Maria?")
    assert "Danke, Maria. Ihr Ziel: „ohne Pause zum Bäcker gehen“." in texts
    assert "Hallo Maria, Zeit für unseren wöchentlichen Blick auf Ihre Ziele." in texts
    assert any(x.startswith("Wie lief diese Woche für Ihr Ziel „ohne Pause zum Bäcker gehen“?") for x in texts)
    assert texts[-2].startswith("Danke, Maria. Kleine Schritte zählen.")
    assert texts[-1] == "Das war alles für heute, Maria. Bis morgen!"


def test_goals_are_in_the_command_menu(shipped_settings: Settings) -> None:
    from bot.content.bundle import build_bundle, collect_files
    from bot.programme import command_descriptions

    bundle = build_bundle(collect_files([shipped_settings.dialogues_dir, shipped_settings.content_dir],
                                        relative_to=Path(shipped_settings.content_dir).parent))
    assert command_descriptions(bundle, "en")["goals"] == "Your goals: see or change them"
    assert command_descriptions(bundle, "de")["goals"] == "Ihre Ziele ansehen oder ändern"


async def test_onboarding_ends_with_goals_in_the_language_chosen(
        shipped_settings: Settings, database_url: str, tmp_path: Path) -> None:
    from tests.test_cohort import invite_code

    seeded = await run_scenario(shipped_settings, [{"seed": {**seed(), "patients": []}}], database_url)
    assert seeded.status == 0, seeded.errors
    code = await invite_code(shipped_settings, database_url, tmp_path)
    new = "patient:p7"
    t = await run(shipped_settings, database_url, [
        {"seed": {"start": START}},
        {"as": new, "text": f"/start {code}"}, {"as": new, "press": "Yes, let's start"},
        {"as": new, "text": "Jonas"}, {"as": new, "press": "Central Europe (Berlin, Paris)"},
        {"as": new, "press": "09:00"}, {"as": new, "press": "Deutsch"},
        {"as": new, "text": "wieder Treppen steigen ohne Schmerzen"}, {"as": new, "text": "nein"},
    ])
    assert t.errors == ""
    texts = t.texts(new)
    chosen = texts.index(next(x for x in texts if x.startswith("All set, Jonas!")))
    assert texts[chosen + 2:chosen + 5] == [
        "Wobei soll Ihnen dieses Programm helfen, Jonas? Wählen Sie ein bis drei Ziele, in Ihren eigenen Worten.",
        texts[chosen + 3], "Was ist Ihr erstes Ziel? Schreiben Sie es einfach."]
    assert texts[chosen + 3].startswith("Zum Beispiel in einer Physiotherapie-Gruppe:")
    assert texts[-2:] == ["Danke, Jonas. Ihr Ziel: „wieder Treppen steigen ohne Schmerzen“.",
                          "Einmal pro Woche frage ich, wie es mit jedem läuft. /goals zeigt oder ändert sie jederzeit."]


async def test_the_dashboard_shows_the_goals_and_their_trend(shipped_settings: Settings, database_url: str) -> None:
    """The web dashboard's patient page, on the records the simulated weeks left."""
    from dataclasses import replace

    import httpx

    from bot.clock import SimulatedClock
    from bot.content.registry import ContentRegistry
    from bot.isotime import parse_time
    from bot.storage.db import Database
    from bot.web.app import create_app
    from tests.web.test_dashboard import BASE, World

    await run(shipped_settings, database_url, [
        {"seed": seed(goals=["walk to the bakery", "worry less in the evenings"])},
        *weeks_script(15, "en", {7: [3, 5], 14: [6, 5]}, {7: [None, None], 14: ["it's getting better", None]}),
    ])
    settings = replace(shipped_settings, dashboard_url=BASE)
    db = Database(database_url)
    clock = SimulatedClock(parse_time("2026-03-17T09:00:00Z"))
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    app = create_app(settings, db=db, clock=clock, content=content)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            world = World(db, settings, clock, content, client, None)  # type: ignore[arg-type]
            await world.sign_in("c1")
            page = await client.get("/patients/p1")
    finally:
        await db.dispose()
    assert page.status_code == 200
    assert ("<h2>Goals (weekly ratings, 0-10)</h2><ul>"
            "<li>“walk to the bakery”: 3 → 6 of 10 (rising); last note: “it&#x27;s getting better”</li>"
            "<li>“worry less in the evenings”: 5 → 5 of 10 (steady)</li></ul>") in page.text


async def test_the_migration_adds_the_goal_tables_and_can_be_undone(database_url: str) -> None:
    """Migration 0009: the goals and goal_ratings tables, undone to 0008 and done again."""
    from alembic import command
    from sqlalchemy import inspect

    from bot.storage.db import Database, alembic_config

    db = Database(database_url)

    def migrate(revision: str, down: bool = False) -> Any:
        def do(connection: Any) -> None:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
        return do

    def tables(connection: Any) -> set[str]:
        return set(inspect(connection).get_table_names())

    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(migrate("head"))
            assert {"goals", "goal_ratings"} <= await connection.run_sync(tables)
            await connection.run_sync(migrate("0008", down=True))
            assert not {"goals", "goal_ratings"} & await connection.run_sync(tables)
            await connection.run_sync(migrate("head"))
            assert {"goals", "goal_ratings"} <= await connection.run_sync(tables)
    finally:
        await db.dispose()
