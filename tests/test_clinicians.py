"""The clinician's side through `coachbot simulate`: own groups only, the pre-session digest,
patient summaries with charts, messages, exercise assignments, and refusals that are audited.

These tests run on the fixture project with `coach_programme.yaml` as its programme (a daily
mood + exercise check-in, a weekly mini questionnaire, session feedback after sessions).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.charts import read_chart_data
from bot.config import Settings
from bot.isotime import format_time, parse_time
from bot.storage.db import Database
from bot.storage.models import Answer, AuditEntry, ExerciseAssignment, Score
from tests.conftest import FIXTURE_PROJECT, Transcript, run_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_PIXELS = (1200, 900)


def coach_project(settings: Settings, tmp_path: Path) -> Settings:
    """The fixture project with the coach programme in place of the shared one."""
    root = tmp_path / "coach-project"
    if not root.exists():
        shutil.copytree(FIXTURE_PROJECT / "dialogues", root / "dialogues")
        shutil.copytree(FIXTURE_PROJECT / "content", root / "content")
        shutil.copy(FIXTURE_PROJECT / "coach_programme.yaml", root / "content" / "programme.yaml")
    return replace(settings, dialogues_dir=root / "dialogues", content_dir=root / "content")


class Timeline:
    """Scenario steps written against absolute times: `at("2026-03-03T08:05:00Z")`."""

    def __init__(self, seed: dict[str, Any]) -> None:
        self.now = parse_time(seed["start"])
        self.steps: list[dict[str, Any]] = [{"seed": seed}]

    def at(self, when: str) -> Timeline:
        moment = parse_time(when)
        seconds = int((moment - self.now).total_seconds())
        assert seconds >= 0, f"{when} is before {format_time(self.now)}"
        if seconds:
            self.steps.append({"advance": f"PT{seconds}S"})
        self.now = moment
        return self

    def press(self, who: str, *labels: str) -> Timeline:
        self.steps.extend({"as": who, "press": label} for label in labels)
        return self

    def say(self, who: str, text: str) -> Timeline:
        self.steps.append({"as": who, "text": text})
        return self

    def checkin(self, who: str, when: str, mood: int, outcome: str = "Done") -> Timeline:
        return self.at(when).press(who, str(mood), outcome)


async def query(database_url: str, statement: Any) -> list[Any]:
    """Rows from the scenario's database, after the run."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            return list(await session.scalars(statement))
    finally:
        await db.dispose()


def photos(t: Transcript, person: str) -> list[dict[str, Any]]:
    return [line for line in t.to(person) if line["kind"] == "photo"]


def assert_valid_png(path: str) -> None:
    from PIL import Image

    file = Path(path)
    assert file.is_file(), path
    assert file.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(file) as image:
        image.verify()
    with Image.open(file) as image:
        assert image.size == CHART_PIXELS


SEED: dict[str, Any] = {
    "start": "2026-03-02T07:00:00Z",
    "clinicians": [{"id": "c1", "name": "Dr Ada"}, {"id": "c2", "name": "Dr Ben"},
                   {"id": "c3", "name": "Dr Cy"}],
    "groups": [
        {"id": "g1", "clinicians": ["c1"], "backup": "c2",
         "sessions": ["2026-03-02T17:00:00Z", "2026-03-09T17:00:00Z"]},
        {"id": "g2", "clinicians": ["c3"]},
    ],
    "patients": [
        {"id": "p1", "name": "Maria", "group": "g1", "timezone": "Europe/Berlin", "checkin_time": "09:00"},
        {"id": "p3", "name": "Lena", "group": "g1", "timezone": "UTC", "checkin_time": "09:00"},
        {"id": "p2", "name": "Tom", "group": "g2", "timezone": "America/New_York", "checkin_time": "08:30"},
    ],
}

MARIA_WEEK = [  # (local day, mood, exercise answer) from Tuesday to Monday
    ("2026-03-03", 7, "Done"), ("2026-03-04", 6, "Done"), ("2026-03-05", 7, "Hard but done"),
    ("2026-03-06", 5, "Skipped"), ("2026-03-07", 6, "Done"), ("2026-03-08", 7, "Skipped"),
    ("2026-03-09", 6, "Done"),
]


