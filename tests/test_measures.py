"""Author-declared measures (issue 19, item 7): a pain diary's 0–10 in /patient, the digest and a chart.

Reported: "a pain diary an author wrote (0–10 each day) appears in no chart, no digest and no
/patient, and is counted as a second check-in". The scenario below is the shipped content with
the shipped `dialogues/pain_diary.yaml` added to `daily:` right after the check-in, as a
physiotherapy programme would: Maria (English) and Lena (German) answer every prompt for the
week before their group's first session; Lena's pain is severe on four days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import PROJECT_ROOT, charts, measures
from bot.config import Settings
from bot.content.bundle import build_bundle, collect_files
from bot.content.validate import validate_bundle
from tests.conftest import Transcript, run_scenario
from tests.test_charts import assert_phone_png, bands_drawn, day, drawn, legend_texts
from tests.test_cohort import Script, at_local, with_pain_diary
from tests.test_message_budget import checkin_presses, exercise_presses, questionnaire_presses, text

PAIN = next(m for m in measures.declared(build_bundle(collect_files([PROJECT_ROOT / "dialogues"])))
            if m.dialogue == "pain_diary")


# --- the declaration ---------------------------------------------------------------------------------


def test_the_shipped_pain_diary_declares_pain_on_0_to_10_lower_is_better() -> None:
    assert (PAIN.key, PAIN.name, PAIN.low, PAIN.high, PAIN.higher_is_better) == ("pain", "Pain", 0, 10, False)
    assert [(t.at, t.name) for t in PAIN.thresholds] == [(4, "moderate"), (7, "severe")]
    assert [PAIN.crossed(v) for v in (3, 4, 6.5, 7, 10)] == [None, *PAIN.thresholds[:1] * 2, *PAIN.thresholds[1:] * 2]
    assert PAIN.threshold_text(PAIN.thresholds[1]) == "severe (≥ 7)"


def test_higher_is_better_reads_thresholds_downwards() -> None:
    sleep = measures.parse("sleep_log", "sleep", {"name": "Sleep quality", "scale": [1, 5], "better": "higher",
                                                  "thresholds": [{"at": 1, "name": "very poor"},
                                                                 {"at": 2, "name": "poor"}]})
    assert sleep is not None
    assert [t.name for t in sleep.thresholds] == ["poor", "very poor"]  # mildest first
    assert [sleep.crossed(v) for v in (3, 2, 1)] == [None, sleep.thresholds[0], sleep.thresholds[1]]
    assert sleep.threshold_text(sleep.thresholds[1]) == "very poor (≤ 1)"
    assert sleep.in_text == "sleep quality"


def test_a_weeks_figures_skip_words_and_values_off_the_scale() -> None:
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    week = measures.week_of(PAIN, [(monday, 8, True), (monday, "7", True), (tuesday, "quite bad", True),
                                   (tuesday, 11, True), (tuesday, 5, True), (monday, 2, False)])
    assert (week.values, week.previous) == ([8, 7, 5], [2])
    assert (week.mean, week.previous_mean, week.trend) == (6.7, 2, "↑")
    assert (week.crossed_days, week.worst) == (1, PAIN.thresholds[1])  # both severe answers on Monday
    assert week.text() == "pain 6.7/10 ↑ (before 2), ⚑ severe (≥ 7) on 1 day"


def test_an_unusable_declaration_is_skipped_not_a_crash() -> None:
    for spec in (None, {}, {"scale": [10, 0], "better": "lower"}, {"scale": [0, 10], "better": "down"},
                 {"scale": "0-10", "better": "lower"}, {"scale": [0, True], "better": "lower"}):
        assert measures.parse("d", "pain", spec) is None
    odd = measures.parse("d", "pain", {"scale": [0, 10], "better": "lower", "thresholds": [{"at": 12}, "x", {}]})
    assert odd is not None and odd.thresholds == () and odd.name == "pain"


# --- coachbot validate: what the fixture table (tests/content/test_validate.py) does not cover ----------

DIALOGUE = """\
dialogue: diary
measures:
  pain: {name: Pain, scale: SCALE, better: lower, thresholds: THRESHOLDS}
start: ask
states:
  ask:
    say: {en: "Pain, 0-10?"}
    buttons:
      - {label: {en: "low"}, goto: thanks, do: [{record: {pain: 2}}]}
      - {label: {en: "high"}, goto: thanks, do: [{record: {pain: HIGH}}]}
    text: {goto: thanks, do: [{record: {pain: "{text}"}}]}
  thanks: {say: {en: "Noted."}, end: true}
