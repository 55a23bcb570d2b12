"""The daily budget of unprompted messages per patient (issue "Patients", item 4).

Reported: on day 13 of a simulated fortnight one patient got about 40 messages in one morning;
a daily dialogue an author added ran after the exercise, asked about pain twice and said "See
you tomorrow!" before the exercise.

The scenario: the shipped content plus an author's daily dialogue (`pain_diary`), a group that
opted in to encouragement, Maria (English) and Lena (German), each answering every prompt by
pressing buttons a few minutes after their check-in time. "Unprompted" is counted from the
transcript, independently of the bot's own tally: each time the bot starts something the
patient did not ask for (the check-in's first question, the exercise's title, a questionnaire's
invitation, the pain diary's question, a reminder, a nudge, the group encouragement) is one.
Session reminders and session feedback never count.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.config import Settings
from bot.isotime import parse_time
from bot.programme import within_budget
from tests.conftest import Transcript, run_scenario
from tests.test_cohort import EXERCISES, MOODS, OUTCOMES, Script, at_local, exercise_of

START = "2026-03-02T07:00:00Z"  # Monday, programme day 0
ZONE = "Europe/Berlin"
PATIENTS = {"p1": ("Maria", "en"), "p2": ("Lena", "de")}

PAIN_DIARY = """\
# An author's addition: a one-question pain diary every day.
dialogue: pain_diary
start: ask
states:
  ask:
    say: pain_diary.ask
    columns: 3
    buttons:
      - {label: pain_diary.none, goto: thanks, do: [{record: {pain_diary.level: none}}]}
      - {label: pain_diary.some, goto: thanks, do: [{record: {pain_diary.level: some}}]}
      - {label: pain_diary.strong, goto: thanks, do: [{record: {pain_diary.level: strong}}]}
  thanks:
    say: pain_diary.thanks
    end: true