def maria_week(seed: dict[str, Any]) -> Timeline:
    """Monday: check-in (mood 8, done) and session feedback; then a week of check-ins.

    Maria (Berlin, 09:00 local = 08:00Z) answers every day; Lena never answers."""
    t = Timeline(seed)
    t.checkin("patient:p1", "2026-03-02T08:05:00Z", 8)
    t.at("2026-03-02T18:05:00Z").press("patient:p1", "8", "9")  # feedback after the session
    for day, mood, outcome in MARIA_WEEK:
        t.checkin("patient:p1", f"{day}T08:05:00Z", mood, outcome)
        if day == "2026-03-03":  # programme day 1: the weekly mini questionnaire follows
            t.press("patient:p1", "Some days", "Not at all")
    return t


@pytest.fixture
def coach_settings(settings: Settings, tmp_path: Path) -> Settings:
    return coach_project(settings, tmp_path)


@pytest.fixture
def coach(coach_settings: Settings, database_url: str) -> Any:
    async def run(steps: list[dict[str, Any]]) -> Transcript:
        t = await run_scenario(coach_settings, steps, database_url)
        assert t.status == 0, t.errors
        return t

    return run


@pytest.fixture
def seed() -> dict[str, Any]:
    import json

    return json.loads(json.dumps(SEED))


# --- seeing only one's own groups --------------------------------------------------------------


async def test_clinician_sees_only_own_groups(coach: Any, seed: dict[str, Any]) -> None:
    t = Timeline(seed)
    t.checkin("patient:p1", "2026-03-02T08:05:00Z", 8)
    t.say("clinician:c1", "/groups").say("clinician:c1", "/patients")
    t.say("clinician:c3", "/groups").say("clinician:c3", "/patients")
    t.say("clinician:c2", "/groups")
    out = await coach(t.steps)
    ada = "\n".join(out.texts("clinician:c1"))
    assert "• g1 · 2 patients · next session Mon 02 Mar 17:00 UTC" in ada
    assert "g2" not in ada and "Tom" not in ada
    assert "• Maria: exercise 1/1 days · check-ins 1/1 · mood 8\n" in ada + "\n"
    assert "Lena: exercise – · check-ins 0/0 · mood – · ❗ no answers" in ada  # her 09:00 is to come
    cy = "\n".join(out.texts("clinician:c3"))
    assert "• g2 · 1 patient · no session planned" in cy
    assert "Tom:" in cy
    assert "Maria" not in cy and "Lena" not in cy and "g1" not in cy
    assert "• g1 (you are the backup)" in "\n".join(out.texts("clinician:c2"))


# --- the pre-session digest ----------------------------------------------------------------------


