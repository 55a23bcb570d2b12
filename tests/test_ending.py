"""A good ending (issue 20, item 6): on the programme's last day the bot looks back with the
patient (their picture, what helped, a plan for after, a last feedback questionnaire, keep or
erase their data); then the programme ends kindly: no more daily prompts, safety triage still
runs on anything they write.

Played through `coachbot simulate` on the shipped content, shortened to two weeks
(`length_weeks: 2`: the last day is day 13), in English and German."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot import PROJECT_ROOT
from bot.charts import read_chart_data
from bot.config import Settings
from tests.conftest import Transcript, run_scenario
from tests.test_goals import FIRST, day_steps, seed, weeks_script
from tests.test_message_budget import text

LAST_DAY = FIRST + timedelta(days=13)


def two_weeks(shipped: Settings, tmp_path: Path) -> Settings:
    content, dialogues = tmp_path / "content", tmp_path / "dialogues"
    shutil.copytree(PROJECT_ROOT / "content", content, ignore=shutil.ignore_patterns("nlu"))
    shutil.copytree(PROJECT_ROOT / "dialogues", dialogues)
    spec = yaml.safe_load((content / "programme.yaml").read_text())
    spec["length_weeks"] = 2
    (content / "programme.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    return replace(shipped, content_dir=content, dialogues_dir=dialogues)


def ending_presses(locale: str, data: str = "keep") -> list[str]:
    return [text(locale, "ending.helped.exercises"), text(locale, "ending.keep_yes"),
            text(locale, "ending.signs_examples"), "8", "9", "7", "8",
            text(locale, "ending.data_keep" if data == "keep" else "ending.data_erase")]


def last_day(locale: str, presses: list[str], then: list[dict[str, Any]] | None = None,
             days_after: int = 4, ratings: tuple[int, ...] = (4, 6)) -> list[dict[str, Any]]:
    """Days 0-12 answered (the goal review on day 7), day 13's check-in, exercise and
    questionnaires, then `presses` in the look-back; a day later the lines `then`; then
    `days_after` more days go by."""
    who = "patient:p1"
    return [*weeks_script(13, locale, {7: list(ratings)}),
            {"advance": "PT8H5M"},  # 09:05 in Berlin on day 13, the last day
            *day_steps(13, locale), *[{"as": who, "press": label} for label in presses],
            {"advance": "P1D"}, *(then or []), {"advance": f"P{days_after}D"}]


async def run(settings: Settings, url: str, steps: list[dict[str, Any]]) -> Transcript:
    t = await run_scenario(settings, steps, url)
    assert t.status == 0, t.errors
    return t


GOALS = ["walk to the bakery without stopping", "sleep through the night"]


async def test_the_last_day_looks_back_and_the_programme_ends_kindly(
        shipped_settings: Settings, database_url: str, tmp_path: Path) -> None:
    settings = two_weeks(shipped_settings, tmp_path)
    seeded = seed(goals=GOALS)
    seeded["groups"][0]["sessions"] = ["2026-03-18T17:00:00Z"]  # the group meets on after her end
    t = await run(settings, database_url, [
        {"seed": seeded},
        *last_day("en", ending_presses("en"), [{"as": "patient:p1", "text": "feeling a bit better today"}]),
    ])
    assert t.errors == ""
    maria = t.to("patient:p1")
    [picture] = [x for x in maria if x["kind"] == "photo"]
    assert picture["at"] == "2026-03-15T08:05:00Z" and picture["caption"] == "Your 2 weeks, Maria"
    shown = read_chart_data(Path(picture["path"]))
    assert shown["moods"] == 14 and shown["exercise_days"] == [6, 6]
    assert shown["goals"] == [[GOALS[0], [4.0]], [GOALS[1], [6.0]]]
    assert shown["scores"] == ["WHO-5 Well-Being Index: 80 → 80, good well-being",
                               "PHQ-9: 0 → 0, few signs of low mood", "GAD-7: 0 → 0, little worry"]
    after = maria[maria.index(picture) + 1:]
    texts = [x["text"] for x in after]
    assert texts[0].startswith("Maria, today is the last day of our 2 weeks together.")
    assert texts[1] == "What helped you most?"
    assert [b for row in after[1]["buttons"] for b in row] == [
        "The exercises", "The daily check-ins", "The group", "Working on my goals", "Something else"]
    keep = next(x for x in texts if x.startswith("Now a short plan for after."))
    assert "The exercises you did most often: " in keep
    plan = next(x for x in texts if x.startswith("Your plan for after:"))
    assert "• Warning signs: sleeping badly for several nights" in plan
    assert "• If you notice them: talk to your care team (Dr Ada), or your GP." in plan
    assert "How much has the programme helped you?" in "\n".join(texts)
    assert any(x.startswith("And your data: your care team can keep") for x in texts)
    goodbye = [x for x in texts if x.startswith("Thank you, Maria, for these 2 weeks.")]
    assert len(goodbye) == 1
    # the look-back is the day's last word: no "see you tomorrow" after it, nor on the last day at all
    last = [x for x in after if x["at"] < "2026-03-16"]
    assert last[-1]["text"] == goodbye[0] and not any("See you tomorrow" in x["text"] for x in last)
    # afterwards: no daily prompt, reminder, nudge or session message; a message gets an honest reply
    later = [x for x in maria if x["at"] >= "2026-03-16"]
    assert [x["text"] for x in later] == [
        "Our programme has ended, Maria, so I don't send daily messages any more. I still read what you "
        "write, and if something worries me I tell your care team. /talk writes to them; /mydata shows "
        "your data and /delete erases it. If you are in danger, please call your local emergency number."]
    # the clinician hears nothing alarming of a good ending
    assert t.alerts("clinician:c1") == []


async def test_safety_triage_still_runs_after_the_end(
        shipped_settings: Settings, database_url: str, tmp_path: Path) -> None:
    settings = two_weeks(shipped_settings, tmp_path)
    t = await run(settings, database_url, [
        {"seed": seed(goals=GOALS)},
        *last_day("en", ending_presses("en"), [{"as": "patient:p1", "text": "i want to kill myself tonight"}]),
    ])
    alerts = t.alerts("clinician:c1")
    assert alerts and {a["severity"] for a in alerts} == {"crisis"} and alerts[0]["at"] == "2026-03-16T08:05:00Z"
    after = [x["text"] for x in t.to("patient:p1") if x["at"] == "2026-03-16T08:05:00Z"]
    assert any("emergency" in x for x in after)  # the fixed safety response
    assert not any(x.startswith("Our programme has ended") for x in after)


async def test_erase_at_the_end_asks_the_delete_question(
        shipped_settings: Settings, database_url: str, tmp_path: Path) -> None:
    settings = two_weeks(shipped_settings, tmp_path)
    t = await run(settings, database_url, [
        {"seed": seed(goals=GOALS)},
        *last_day("en", [*ending_presses("en", data="erase"), "Yes, erase my data"]),
    ])
    assert t.errors == ""
    texts = t.texts("patient:p1")
    at = texts.index("This erases your answers, messages and scores. Are you sure?")
    assert texts[at - 1].startswith("Thank you, Maria, for these 2 weeks.")
    assert texts[at + 1].startswith("Your data has been erased.")
    assert texts[-1] == texts[at + 1]  # nothing after that
    t2 = await run(settings, database_url, [{"as": "clinician:c1", "text": "/patients"}])
    assert "Maria" not in "\n".join(t2.texts("clinician:c1"))


async def test_no_answer_to_the_look_back_still_says_goodbye(
        shipped_settings: Settings, database_url: str, tmp_path: Path) -> None:
    settings = two_weeks(shipped_settings, tmp_path)
    t = await run(settings, database_url, [{"seed": seed(goals=GOALS)}, *last_day("en", [])])
    maria = t.to("patient:p1")
    goodbye = [x for x in maria if x["text"].startswith("Our 2 weeks together have ended, Maria.")]
    assert [x["at"] for x in goodbye] == ["2026-03-16T08:00:00Z"]
    assert [x for x in maria if x["at"] > "2026-03-16T08:00:00Z"] == []


async def test_in_german(shipped_settings: Settings, database_url: str, tmp_path: Path) -> None:
    settings = two_weeks(shipped_settings, tmp_path)
    t = await run(settings, database_url, [
        {"seed": seed("de", goals=["ohne Pause zum Bäcker gehen"])},
        *last_day("de", ending_presses("de"), [{"as": "patient:p1", "text": "mir geht es heute etwas besser"}],
                  ratings=(5,)),
    ])
    assert t.errors == ""
    maria = t.to("patient:p1")
    [picture] = [x for x in maria if x["kind"] == "photo"]
    assert picture["caption"] == "Ihre 2 Wochen, Maria"
    shown = read_chart_data(Path(picture["path"]))
    assert shown["labels"]["mood"] == "Stimmung (0-10)" and shown["labels"]["date_format"] == "%d.%m."
    ticks = shown["date_ticks"]  # dates as Germans write them, no English month names
    assert ticks and all(label[:2].isdigit() and label.endswith(".") for label in ticks), ticks
    assert any(line.startswith("WHO-5-Fragebogen zum Wohlbefinden: 80 → 80, gutes Wohlbefinden")
               for line in shown["scores"])
    texts = [x["text"] for x in maria]
    assert any(x.startswith("Maria, heute ist der letzte Tag unserer 2 gemeinsamen Wochen.") for x in texts)
    assert any(x.startswith("Ihr Plan für danach:") and "Dr Ada" in x for x in texts)
    assert any(x.startswith("Danke, Maria, für diese 2 Wochen.") for x in texts)
    assert texts[-1].startswith("Unser Programm ist zu Ende, Maria")


def test_validate_reports_what_would_start_after_the_programme_ends(tmp_path: Path) -> None:
    from bot.content.validate import validate_paths

    path = tmp_path / "programme.yaml"
    path.write_text("programme: default\n"
                    "length_weeks: 4\n"
                    "every:\n"
                    "  - {dialogue: who5, days: 7, first_day: 27}\n"
                    "  - {dialogue: phq9, days: 14, first_day: 28}\n"
                    "goals: {dialogue: goals, review: goal_review, every_days: 7, first_day: 27}\n"
                    "ending: {dialogue: programme_endin, message: system.programme_overr}\n")
    _, problems = validate_paths([path])
    found = {(p.line, p.message) for p in problems}
    messages = " | ".join(p.message for p in problems)
    assert {line for line, _ in found} == {5, 6, 7}, messages
    assert "every: 'phq9' starts on day 28, but the programme's last day is day 27 (length_weeks: 4" in messages
    assert "goals: the review starts on day 27, but the programme's last day is day 27" in messages
    assert "unknown dialogue 'programme_endin' (did you mean 'programme_ending'?)" in messages
    assert "ending: message names message key 'system.programme_overr', which is missing" in messages
    assert "who5" not in messages  # the last day itself still has its questionnaires


def test_the_shipped_programme_lasts_twelve_weeks() -> None:
    spec = yaml.safe_load((PROJECT_ROOT / "content" / "programme.yaml").read_text())
    assert spec["length_weeks"] == 12
    assert spec["ending"]["dialogue"] == "programme_ending" and spec["goals"]["review"] == "goal_review"