"""
PAIN_TEXTS = {
    "en": {"ask": "Pain diary, {name}: how is your pain right now?", "none": "No pain",
           "some": "Some pain", "strong": "Strong pain", "thanks": "Thanks, noted."},
    "de": {"ask": "Schmerztagebuch, {name}: Wie sind Ihre Schmerzen gerade?", "none": "Keine Schmerzen",
           "some": "Etwas Schmerzen", "strong": "Starke Schmerzen", "thanks": "Danke, notiert."},
}


def messages(locale: str) -> dict[str, Any]:
    data = yaml.safe_load((PROJECT_ROOT / "content" / "messages" / f"{locale}.yaml").read_text())
    return dict(data["messages"])


MESSAGES = {locale: messages(locale) for locale in ("en", "de")}


def text(locale: str, key: str) -> str:
    node: Any = MESSAGES[locale]
    for part in key.split("."):
        node = node[part]
    return str(node)


def option(questionnaire: str, value: int, locale: str) -> str:
    data = yaml.safe_load((PROJECT_ROOT / "content" / "questionnaires" / f"{questionnaire}.yaml").read_text())
    return str(next(o["label"][locale] for o in data["options"] if o["value"] == value))


def author_settings(shipped: Settings, tmp_path: Path, entry: dict[str, Any] | None = None,
                    budget: int | None = None) -> Settings:
    """The shipped content, with the author's pain diary added to `daily` as `entry`."""
    content, dialogues = tmp_path / "content", tmp_path / "dialogues"
    shutil.copytree(PROJECT_ROOT / "content", content, ignore=shutil.ignore_patterns("nlu"))
    shutil.copytree(PROJECT_ROOT / "dialogues", dialogues)
    (dialogues / "pain_diary.yaml").write_text(PAIN_DIARY)
    for locale, texts in PAIN_TEXTS.items():
        (content / "messages" / f"pain_{locale}.yaml").write_text(yaml.safe_dump(
            {"locale": locale, "messages": {"pain_diary": texts}}, allow_unicode=True))
    spec = yaml.safe_load((content / "programme.yaml").read_text())
    spec["daily"] = [*spec["daily"], entry or {"dialogue": "pain_diary"}]
    if budget is not None:
        spec["budget"] = {"unprompted_per_day": budget}
    (content / "programme.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    return replace(shipped, content_dir=content, dialogues_dir=dialogues)


def seed(patients: dict[str, tuple[str, str]], sessions: list[str],
         goals: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {
        "start": START,
        "clinicians": [{"id": "c1", "name": "Dr Ada"}],
        "groups": [{"id": "g1", "clinicians": ["c1"], "sessions": sessions, "encouragement": True}],
        "patients": [{"id": p, "name": name, "group": "g1", "timezone": ZONE, "checkin_time": "09:00",
                      "locale": locale, **({"goals": (goals or {})[p]} if p in (goals or {}) else {})}
                     for p, (name, locale) in patients.items()],
    }


# --- what the patient presses ---------------------------------------------------------------------


def checkin_presses(day: int, locale: str) -> list[str]:
    mood = MOODS[day % 7]
    follow = text(locale, "checkin.good.sleep" if mood >= 7 else "checkin.middle.fine")
    return [str(mood), follow, text(locale, "checkin.nothing_to_add")]


def exercise_presses(day: int, locale: str) -> list[str]:
    outcome = OUTCOMES[day % 7]
    if outcome == "skip":
        return [text(locale, "exercise.skip"), text(locale, "exercise.reason.time")]
    steps = [text(locale, "exercise.next")] * len(EXERCISES[exercise_of(day)]["steps"])
    return steps + ([text(locale, "exercise.done"), "3"] if outcome == "done" else [text(locale, "exercise.hard"), "5"])


def questionnaire_presses(name: str, items: int, value: int, locale: str) -> list[str]:
    return [text(locale, "questionnaire.start"), *[option(name, value, locale)] * items]


LAST_DAY = 83
"""The shipped programme's last day (12 weeks): the look-back, after the day's questionnaires."""


def goal_review_presses(day: int, goals: int, locale: str) -> list[str]:
    """The weekly goal review (days 7, 14, ... before the last): each goal rated, no note."""
    if not goals or day < 7 or day % 7 or day >= LAST_DAY:
        return []
    rating = str(min(10, 3 + day // 14))  # a little better every fortnight
    return [rating, text(locale, "goal_review.no_note")] * goals


def ending_presses(locale: str) -> list[str]:
    """The look-back: what helped, keep those exercises, the example signs, the feedback, keep the data."""
    return [text(locale, "ending.helped.exercises"), text(locale, "ending.keep_yes"),
            text(locale, "ending.signs_examples"), "8", "8", "8", "8", text(locale, "ending.data_keep")]


def day_presses(day: int, locale: str, pain_first: bool = False, pain: bool = True, goals: int = 0) -> list[str]:
    pain_press = [PAIN_TEXTS[locale]["some"]] if pain else []
    presses = checkin_presses(day, locale)
    if goals and day == LAST_DAY:  # the last day's budget: the questionnaires and the look-back first
        return presses + questionnaire_presses("who5", 5, 4, locale) + questionnaire_presses("phq9", 9, 0, locale) \
            + questionnaire_presses("gad7", 7, 0, locale) + ending_presses(locale)
    presses += pain_press + exercise_presses(day, locale) if pain_first else exercise_presses(day, locale) + pain_press
    if day >= 6 and (day - 6) % 7 == 0:
        presses += questionnaire_presses("who5", 5, 4, locale)
    if day >= 13 and (day - 13) % 14 == 0:
        presses += questionnaire_presses("phq9", 9, 0, locale) + questionnaire_presses("gad7", 7, 0, locale)
    return presses + goal_review_presses(day, goals, locale)


def script(days: int, patients: dict[str, tuple[str, str]], *, silent: dict[str, set[int]] | None = None,
           pain_first: bool = False, sessions: list[str] | None = None,
           pain_at: str | None = None, goals: dict[str, int] | None = None,
           clock_days: int | None = None, extra: Sequence[tuple[str, dict[str, Any]]] = ()) -> list[dict[str, Any]]:
    """Everyone answers every prompt on days 0 to `days` - 1 (but their `silent` ones), with
    `goals` (patient: how many) the weekly goal review and, on the last day, the look-back;
    the clock runs on to `clock_days`; `extra`: (time, line) more."""
    s = Script()
    for when, line in extra:
        s._add(when, line)
    first = date(2026, 3, 2)
    for patient, (_, locale) in patients.items():
        mine = (goals or {}).get(patient, 0)
        for n in range(days):
            if n in (silent or {}).get(patient, set()):
                continue
            s.press(at_local("p1", first + timedelta(days=n), "09:00", minutes=5), f"patient:{patient}",
                    *day_presses(n, locale, pain_first, pain=pain_at is None, goals=mine))
            if pain_at is not None and not (mine and n == LAST_DAY):  # the programme has ended by then
                s.press(at_local("p1", first + timedelta(days=n), pain_at, minutes=5), f"patient:{patient}",
                        PAIN_TEXTS[locale]["some"])
    for session in sessions or []:
        for patient, (_, locale) in patients.items():
            feedback = [text(locale, "questionnaire.start"), "8", "8", "8", "8", text(locale, "feedback.no_comment")]
            s.press(parse_time(session) + timedelta(hours=1, minutes=5), f"patient:{patient}", *feedback)
    end = datetime.combine(first + timedelta(days=clock_days or days), datetime.min.time()).isoformat() + "Z"
    return [{"seed": {"start": START}}, *s.steps(START, end)[1:]]


# --- reading the transcript -----------------------------------------------------------------------


def openers(locale: str, name: str) -> dict[str, str]:
    """What each unprompted thing begins with, in the patient's language."""
    def head(key: str, custom: str | None = None) -> str:
        template = custom if custom is not None else text(locale, key)
        return template.replace("{name}", name).split("{")[0]

    return {
        "checkin": head("checkin.ask_mood"),
        "exercise": head("exercise.today"),
        "who5": head("who5.invite"), "phq9": head("phq9.invite"), "gad7": head("gad7.invite"),
        "pain_diary": head("", PAIN_TEXTS[locale]["ask"]),
        "reminder": head("system.reminder"), "nudge": head("system.nudge"),
        "encouragement": head("encouragement.group"), "pick_up": head("system.pick_up"),
        "goal_review": head("goal_review.intro"), "ending": head("ending.intro"),
    }


def local_day(line: dict[str, Any]) -> date:
    from zoneinfo import ZoneInfo

    return parse_time(line["at"]).astimezone(ZoneInfo(ZONE)).date()


def unprompted(t: Transcript, patient: str, name: str, locale: str) -> dict[date, list[str]]:
    """The patient's unprompted messages by local day, named by what they are."""
    heads = openers(locale, name)
    session = text(locale, "feedback.invite").replace("{name}", name)
    out: dict[date, list[str]] = defaultdict(list)
    lines = t.to(f"patient:{patient}")
    skip = False  # a reminder or "shall we pick up" comes with its question again
    for n, line in enumerate(lines):
        if skip:
            skip = False
            continue
        following = lines[n + 1] if n + 1 < len(lines) else None
        for what, start in heads.items():
            if line["text"].startswith(start):
                skip = what in ("reminder", "pick_up") and following is not None \
                    and following["at"] == line["at"]
                if skip and following is not None and following["text"] == session:
                    break  # taking up the session feedback again: session messages never count
                out[local_day(line)].append(what)
    return out


def per_day(t: Transcript, patient: str) -> Counter[date]:
    return Counter(local_day(line) for line in t.to(f"patient:{patient}"))


def closing(locale: str, name: str) -> str:
    return text(locale, "system.day_done").replace("{name}", name)


SEE_YOU = {"en": "See you tomorrow", "de": "Bis morgen"}


def no_goodbye_before_the_last(t: Transcript, patient: str, name: str, locale: str) -> list[str]:
    """Problems: a "see you tomorrow" followed by something unprompted the same day."""
    heads = openers(locale, name)
    problems, said_bye = [], set()
    for line in t.to(f"patient:{patient}"):
        day = local_day(line)
        if SEE_YOU[locale].lower() in line["text"].lower():
            said_bye.add(day)
        elif day in said_bye and any(line["text"].startswith(h) for h in heads.values()):
            problems.append(f"{day}: {line['text'][:60]}")
    return problems


# --- the tests -------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'budget.sqlite3'}"


async def run(settings: Settings, url: str, steps: list[dict[str, Any]],
              patients: dict[str, tuple[str, str]], sessions: list[str] | None = None,
              goals: dict[str, list[str]] | None = None) -> Transcript:
    seeded = await run_scenario(settings, [{"seed": seed(patients, sessions or [], goals)}], url)
    assert seeded.status == 0, seeded.errors
    t = await run_scenario(settings, steps, url)
    assert t.status == 0, t.errors
    return t


async def test_a_fortnight_with_an_authors_daily_dialogue_stays_within_the_budget(
        shipped_settings: Settings, tmp_path: Path, sqlite_url: str) -> None:
    settings = author_settings(shipped_settings, tmp_path)
    t = await run(settings, sqlite_url, script(15, PATIENTS), PATIENTS)
    assert t.errors == ""  # every press found its button: the chain runs in the scripted order
    for patient, (name, locale) in PATIENTS.items():
        counts = unprompted(t, patient, name, locale)
        print(patient, "unprompted per day:", [len(counts[date(2026, 3, 2) + timedelta(days=n)]) for n in range(15)],
              "all messages per day:", [per_day(t, patient)[date(2026, 3, 2) + timedelta(days=n)] for n in range(15)],
              "day 13:", counts[date(2026, 3, 15)])
        worst = max(counts.items(), key=lambda kv: len(kv[1]))
        assert len(worst[1]) <= 6, (patient, worst)
        day13 = counts[date(2026, 3, 15)]
        # the check-in, the exercise, the pain diary and the three questionnaires fit; the
        # encouragement, lowest, gives way
        assert day13 == ["checkin", "exercise", "pain_diary", "who5", "phq9", "gad7"], day13
        assert no_goodbye_before_the_last(t, patient, name, locale) == []
        # each answered day ends with the programme's closing line, once
        assert t.texts(f"patient:{patient}").count(closing(locale, name)) == 15


@pytest.mark.parametrize("entry, order", [
    ({"dialogue": "pain_diary", "after": "checkin"}, ["checkin", "pain_diary", "exercise", "who5"]),
    ({"dialogue": "pain_diary", "after": "exercise"}, ["checkin", "exercise", "pain_diary", "who5"]),
    ({"dialogue": "pain_diary"}, ["checkin", "exercise", "pain_diary", "who5"]),
])
async def test_the_days_dialogues_run_as_one_chain_in_the_authors_order(
        shipped_settings: Settings, tmp_path: Path, sqlite_url: str, entry: dict[str, Any], order: list[str]) -> None:
    settings = author_settings(shipped_settings, tmp_path, entry)
    patients = {"p1": PATIENTS["p1"]}
    steps = script(7, patients, pain_first=entry.get("after") == "checkin")
    t = await run(settings, sqlite_url, steps, patients)
    assert t.errors == ""
    counts = unprompted(t, "p1", "Maria", "en")
    assert counts[date(2026, 3, 8)] == order
    # one after another: the next starts only when the patient answered the one before
    day6 = [line for line in t.to("patient:p1") if local_day(line) == date(2026, 3, 8)]
    assert day6[0]["text"].startswith("Hi Maria! How are you feeling today?")
    assert len({line["at"] for line in day6 if line["at"] < "2026-03-08T08:05:00Z"}) == 1  # one opener at 09:00
    assert day6[-1]["text"] == closing("en", "Maria")


async def test_an_entry_with_its_own_time_runs_then_in_german_too(
        shipped_settings: Settings, tmp_path: Path, sqlite_url: str) -> None:
    settings = author_settings(shipped_settings, tmp_path, {"dialogue": "pain_diary", "at": "18:30"})
    patients = {"p2": PATIENTS["p2"]}
    t = await run(settings, sqlite_url, script(3, patients, pain_at="18:30"), patients)
    asks = [line for line in t.to("patient:p2") if line["text"].startswith("Schmerztagebuch, Lena")]
    assert [line["at"] for line in asks] == ["2026-03-02T17:30:00Z", "2026-03-03T17:30:00Z", "2026-03-04T17:30:00Z"]
    # the morning's chain does not say goodbye: the day's last word comes after the diary
    goodbyes = [line for line in t.to("patient:p2") if SEE_YOU["de"].lower() in line["text"].lower()]
    assert [(line["at"], line["text"]) for line in goodbyes] == [
        (f"2026-03-0{d}T17:35:00Z", "Das war alles für heute, Lena. Bis morgen!") for d in (2, 3, 4)]
    assert no_goodbye_before_the_last(t, "p2", "Lena", "de") == []


def test_what_does_not_fit_is_dropped_lowest_priority_first() -> None:
    items = [{"dialogue": "", "kind": "encouragement"}, {"dialogue": "daily_checkin", "kind": "checkin"},
             {"dialogue": "daily_exercise", "kind": "exercise"}, {"dialogue": "pain_diary", "kind": "checkin"},
             {"dialogue": "who5", "kind": "questionnaire"}, {"dialogue": "phq9", "kind": "questionnaire"}]
    def names(kept: list[dict[str, Any]]) -> list[str]:
        return [item["dialogue"] or "encouragement" for item in kept]

    for room, kept in [
        (6, ["encouragement", "daily_checkin", "daily_exercise", "pain_diary", "who5", "phq9"]),
        (5, ["daily_checkin", "daily_exercise", "pain_diary", "who5", "phq9"]),
        (4, ["daily_checkin", "pain_diary", "who5", "phq9"]),
        (3, ["daily_checkin", "who5", "phq9"]),
        (2, ["who5", "phq9"]),
        (0, []),
    ]:
        assert names(within_budget(items, room)[0]) == kept, room


async def test_a_small_budget_drops_by_priority_and_a_questionnaire_waits_for_the_next_day(
        shipped_settings: Settings, tmp_path: Path, sqlite_url: str) -> None:
    settings = author_settings(shipped_settings, tmp_path, budget=4)
    patients = {"p1": PATIENTS["p1"], "p2": PATIENTS["p2"]}
    t = await run(settings, sqlite_url, script(15, patients), patients)
    for patient, (name, locale) in patients.items():
        counts = unprompted(t, patient, name, locale)
        assert max(len(v) for v in counts.values()) <= 4
        # day 13: the three questionnaires and the check-in; the exercise (its place in the
        # chain let go: the check-in does not start it), pain diary and encouragement are dropped
        assert counts[date(2026, 3, 15)] == ["checkin", "who5", "phq9", "gad7"], counts[date(2026, 3, 15)]
        assert counts[date(2026, 3, 2)] == ["checkin", "exercise", "pain_diary"]
        assert no_goodbye_before_the_last(t, patient, name, locale) == []


async def test_a_questionnaire_that_does_not_fit_waits_for_the_next_day(
        shipped_settings: Settings, tmp_path: Path, sqlite_url: str) -> None:
    settings = author_settings(shipped_settings, tmp_path, budget=2)
    patients = {"p1": PATIENTS["p1"]}
    t = await run(settings, sqlite_url, script(16, patients), patients)
    counts = unprompted(t, "p1", "Maria", "en")
    assert counts[date(2026, 3, 15)][:2] == ["who5", "phq9"]  # day 13: gad7 does not fit
    assert "gad7" in counts[date(2026, 3, 16)]  # and comes the next day
    assert max(len(v) for v in counts.values()) <= 2


# --- twelve weeks, a few patients ---------------------------------------------------------------


def sessions(weeks: int) -> list[str]:
    return [(parse_time("2026-03-04T17:00:00Z") + timedelta(days=7 * w)).isoformat().replace("+00:00", "Z")
            for w in range(weeks)]


async def test_twelve_weeks_never_go_over_the_budget(
        shipped_settings: Settings, tmp_path: Path, sqlite_url: str) -> None:
    """Three patients, twelve weeks (the shipped programme's length), weekly sessions; Ken is
    silent on one day in three (so reminders and nudges happen), the others answer everything.
    Maria and Lena came with goals, Ken sets his with /goals on day 1; each week's goal review
    and, on the last day, the look-back fit the budget too; then the programme ends."""
    settings = author_settings(shipped_settings, tmp_path, {"dialogue": "pain_diary", "at": "18:30"})
    patients = {"p1": PATIENTS["p1"], "p2": PATIENTS["p2"], "p3": ("Ken", "en")}
    goals = {"p1": ["walk to the bakery without stopping", "sleep through the night"],
             "p2": ["ohne Pause zum Bäcker gehen"]}
    days = 84
    silent = {"p3": {n for n in range(days) if n % 3 == 1 or 40 <= n < 44}}
    kens_goal = [("2026-03-03T11:00:00Z", {"as": "patient:p3", "text": "/goals"}),
                 ("2026-03-03T11:01:00Z", {"as": "patient:p3", "text": "walk the dog every day"}),
                 ("2026-03-03T11:02:00Z", {"as": "patient:p3", "press": "That's all"})]
    steps = script(days, patients, silent=silent, sessions=sessions(12), pain_at="18:30",
                   goals={"p1": 2, "p2": 1, "p3": 1}, clock_days=days + 3, extra=kens_goal)
    t = await run(settings, sqlite_url, steps, patients, sessions(12), goals)
    # every press found its button (the reviews and look-backs came when expected), but some of
    # silent Ken's session feedback: on his silent days the day's conversation is still open then
    assert [line for line in t.errors.splitlines() if "patient:p3" not in line] == []
    for patient, (name, locale) in patients.items():
        counts = unprompted(t, patient, name, locale)
        print(patient, "most unprompted in a day:", max(len(v) for v in counts.values()),
              "goal reviews:", sum("goal_review" in v for v in counts.values()),
              "last day:", counts[date(2026, 3, 2) + timedelta(days=LAST_DAY)],
              "messages after the last day:", sum(local_day(x) > date(2026, 3, 2) + timedelta(days=LAST_DAY)
                                                  for x in t.to(f"patient:{patient}")))
        assert len(counts) >= days - 1, patient
        over = {d: v for d, v in counts.items() if len(v) > 6}
        assert over == {}, (patient, over)
        assert no_goodbye_before_the_last(t, patient, name, locale) == []
        reviews = sorted(d for d, v in counts.items() if "goal_review" in v)
        answered = [n for n in range(7, LAST_DAY, 7) if n not in silent.get(patient, set())]
        assert [(d - date(2026, 3, 2)).days for d in reviews] == answered, (patient, reviews)
        ending = [d for d, v in counts.items() if "ending" in v]
        assert [(d - date(2026, 3, 2)).days for d in ending] == [LAST_DAY], patient
        # the look-back ends the programme: nothing unprompted after it
        assert [d for d in counts if (d - date(2026, 3, 2)).days > LAST_DAY] == [], patient
        photos = [x for x in t.to(f"patient:{patient}") if x["kind"] == "photo"]
        assert len(photos) == 1 and local_day(photos[0]) == date(2026, 3, 2) + timedelta(days=LAST_DAY)
    kens = unprompted(t, "p3", "Ken", "en")
    assert any("reminder" in v for v in kens.values()) and any("nudge" in v for v in kens.values())
    last = unprompted(t, "p1", "Maria", "en")[date(2026, 3, 2) + timedelta(days=LAST_DAY)]
    assert last == ["checkin", "who5", "phq9", "gad7", "ending"], last  # the exercise gave way


def test_coachbot_validate_checks_the_budget_and_where_daily_dialogues_run(tmp_path: Path) -> None:
    from bot.content.validate import validate_paths

    path = tmp_path / "programme.yaml"
    path.write_text("programme: default\n"
                    "daily:\n"
                    "  - {dialogue: daily_checkin, after: exercise}\n"
                    "  - {dialogue: who5, after: checkin, at: \"18:00\"}\n"
                    "  - {dialogue: gad7, after: lunch, kind: urgent}\n"
                    "budget: {unprompted_per_day: 0}\n"
                    "closing: {message: system.bye_bye}\n")
    _, problems = validate_paths([path])
    found = {(p.line, p.message.split(",")[0].split(":")[0]) for p in problems}
    messages = " | ".join(p.message for p in problems)
    assert {line for line, _ in found} == {3, 4, 5, 6, 7}, messages
    assert "the first entry is the day's check-in" in messages
    assert "'who5' has both 'after' and 'at'" in messages
    assert "after: 'lunch' is not a known value" in messages and "kind: 'urgent'" in messages
    assert "unprompted_per_day must be at least 1" in messages
    assert "'system.bye_bye', which is missing" in messages
    assert validate_paths([PROJECT_ROOT / "content" / "programme.yaml"])[1] == []