async def test_digest_before_session_has_the_weeks_figures(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = maria_week(seed).at("2026-03-09T15:01:00Z")
    out = await coach(t.steps)
    digests = [line for line in out.to("clinician:c1")
               if line["at"] == "2026-03-09T15:00:00Z" and line["text"].startswith("📋")]
    assert len(digests) == 1
    text = digests[0]["text"]
    assert "📋 Group g1 — session Mon 09 Mar 17:00 UTC." in text
    assert "Since the last session (Mon 02 Mar 17:00 UTC)" in text
    # Maria: done/hard on 5 of 7 days (2 skipped); mood 44/7 = 6.3, down from 8 the week before;
    # the week before was Monday alone (1 of 1 exercise done).
    assert ("• Maria: exercise 5/7 days ↓ (before 1/1), 2 skipped · check-ins 7/7 · "
            "mood 6.3 ↓ (before 8) · mini 1 (low), session_feedback 8.5 (good)") in text
    # Lena: 7 check-ins offered, none answered; 2 missed days in a row raised a rupture signal.
    assert ("• Lena: exercise 0/7 days → (before 0/1) · check-ins 0/7 · mood – · ⚠ open alerts: 1 rupture · "
            "ruptures 1: withdrawal: no check-in for 2 days in a row · ❗ no answers") in text
    assert "Not answered since the last session: Lena." in text
    assert "Rupture signals since the last session: 1." in text
    chart_lines = [line for line in photos(out, "clinician:c1") if line["at"] == "2026-03-09T15:00:00Z"]
    assert len(chart_lines) == 1
    assert chart_lines[0]["caption"] == "Group g1: the week since the last session"
    assert_valid_png(chart_lines[0]["path"])
    plotted = read_chart_data(Path(chart_lines[0]["path"]))["members"]
    moods = [a.value for a in await query(database_url, select(Answer).where(
        Answer.patient_id == "p1", Answer.key == "mood",
        Answer.at >= parse_time("2026-03-02T17:00:00Z")))]
    assert plotted == [
        {"name": "Lena", "did": 0, "offered": 7, "percent": 0, "mood": None, "previous_mood": None},
        {"name": "Maria", "did": 5, "offered": 7, "percent": 71,
         "mood": round(sum(moods) / len(moods), 1), "previous_mood": 8.0},
    ]
    # nobody else hears about group g1
    assert not [line for line in out.to("clinician:c3") if "Maria" in line["text"] or "g1" in line["text"]]
    assert photos(out, "clinician:c3") == []
    assert not [line for line in out.to("clinician:c2") if line["text"].startswith("📋")]


# --- /patient NAME ---------------------------------------------------------------------------------


async def test_patient_summary_charts_are_valid_and_match_the_records(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = maria_week(seed).at("2026-03-09T16:00:00Z").say("clinician:c1", "/patient maria")
    out = await coach(t.steps)
    after = [line for line in out.to("clinician:c1") if line["at"] == "2026-03-09T16:00:00Z"]
    summary = after[0]["text"]
    assert summary.startswith("Maria — group g1, day 8 of the programme (since 02 Mar), Europe/Berlin")
    assert "Latest scores: mini 1 (low) on 03 Mar; session_feedback 8.5 (good) on 02 Mar" in summary
    charts = {line["caption"]: line["path"] for line in after if line["kind"] == "photo"}
    assert list(charts) == ["Maria: mood over the programme", "Maria: exercise per week",
                            "Maria: Mini check", "Maria: session feedback"]
    for path in charts.values():
        assert_valid_png(path)

    answers = await query(database_url, select(Answer).where(Answer.patient_id == "p1")
                          .order_by(Answer.at, Answer.id))
    mood = read_chart_data(Path(charts["Maria: mood over the programme"]))
    assert mood["values"] == [float(a.value) for a in answers if a.key == "mood"]
    assert mood["dates"][0] == "2026-03-02T09:05"  # Berlin time
    assert len(mood["dates"]) == 8
    assert mood["events"] == [["2026-03-02T18:00", "session"]]  # the group's session so far, her time
    assert mood["low_line"] == 3

    weeks = read_chart_data(Path(charts["Maria: exercise per week"]))["weeks"]
    outcomes = [a.value for a in answers if a.key == "exercise.outcome"]
    assert sum(w["done"] for w in weeks) == outcomes.count("done") == 5
    assert sum(w["hard"] for w in weeks) == outcomes.count("hard") == 1
    assert sum(w["skipped"] for w in weeks) == outcomes.count("skipped") == 2
    assert [(w["week"], w["start"], w["offered"]) for w in weeks] == [(1, "2026-03-02", 7), (2, "2026-03-09", 1)]

    scores = await query(database_url, select(Score).where(Score.patient_id == "p1").order_by(Score.at))
    mini = read_chart_data(Path(charts["Maria: Mini check"]))
    assert mini["values"] == [s.score for s in scores if s.questionnaire == "mini"] == [1.0]
    assert mini["thresholds"] == [[3.0, "concern ≥ 3"]]  # from the questionnaire's content
    assert mini["bands"] == [[0.0, "low"], [3.0, "high"]]
    feedback = read_chart_data(Path(charts["Maria: session feedback"]))
    assert feedback["overall"]["values"] == [s.score for s in scores if s.questionnaire == "session_feedback"]
    assert feedback["items"] == {"heard": [8.0], "overall": [9.0]}  # item ids label the lines
    viewed = await query(database_url, select(AuditEntry).where(AuditEntry.action == "viewed_patient"))
    assert [(v.actor, v.patient_id) for v in viewed] == [("clinician:c1", "p1")]
    assert photos(out, "clinician:c3") == []


async def test_charts_are_written_under_the_data_dir(
    coach: Any, coach_settings: Settings, seed: dict[str, Any],
) -> None:
    t = Timeline(seed).checkin("patient:p1", "2026-03-02T08:05:00Z", 8)
    out = await coach(t.say("clinician:c1", "/patient Maria").steps)
    paths = [Path(line["path"]) for line in photos(out, "clinician:c1")]
    assert paths and all(p.parent == coach_settings.data_dir / "charts" for p in paths)


async def test_patient_without_answers_gets_no_empty_charts(coach: Any, seed: dict[str, Any]) -> None:
    out = await coach(Timeline(seed).say("clinician:c1", "/patient Lena").steps)
    assert photos(out, "clinician:c1") == []
    assert "No charts for Lena yet" in out.texts("clinician:c1")[-1]


# --- refusals ------------------------------------------------------------------------------------


async def test_clinician_aiming_outside_their_groups_is_refused_and_audited(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = Timeline(seed).checkin("patient:p1", "2026-03-02T08:05:00Z", 8)
    for command in ("/patient Maria", "/message Maria hello from another group", "/assign Maria walk",
                    "/message g1 hello everyone", "/patients g1", "/resume Maria"):
        t.say("clinician:c3", command)
    out = await coach(t.steps)
    cy = out.texts("clinician:c3")
    assert len(cy) == 6
    assert all(text.startswith("No group or patient called") for text in cy)
    assert photos(out, "clinician:c3") == []
    assert not [text for text in out.texts("patient:p1") if "hello" in text]
    assert not [x for x in out.texts("patient:p3") if "hello" in x]
    refused = await query(database_url, select(AuditEntry).where(AuditEntry.action == "refused")
                          .order_by(AuditEntry.id))
    assert [(r.actor, r.patient_id, r.detail.get("group")) for r in refused] == [
        ("clinician:c3", "p1", None), ("clinician:c3", "p1", None), ("clinician:c3", "p1", None),
        ("clinician:c3", None, "g1"), ("clinician:c3", None, "g1"), ("clinician:c3", "p1", None),
    ]
    assert await query(database_url, select(ExerciseAssignment)) == []
    assert await query(database_url, select(AuditEntry).where(AuditEntry.action == "viewed_patient")) == []


async def test_unknown_name_gets_the_same_answer_and_no_audit(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    out = await coach(Timeline(seed).say("clinician:c3", "/patient Nobody").steps)
    assert out.texts("clinician:c3")[0].startswith("No group or patient called “Nobody”")
    assert await query(database_url, select(AuditEntry).where(AuditEntry.action == "refused")) == []


PRIVILEGED = ("/patient Tom", "/patients", "/alerts", "/message g1 hello all", "/message Tom hi",
              "/assign g1 walk", "/groups")


async def test_patient_sending_clinician_commands_gets_nothing_privileged(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = Timeline(seed)
    t.say("patient:p2", "I feel so alone and nobody cares")  # something a clinician could see
    for command in PRIVILEGED:
        t.say("patient:p1", command)
    out = await coach(t.steps)
    maria = out.to("patient:p1")
    assert [line for line in maria if line["kind"] == "photo"] == []
    assert not [line for line in maria if "Tom" in line["text"] or "alert" in line["text"].lower()
                or "group" in line["text"].lower()]
    assert not [line for line in out.lines if line["to"] in ("patient:p2", "patient:p3")
                and "hello" in line["text"]]
    assert await query(database_url, select(ExerciseAssignment)) == []
    assert await query(database_url, select(AuditEntry).where(
        AuditEntry.action.in_(["clinician_message", "viewed_patient", "exercises_assigned"]))) == []


async def test_patient_sending_clinician_commands_is_audited(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = Timeline(seed)
    for command in PRIVILEGED:
        t.say("patient:p1", command)
    out = await coach(t.steps)
    refused = await query(database_url, select(AuditEntry).where(AuditEntry.action == "refused")
                          .order_by(AuditEntry.id))
    assert [(r.actor, r.patient_id, r.detail["command"]) for r in refused] == [
        ("patient:p1", "p1", c.split()[0][1:]) for c in PRIVILEGED]
    assert all(text == "That command is for your care team. /help shows what you can do."
               for text in out.texts("patient:p1"))


async def test_refuse_from_patient_audits_and_answers(settings: Settings, database_url: str) -> None:
    from bot import clinicians
    from bot.app import build_service
    from bot.clock import SimulatedClock
    from bot.seed import apply_seed
    from bot.storage.models import Outbox, Patient

    bot = await build_service(settings, database_url, SimulatedClock(parse_time(SEED["start"])))
    try:
        async with bot.db.transaction() as session:
            work = bot._work(session)
            await apply_seed(work, SEED)
            maria = await session.get(Patient, "p1")
            assert maria is not None
            assert clinicians.refuse_from_patient(work, maria, "patient") is True
            assert clinicians.refuse_from_patient(work, maria, "pause") is False  # a patient command
        async with bot.db.transaction() as session:
            audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")))
            outbox = list(await session.scalars(select(Outbox).where(Outbox.recipient == "patient:p1")))
        assert [(a.actor, a.detail["command"]) for a in audit] == [("patient:p1", "patient")]
        assert [o.text for o in outbox] == ["That command is for your care team. /help shows what you can do."]
    finally:
        await bot.close()


# --- /message and /assign ------------------------------------------------------------------------


async def test_message_to_a_group_and_to_one_patient(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = Timeline(seed)  # 07:00Z: 08:00 for Maria in Berlin, still quiet hours for Lena (UTC)
    t.say("clinician:c1", "/message g1 See you all on Monday!\nBring water.")
    t.say("clinician:c1", "/message maria Lovely work this week")
    t.at("2026-03-02T08:00:00Z")
    out = await coach(t.steps)
    assert [(line["at"], line["text"]) for line in out.to("patient:p1")] == [
        ("2026-03-02T07:00:00Z", "💬 From Dr Ada, your care team:\n\nSee you all on Monday!\nBring water."),
        ("2026-03-02T07:00:00Z", "💬 From Dr Ada, your care team:\n\nLovely work this week"),
        ("2026-03-02T08:00:00Z", "Hi Maria! Your mood today, 0 (worst) to 10 (best)?"),
    ]
    assert [(line["at"], line["text"]) for line in out.to("patient:p3")] == [  # after her quiet hours
        ("2026-03-02T08:00:00Z", "💬 From Dr Ada, your care team:\n\nSee you all on Monday!\nBring water.")]
    assert out.to("patient:p2") == []
    assert out.texts("clinician:c1") == [
        "Sent to 2 members of group g1: Lena, Maria. Quiet hours: it reaches Lena at 08:00 their time.",
        "Sent to Maria."]
    sent = await query(database_url, select(AuditEntry).where(AuditEntry.action == "clinician_message"))
    assert sorted(a.patient_id for a in sent) == ["p1", "p1", "p3"]


async def test_message_without_text_or_too_long_is_explained(coach: Any, seed: dict[str, Any]) -> None:
    t = Timeline(seed).say("clinician:c1", "/message Maria").say("clinician:c1", "/message Maria " + "x" * 3600)
    out = await coach(t.steps)
    ada = out.texts("clinician:c1")
    assert ada[0].startswith("Usage: /message GROUP|NAME")
    assert "the limit is 3500" in ada[1]
    assert out.to("patient:p1") == []


async def test_assign_exercises_for_the_coming_week(
    coach: Any, seed: dict[str, Any], database_url: str,
) -> None:
    t = Timeline(seed)
    t.say("clinician:c1", "/assign g1 yoga, walk")
    t.say("clinician:c1", "/assign g1 breathing")
    t.say("clinician:c1", "/assign Maria stretch, walk")
    t.at("2026-03-02T08:05:00Z").press("patient:p1", "7")
    t.at("2026-03-02T09:05:00Z").press("patient:p3", "7")
    out = await coach(t.steps)
    ada = out.texts("clinician:c1")
    assert ada[0] == ("Unknown exercise: yoga. Choose from: breathing (Calm breathing), "
                      "stretch (Gentle stretch), walk (Short walk).")
    assert ada[1].startswith("Done. From the next check-in, everyone in group g1")
    assert ada[2] == ("Done. From the next check-in, Maria gets one exercise a day, in turn: "
                      "stretch (Gentle stretch) → walk (Short walk).")
    assigned = await query(database_url, select(ExerciseAssignment).order_by(ExerciseAssignment.id))
    assert [(a.group_id, a.patient_id, a.exercises, a.created_by) for a in assigned] == [
        ("g1", None, ["breathing"], "c1"), ("g1", "p1", ["stretch", "walk"], "c1")]
    # programme day 0: the first of each list
    assert "Did you do today's exercise (stretch)?" in out.texts("patient:p1")
    assert "Did you do today's exercise (breathing)?" in out.texts("patient:p3")


async def test_help_lists_the_commands(coach: Any, seed: dict[str, Any]) -> None:
    out = await coach(Timeline(seed).say("clinician:c1", "/help").steps)
    text = out.texts("clinician:c1")[0]
    for usage in ("/groups", "/patients [GROUP]", "/patient NAME", "/alerts", "/message GROUP|NAME text",
                  "/assign GROUP|NAME ex1,ex2,...", "/resume NAME"):
        assert usage in text


async def test_quiet_hours_hold_concerns_but_never_a_crisis(coach: Any, seed: dict[str, Any]) -> None:
    steps = [
        {"seed": seed},
        {"as": "clinician:c1", "text": "/quiet 21:00 07:00 Europe/Berlin"},
        {"advance": "PT14H"},  # 21:00Z = 22:00 in Berlin
        {"as": "patient:p1", "text": "my knee pain is getting worse every day"},
        {"as": "patient:p1", "text": "I want to kill myself"},
        {"advance": "PT12H"},
    ]
    out = await coach(steps)
    assert out.texts("clinician:c1")[0].startswith("Quiet hours 21:00–07:00 (Europe/Berlin)")
    concern = [a for a in out.alerts("clinician:c1") if a["severity"] == "concern"]
    crisis = [a for a in out.alerts() if a["severity"] == "crisis" and "not yet acknowledged" not in a["text"]]
    assert [a["at"] for a in concern] == ["2026-03-03T06:00:00Z"], "the concern waits for 07:00 Berlin"
    assert sorted((a["to"], a["at"]) for a in crisis) == [
        ("clinician:c1", "2026-03-02T21:00:00Z"), ("clinician:c2", "2026-03-02T21:00:00Z")]


# --- the digest's order: most at risk first ---------------------------------------------------------


def test_digest_lists_patients_most_at_risk_first() -> None:
    from datetime import UTC, datetime

    from bot.clinicians import PatientWeek, risk_order
    from bot.storage.models import Alert, Patient

    since, until = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)

    def week(name: str, *, alerts: tuple[str, ...] = (), ruptures: int = 0, moods: tuple[float, ...] = (5,),
             answered: int = 3, crisis_open: bool = False) -> PatientWeek:
        patient = Patient(id=name.lower(), name=name, status="active", crisis_open=crisis_open)
        return PatientWeek(patient=patient, since=since, until=until, moods=list(moods), answered=answered,
                           open_alerts=[Alert(severity=s) for s in alerts],
                           ruptures=[Alert(severity="rupture") for _ in range(ruptures)])

    weeks = [week("Anna", moods=(8,)), week("Ben", alerts=("rupture",), ruptures=1),
             week("Cleo", alerts=("concern", "rupture")), week("Dan", moods=(), answered=0),
             week("Eva", alerts=("crisis",)), week("Finn", moods=(2,)), week("Gus", crisis_open=True),
             week("Hal", ruptures=2), week("Ida", alerts=("concern",), moods=(), answered=0)]
    ordered = [w.name for w in sorted(weeks, key=risk_order)]
    assert ordered == ["Eva", "Gus",          # a crisis
                       "Ida", "Cleo",         # a concern (silent first)
                       "Hal", "Ben",          # rupture signals (more first)
                       "Dan",                 # nothing heard from them
                       "Finn", "Anna"]        # the rest, lowest mood first


async def test_digest_order_follows_risk_not_the_alphabet(
    coach: Any, seed: dict[str, Any],
) -> None:
    seed["patients"].append({"id": "p4", "name": "Anna", "group": "g1", "timezone": "UTC", "checkin_time": "09:00"})
    t = Timeline(seed)  # as maria_week, and Anna (UTC) answers every day in a good mood
    t.checkin("patient:p1", "2026-03-02T08:05:00Z", 8).checkin("patient:p4", "2026-03-02T09:05:00Z", 9)
    for day, mood, outcome in MARIA_WEEK:
        t.checkin("patient:p1", f"{day}T08:05:00Z", mood, outcome)
        t.checkin("patient:p4", f"{day}T09:05:00Z", 9)
        if day == "2026-03-03":
            t.press("patient:p4", "Not at all", "Not at all")
    out = await coach(t.at("2026-03-09T15:01:00Z").steps)
    [digest] = [line["text"] for line in out.to("clinician:c1")
                if line["at"] == "2026-03-09T15:00:00Z" and line["text"].startswith("📋")]
    names = [line[2:].split(":")[0] for line in digest.splitlines() if line.startswith("• ")]
    assert names == ["Lena", "Maria", "Anna"]  # Lena: rupture, silent; then lower mood first
    assert "Most at risk first" in digest