"""


def problems(scale: str = "[0, 10]", thresholds: str = "[{at: 7, name: severe}]", high: str = "9") -> list[str]:
    text = DIALOGUE.replace("SCALE", scale).replace("THRESHOLDS", thresholds).replace("HIGH", high)
    return [f"{p.line}: {p.message}" for p in validate_bundle(build_bundle({"dialogues/diary.yaml": text}))]


def test_a_clean_declaration_validates_clean() -> None:
    assert problems() == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"scale": "[0, 5, 10]"}, "3: measure 'pain': scale has 3 number(s), not two"),
    ({"scale": "10"}, "3: measures, pain, scale should be two numbers, the lowest and the highest"),
    ({"thresholds": "[{at: 0, name: any}]"},
     "3: measure 'pain': threshold 1 is at 0, the good end of the scale (better: lower), so every answer reaches it"),
    ({"thresholds": "[{at: 7, name: severe}, {at: 7, name: bad}]"},
     "3: measure 'pain': threshold 2 is at 7, like threshold 1"),
    ({"thresholds": "[" + ", ".join(f"{{at: {n}, name: l{n}}}" for n in range(1, 6)) + "]"},
     "3: measure 'pain': 5 thresholds, more than a chart can tell apart (4)"),
    ({"high": "12"}, "10: measure 'pain': the dialogue records 12 for 'pain', outside its scale 0–10"),
])
def test_each_mistake_in_a_declaration_is_one_problem(change: dict[str, str], expected: str) -> None:
    found = problems(**change)
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_the_shipped_content_declares_one_measure_and_validates_clean() -> None:
    bundle = build_bundle(collect_files([PROJECT_ROOT / "dialogues", PROJECT_ROOT / "content"]))
    assert [(m.dialogue, m.key) for m in measures.declared(bundle)] == [("pain_diary", "pain")]
    assert [p.format() for p in validate_bundle(bundle) if p.dialogue == "pain_diary"] == []


# --- the chart ---------------------------------------------------------------------------------------


def pain_chart(points: list[tuple[datetime, float]], path: Path) -> charts.Chart:
    return charts.measure_chart(points, "Lena: pain", path, low=PAIN.low, high=PAIN.high,
                                higher_is_better=PAIN.higher_is_better, ylabel=PAIN.name,
                                thresholds=[(t.at, t.name) for t in PAIN.thresholds])


def test_the_pain_chart_is_green_at_no_pain_red_at_severe_with_a_line_per_threshold(tmp_path: Path) -> None:
    points = [(day(2), 5.0), (day(3), 8.0), (day(4, 9), 0.0), (day(4, 18), 10.0)]
    chart = pain_chart(points, tmp_path / "pain.png")
    assert_phone_png(chart.path)
    assert charts.read_chart_data(chart.path) == chart.data
    (ax,) = drawn(chart).axes
    shaded = bands_drawn(ax)
    assert [colour for _, _, colour in shaded] == [charts.BAND_BEST, charts.BAND_SCALE[2], charts.BAND_WORST]
    assert [(low, high) for low, high, _ in shaded][1] == (4.0, 7.0)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["severe (≥ 7)"].get_ydata()) == [7, 7]
    assert lines["severe (≥ 7)"].get_color() == charts.THRESHOLD_STYLES[0][0]  # the most severe is red
    assert lines["moderate (≥ 4)"].get_color() != lines["severe (≥ 7)"].get_color()
    assert list(lines["Pain"].get_ydata()) == [5.0, 8.0, 0.0, 10.0]
    assert legend_texts(ax) == ["severe (≥ 7)", "moderate (≥ 4)", "Pain"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["02 Mar", "03 Mar", "04 Mar"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "2", "4", "6", "8", "10"]
    assert ax.get_ylabel() == "Pain (0–10, lower is better)"
    assert ax.get_ylim()[0] < 0 < 10 < ax.get_ylim()[1]  # 0 and 10 are drawn whole
    assert chart.data["thresholds"] == [[7.0, "severe"], [4.0, "moderate"]]
    assert chart.data["zones"] == [[0, 4.0, charts.BAND_BEST], [4.0, 7.0, charts.BAND_SCALE[2]],
                                   [7.0, 10, charts.BAND_WORST]]


def test_the_pain_chart_reads_on_a_phone(tmp_path: Path) -> None:
    from matplotlib.text import Text

    figure = drawn(pain_chart([(day(2), 5.0), (day(3), 8.0)], tmp_path / "pain.png"))
    width_px = figure.get_figwidth() * figure.dpi
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text().strip() and t.get_visible()]
    assert min(sizes) * figure.dpi / 72 * charts.PHONE_WIDTH_PX / width_px >= 9


def test_higher_is_better_turns_the_colours_round(tmp_path: Path) -> None:
    chart = charts.measure_chart([(day(2), 4.0)], "sleep", tmp_path / "s.png", low=1, high=5, higher_is_better=True,
                                 thresholds=[(2, "poor")], ylabel="Sleep quality")
    (ax,) = drawn(chart).axes
    assert [colour for _, _, colour in bands_drawn(ax)] == [charts.BAND_WORST, charts.BAND_BEST]
    assert "poor (≤ 2)" in legend_texts(ax)
    empty = charts.measure_chart([], "none", tmp_path / "n.png", low=0, high=10, higher_is_better=False)
    assert_phone_png(empty.path)
    assert empty.data["values"] == []


# --- the scenario: a week of the pain diary, then the digest and /patient ------------------------------

START = "2026-03-02T07:00:00Z"  # Monday, programme day 0
SESSION = "2026-03-09T17:00:00Z"  # the group's first session, the Monday after
ZONE = "Europe/Berlin"
PATIENTS = {"p1": ("Maria", "en"), "p2": ("Lena", "de")}
PAINS = {"p1": [2, 3, 3, 4, 3, 2, 3, 3], "p2": [4, 5, 6, 7, 8, 7, 6, 8]}
"""Days 0–7 (the digest's week is days 1–7, day 0 the week before it): Maria mild, moderate
once; Lena severe (≥ 7) on four days."""


def scenario() -> list[dict[str, Any]]:
    s = Script()
    first = date(2026, 3, 2)
    for patient, (_, locale) in PATIENTS.items():
        for n, pain in enumerate(PAINS[patient]):
            presses = [*checkin_presses(n, locale), str(pain), *exercise_presses(n, locale)]
            if n == 6:
                presses += questionnaire_presses("who5", 5, 4, locale)
            s.press(at_local("p1", first + timedelta(days=n), "09:00", minutes=5), f"patient:{patient}", *presses)
    s.say("2026-03-09T14:00:00Z", "clinician:c1", "/patient Lena")
    s.say("2026-03-09T14:01:00Z", "clinician:c1", "/patient Maria")
    seed = {"start": START, "clinicians": [{"id": "c1", "name": "Dr Ada"}],
            "groups": [{"id": "g1", "clinicians": ["c1"], "sessions": [SESSION]}],
            "patients": [{"id": p, "name": name, "group": "g1", "timezone": ZONE, "checkin_time": "09:00",
                          "locale": locale} for p, (name, locale) in PATIENTS.items()]}
    return [{"seed": seed}, *s.steps(START, "2026-03-09T18:00:00Z")[1:]]


_RUNS: dict[str, Transcript] = {}


@pytest.fixture
async def week(shipped_settings: Settings, database_url: str, tmp_path: Path) -> Transcript:
    backend = database_url.split(":", 1)[0]
    if backend not in _RUNS:
        t = await run_scenario(with_pain_diary(shipped_settings, tmp_path), scenario(), database_url)
        assert (t.status, t.errors) == (0, "")  # every press found its button
        _RUNS[backend] = t
    return _RUNS[backend]


async def test_each_patient_is_asked_in_their_language_and_answered_kindly(week: Transcript) -> None:
    for patient, (name, locale) in PATIENTS.items():
        texts = week.texts(f"patient:{patient}")
        asked = [x for x in texts if x.startswith(text(locale, "pain.ask").split("{")[0])]
        assert len(asked) == 8, patient
        severe = text(locale, "pain.severe").replace("{name}", name)
        assert texts.count(severe) == sum(1 for p in PAINS[patient] if p >= 7), patient
    assert any(x.startswith("Schmerztagebuch, Lena: Wie stark sind Ihre Schmerzen gerade?")
               for x in week.texts("patient:p2"))
    assert not any(x.startswith("Pain diary") for x in week.texts("patient:p2"))


async def test_the_digest_shows_pain_flags_the_severe_days_and_counts_no_second_checkin(week: Transcript) -> None:
    [digest] = [x["text"] for x in week.to("clinician:c1") if x["text"].startswith("📋 Group g1")]
    lines = digest.splitlines()
    assert "each measure's mean (⚑ past a threshold)" in lines[1]
    lena = next(x for x in lines if x.startswith("• Lena: "))
    maria = next(x for x in lines if x.startswith("• Maria: "))
    assert "check-ins 7/7" in lena and "check-ins 7/7" in maria  # the diary is not a second check-in
    assert "pain 6.7/10 ↑ (before 4), ⚑ severe (≥ 7) on 4 days" in lena
    assert "pain 3/10 ↑ (before 2), ⚑ moderate (≥ 4) on 1 day" in maria
    assert lines.index(lena) < lines.index(maria)  # both past a threshold, same mood: by name
    assert ("⚑ Past a threshold since the last session: Lena: pain severe (≥ 7) on 4 days; "
            "Maria: pain moderate (≥ 4) on 1 day.") in lines
    # Flagged, not alerted: the diary raised no alert for the clinician.
    assert week.alerts("clinician:c1") == []


async def test_patient_shows_the_pain_line_and_a_pain_chart(week: Transcript) -> None:
    asked = [x for x in week.to("clinician:c1") if x["at"] == "2026-03-09T14:00:00Z"]
    summary = "\n".join(x["text"] for x in asked if x["kind"] != "photo")
    assert ("Pain (0–10, lower is better; from pain_diary): mean 6.7 from 7 answers, from 5 to 8; "
            "↑ from 4 the 7 days before; ⚑ severe (≥ 7) on 4 days") in summary
    assert "check-ins 7/7" in summary
    photos = {x["caption"]: x["path"] for x in asked if x["kind"] == "photo"}
    assert "Lena: pain" in photos
    data = charts.read_chart_data(Path(photos["Lena: pain"]))
    assert data["values"] == [float(v) for v in PAINS["p2"]]
    assert data["scale"] == [0.0, 10.0] and data["higher_is_better"] is False
    maria = "\n".join(x["text"] for x in week.to("clinician:c1")
                      if x["at"] == "2026-03-09T14:01:00Z" and x["kind"] != "photo")
    assert "Pain (0–10, lower is better; from pain_diary): mean 3 from 7 answers, from 2 to 4; " \
           "↑ from 2 the 7 days before; ⚑ moderate (≥ 4) on 1 day" in maria


async def test_the_dashboard_shows_pain_as_a_measure_in_the_summary_and_timeline(
    shipped_settings: Settings, database_url: str,
) -> None:
    import httpx

    from bot.clock import SimulatedClock
    from bot.content.registry import ContentRegistry
    from bot.storage.db import Database
    from bot.storage.models import Answer
    from bot.web.app import create_app
    from tests.web.seeding import START as SEEDED_AT
    from tests.web.seeding import seed_dashboard
    from tests.web.test_dashboard import BASE, World

    settings = replace(shipped_settings, dashboard_url=BASE)
    db = Database(database_url)
    clock = SimulatedClock(SEEDED_AT + timedelta(hours=2))
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    seeded = await seed_dashboard(db, settings, clock, content, answers=1)
    async with db.transaction() as session:
        for minutes, pain in ((60, 8), (61, 3), (62, "it hurts")):
            session.add(Answer(patient_id="p1", dialogue="pain_diary", key="pain", value=pain,
                               at=SEEDED_AT + timedelta(minutes=minutes)))
    app = create_app(settings, db=db, clock=clock, content=content)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            await World(db, settings, clock, content, client, seeded).sign_in()
            page = (await client.get("/patients/p1")).text
            group = (await client.get("/groups/g1")).text
    finally:
        await db.dispose()
    summary, timeline = page.split("<h2>Timeline")
    assert "pain 5.5/10, ⚑ severe (≥ 7) on 1 day" in summary
    assert "Pain: <strong>8</strong>/10 (0–10, lower is better) ⚑ severe (≥ 7)" in timeline
    assert "Pain: <strong>3</strong>/10 (0–10, lower is better) <span" in timeline
    assert "pain: <strong>it hurts</strong>" in timeline  # typed words stay an answer, not a measurement
    maria = group.split('href="/patients/p1"')[1].split("</li>")[0]
    assert "check-ins" in maria and "pain 5.5/10, ⚑ severe (≥ 7) on 1 day" in maria


def test_past_a_threshold_comes_before_the_rest_in_the_digest_never_before_an_alert() -> None:
    from datetime import UTC

    from bot.clinicians import PatientWeek, risk_order
    from bot.storage.models import Alert, Patient

    since, until = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)

    def week(name: str, pains: list[int], alerts: tuple[str, ...] = ()) -> PatientWeek:
        patient = Patient(id=name.lower(), name=name, status="active", crisis_open=False)
        measured = measures.week_of(PAIN, [(date(2026, 3, 3), p, True) for p in pains])
        return PatientWeek(patient=patient, since=since, until=until, moods=[6], answered=3,
                           open_alerts=[Alert(severity=s) for s in alerts], measures=[measured])

    weeks = [week("Anna", [2]), week("Ben", [8]), week("Cleo", [1], alerts=("concern",)), week("Dan", [5])]
    assert [w.name for w in sorted(weeks, key=risk_order)] == ["Cleo", "Ben", "Dan", "Anna"]
