"""The clinician's side of the bot: commands, patient pictures, messages, exercises, the digest.

A clinician sees only the groups assigned to them (or that they back up). Anything aimed at a
patient or group outside those is refused and audited, with the same answer as for a name
that does not exist, so a refusal tells nothing about other groups. Patients never reach
this module (`bot.service` routes them to the programme); `refuse_from_patient` is the one
piece for patients: it turns clinician syntax from a patient into an audited refusal.

The figures (exercise adherence, check-ins, mood and its trend, scores, alerts, ruptures) are
computed once here, in `patient_week`, and the status line, the digest and the charts all
read them, so the numbers a clinician sees agree everywhere.

- exercise adherence: days with "done" or "hard" / days the programme offered an exercise
  (a daily dialogue was started, or an exercise answer was given), in the patient's time zone;
- mood: the mean of the period's `mood` answers (0–10), against the period before it.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import case, func, select

from bot import charts, goals, measures, programme, signals
from bot.charts import Chart, MemberWeek, WeekAdherence
from bot.measures import MeasureWeek
from bot.outbox import PRIORITY_BULK, PRIORITY_SCHEDULED
from bot.safety import escalation
from bot.signals import EXERCISE_KEY, MOOD_KEY, SESSION_FEEDBACK, as_number
from bot.storage.models import (
    Alert,
    Answer,
    AuditEntry,
    Clinician,
    ConversationRow,
    ExerciseAssignment,
    Group,
    GroupClinician,
    GroupSession,
    Invite,
    Message,
    Patient,
    Score,
)
from bot.timeutil import after_quiet_hours, clinician_time, is_valid_zone, parse_hhmm, zone
from bot.work import Work

CLINICIAN_COMMANDS = {
    "groups": ("/groups", "Your groups, with their next session and open alerts"),
    "patients": ("/patients [GROUP]", "Your patients, one line each (last 7 days)"),
    "patient": ("/patient NAME", "A patient's summary with charts"),
    "alerts": ("/alerts", "Open alerts, most urgent first; tap one to open it"),
    "message": ("/message GROUP|NAME text", "Send a message to a whole group or one patient"),
    "assign": ("/assign GROUP|NAME ex1,ex2,...", "Exercises from the next check-in on (one a day, in turn)"),
    "resume": ("/resume NAME", "Resume a patient's programme after a crisis"),
    "quiet": ("/quiet 21:00 07:00 [Europe/Berlin] | off",
              "Your quiet hours: concerns wait, a crisis goes to whoever is on call"),
    "dashboard": ("/dashboard", "A one-time link to sign in to the web dashboard"),
    "help": ("/help", "What I can do for you"),
}
STATUS_DAYS = 7
"""/patients and /patient look at the last week."""
MOOD_SCALE_MAX = 10
MOOD_TREND_STEP = 1.0
"""A change in mean mood of at least this much (0–10 scale) shows as ↑ or ↓."""
ADHERENCE_TREND_STEP = 15
"""A change of at least this many percentage points in exercise adherence shows as ↑ or ↓."""
MAX_NAME_WORDS = 4
"""Names in /message and /assign are matched on up to this many leading words."""
MAX_CLINICIAN_MESSAGE = 3500
"""Telegram allows 4096 characters; the rest is room for the heading the patient sees."""
MAX_ASSIGNED_EXERCISES = 14
MAX_QUESTIONNAIRE_CHARTS = 3
MAX_RUPTURES_LISTED = 2
RUPTURE_REASON_CHARS = 80
MAX_ALERTS_LISTED = 200
"""/alerts reads at most this many open alerts (the most urgent, then the oldest)."""
ALERTS_PER_PAGE = 8
"""/alerts lists this many alerts in its one message; "More" buttons page through the rest."""
ALERT_LINE_CHARS = 90
"""What an alert is about, in /alerts: its reason cut to this length (opening it shows all)."""
SEVERITY_RANK = {"crisis": 0, "concern": 1, "rupture": 2}
"""Most urgent first: a crisis, then a concern, then a rupture signal (anything else last)."""
SEVERITY_DOT = {"crisis": "🔴", "concern": "🟠", "rupture": "🟡"}
OPEN_ALERT = "ao"
"""Callback data `ao:<alert id>`: open one alert from /alerts (its full text and buttons)."""
ALERTS_PAGE = "al"
"""Callback data `al:<page>`: another page of /alerts (pages count from 0)."""
MAX_ROW_ID = 2**31 - 1
"""Row ids are 32-bit integers on PostgreSQL: a press naming a larger one is forged."""
TEXT_LIMIT = 3900
"""Longer texts are split into several messages at line breaks."""
REACHABLE = ("active", "paused", "onboarding")
"""Patient statuses a clinician's message may go to (not stopped, not erased)."""


# --- joining and permissions -----------------------------------------------------------------


async def link(work: Work, chat_key: str, invite: Invite) -> None:
    clinician = await work.session.get(Clinician, invite.clinician_id)
    if clinician is None:
        return
    invite.used_at, invite.used_by = work.now, clinician.id
    clinician.chat_key = chat_key
    work.audit(f"clinician:{clinician.id}", "clinician_linked")
    work.send(f"clinician:{clinician.id}",
              f"Welcome, {clinician.name}. You'll get alerts and digests for your groups here. "
              "/help shows what I can do.")


async def group_ids(work: Work, clinician: Clinician) -> list[str]:
    assigned = await work.session.scalars(
        select(GroupClinician.group_id).where(GroupClinician.clinician_id == clinician.id))
    backed = await work.session.scalars(
        select(Group.id).where(Group.backup_clinician_id == clinician.id))
    return sorted(set(assigned) | set(backed))


def refuse_from_patient(work: Work, patient: Patient, command: str) -> bool:
    """A patient who types a clinician-only command gets nothing of it; the attempt is audited.

    Returns True when `command` was clinician-only (and has been handled by refusing it)."""
    if command not in set(CLINICIAN_COMMANDS) - set(programme.PATIENT_COMMANDS):
        return False
    work.audit(f"patient:{patient.id}", "refused", patient_id=patient.id, command=command[:32],
               reason="clinician command from a patient")
    work.send(f"patient:{patient.id}", work.text(
        "system.not_for_patients", patient.locale,
        "That command is for your care team. /help shows what you can do."), patient_id=patient.id)
    return True


# --- commands --------------------------------------------------------------------------------


async def handle(work: Work, clinician: Clinician, text: str | None, press: str | None) -> None:
    me = f"clinician:{clinician.id}"
    if press:
        parts = press.split(":")
        if parts[0] == "a" and len(parts) == 3 and _row_id(parts[1]) is not None:
            await escalation.act_on_alert(work, clinician, int(parts[1]), parts[2])
        elif parts[0] == OPEN_ALERT and len(parts) == 2 and _row_id(parts[1]) is not None:
            await open_alert(work, clinician, int(parts[1]))
        elif parts[0] == ALERTS_PAGE and len(parts) == 2 and _row_id(parts[1]) is not None:
            await show_alerts(work, clinician, page=int(parts[1]))
        else:
            work.audit(me, "forged_button", data=press[:64])
            work.callback_answer = "This button is no longer valid."
        return
    text = (text or "").strip()
    if not text:
        return
    if not text.startswith("/"):
        if not await escalation.add_note(work, clinician, text):
            work.send(me, "I pass on alerts and digests. /help shows the commands.")
        return
    command, _, arg = text[1:].partition(" ")
    command = command.split("@")[0].lower()
    arg = arg.strip()
    if command == "alerts":
        await show_alerts(work, clinician)
    elif command == "groups":
        await show_groups(work, clinician)
    elif command == "patients":
        await show_patients(work, clinician, arg)
    elif command == "patient":
        await show_patient(work, clinician, arg)
    elif command == "message":
        await send_message(work, clinician, arg)
    elif command == "assign":
        await assign_exercises(work, clinician, arg)
    elif command == "resume":
        await resume_patient(work, clinician, arg)
    elif command == "quiet":
        set_quiet_hours(work, clinician, arg)
    elif command == "dashboard":
        await send_dashboard_link(work, clinician)
    else:
        show_help(work, clinician)


def set_quiet_hours(work: Work, clinician: Clinician, arg: str) -> None:
    """A clinician's own quiet hours. Concern and rupture alerts wait until they end; a crisis
    never waits: it goes to the group's backup (on call) as well, at once."""
    me = f"clinician:{clinician.id}"
    words = arg.split()
    if words == ["off"]:
        clinician.quiet_start = clinician.quiet_end = None
        work.audit(me, "quiet_hours", start=None, end=None)
        work.send(me, "Quiet hours off: every alert reaches you when it is raised.")
        return
    if len(words) in (2, 3) and parse_hhmm(words[0]) and parse_hhmm(words[1]) and words[0] != words[1] \
            and (len(words) == 2 or is_valid_zone(words[2])):
        clinician.quiet_start, clinician.quiet_end = words[0], words[1]
        if len(words) == 3:
            clinician.timezone = words[2]
        work.audit(me, "quiet_hours", start=words[0], end=words[1], timezone=clinician.timezone)
        work.send(me, f"Quiet hours {words[0]}–{words[1]} ({clinician.timezone}). Concerns and rupture "
                      "signals wait until they end; a crisis alert still reaches you, and your group's "
                      "backup at once.")
        return
    work.send(me, "Tell me your quiet hours like this: /quiet 21:00 07:00 Europe/Berlin (the time "
                  "zone is optional), or /quiet off.")


async def send_dashboard_link(work: Work, clinician: Clinician) -> None:
    """A one-time sign-in link to the web dashboard (bot.signin), in the clinician's own chat."""
    from bot.signin import LINK_MINUTES, create_login_link

    link = await create_login_link(work, clinician, work.settings.dashboard_url, f"clinician:{clinician.id}")
    work.send(f"clinician:{clinician.id}", f"Your sign-in link to the dashboard (it works once, for "
              f"{LINK_MINUTES} minutes; don't pass it on):\n{link}")


def show_help(work: Work, clinician: Clinician) -> None:
    lines = [f"{usage} – {what}" for usage, what in CLINICIAN_COMMANDS.values()]
    work.send(f"clinician:{clinician.id}", "What I can do for you:\n" + "\n".join(lines)
              + "\n\nNAME is a patient's name or id. Patients' replies come to me, not to you; "
              "anything worrying reaches you as an alert.")


# --- finding people --------------------------------------------------------------------------


@dataclass
class Target:
    """Whom a /message or /assign is aimed at: a whole group or one patient."""

    group: Group | None = None
    patient: Patient | None = None

    @property
    def label(self) -> str:
        if self.patient is not None:
            return self.patient.name or self.patient.id
        assert self.group is not None
        return f"group {self.group.id}"


async def _patients_named(work: Work, name: str) -> list[Patient]:
    return list(await work.session.scalars(
        select(Patient).where(((func.lower(Patient.name) == name.lower()) | (Patient.id == name))
                              & (Patient.status != "deleted")).order_by(Patient.id)))


async def _group_named(work: Work, name: str) -> Group | None:
    return await work.session.scalar(
        select(Group).where((Group.id == name) | (func.lower(Group.name) == name.lower()))
        .order_by(Group.id).limit(1))


def _refuse(work: Work, clinician: Clinician, name: str, patient_id: str | None = None,
            group_id: str | None = None) -> None:
    """Audit an attempt on someone outside the clinician's groups; answer as if unknown."""
    me = f"clinician:{clinician.id}"
    if patient_id is not None or group_id is not None:
        work.audit(me, "refused", patient_id=patient_id, group=group_id,
                   reason="outside the clinician's groups")
    work.send(me, f"No group or patient called “{name[:60]}” in your groups. "
              "/groups and /patients show who you can reach.")


async def find_patient(work: Work, clinician: Clinician, name: str) -> Patient | None:
    """A patient by name (any case) or id, only within the clinician's groups; refusals audited."""
    me = f"clinician:{clinician.id}"
    candidates = await _patients_named(work, name)
    allowed = set(await group_ids(work, clinician))
    mine = [p for p in candidates if p.group_id in allowed]
    if not mine:
        _refuse(work, clinician, name, patient_id=candidates[0].id if candidates else None)
        return None
    if len(mine) > 1:
        work.send(me, f"Several patients are called “{name}”: "
                  + ", ".join(f"{p.id} (group {p.group_id})" for p in mine) + ". Use the id.")
        return None
    return mine[0]


async def resolve_target(
    work: Work, clinician: Clinician, arg: str, *, need_rest: bool,
) -> tuple[Target | None, str]:
    """`GROUP|NAME rest...`: the longest leading words naming a group or patient of theirs.

    Returns the target and the rest of `arg` (whitespace inside it kept). A name that only
    matches outside the clinician's groups is refused and audited."""
    me = f"clinician:{clinician.id}"
    words = arg.split()
    longest = min(len(words) - (1 if need_rest else 0), MAX_NAME_WORDS)
    mine = set(await group_ids(work, clinician))
    outside: tuple[str, str | None, str | None] | None = None
    for count in range(longest, 0, -1):
        name = " ".join(words[:count])
        pieces = arg.split(None, count)
        rest = pieces[count] if len(pieces) > count else ""
        group = await _group_named(work, name)
        if group is not None:
            if group.id in mine:
                return Target(group=group), rest
            outside = outside or (name, None, group.id)
        patients = await _patients_named(work, name)
        allowed = [p for p in patients if p.group_id in mine]
        if len(allowed) > 1:
            work.send(me, f"Several patients are called “{name}”: "
                      + ", ".join(p.id for p in allowed) + ". Use the id.")
            return None, rest
        if allowed:
            return Target(patient=allowed[0]), rest
        if patients:
            outside = outside or (name, patients[0].id, None)
    if outside is not None:
        _refuse(work, clinician, outside[0], patient_id=outside[1], group_id=outside[2])
    elif words:
        _refuse(work, clinician, words[0])
    return None, ""


# --- the records behind every figure ---------------------------------------------------------


@dataclass(frozen=True)
class Adherence:
    """Exercise over a period: days offered and what the patient said on each."""

    offered: int = 0
    done: int = 0
    hard: int = 0
    skipped: int = 0

    @property
    def did(self) -> int:
        return self.done + self.hard

    @property
    def percent(self) -> int | None:
        return round(100 * self.did / self.offered) if self.offered else None

    def text(self) -> str:
        if not self.offered:
            return "–"
        return f"{self.did}/{self.offered} days"


def _local_date(patient: Patient, moment: datetime) -> date:
    return moment.astimezone(zone(patient.timezone)).date()


def _local(patient: Patient, moment: datetime) -> datetime:
    """Naive local time, for charts whose axis is the patient's own days."""
    return moment.astimezone(zone(patient.timezone)).replace(tzinfo=None)


def adherence_of(patient: Patient, offered_at: list[datetime], outcomes: list[tuple[datetime, str]]) -> Adherence:
    """Days (local) with a daily prompt or an answer; on each, the day's last exercise answer."""
    days = {_local_date(patient, at) for at in offered_at}
    last: dict[date, str] = {}
    for at, value in sorted(outcomes, key=lambda pair: pair[0]):
        last[_local_date(patient, at)] = str(value)
    days |= set(last)
    said = Counter(last.values())
    return Adherence(offered=len(days), done=said["done"], hard=said["hard"], skipped=said["skipped"])


def week_adherences(
    patient: Patient, offered_at: list[datetime], outcomes: list[tuple[datetime, str]], now: datetime,
) -> list[WeekAdherence]:
    """Adherence per programme week (week 1 starts on the day of enrolment)."""
    start = _local_date(patient, patient.enrolled_at)
    weeks = max(1, (_local_date(patient, now) - start).days // 7 + 1)
    out = []
    for index in range(weeks):
        begin = start + timedelta(days=7 * index)
        end = begin + timedelta(days=7)
        inside = lambda at, b=begin, e=end: b <= _local_date(patient, at) < e  # noqa: E731
        week = adherence_of(patient, [at for at in offered_at if inside(at)],
                            [(at, v) for at, v in outcomes if inside(at)])
        out.append(WeekAdherence(week=index + 1, start=begin, offered=week.offered, done=week.done,
                                 hard=week.hard, skipped=week.skipped))
    return out


async def offered_times(work: Work, patient: Patient, since: datetime | None = None,
                        until: datetime | None = None) -> list[ConversationRow]:
    """The patient's daily dialogues (the programme's `daily` list) started in the period."""
    daily = [str(d.get("dialogue")) for d in programme.programme(work).get("daily") or []]
    query = select(ConversationRow).where(
        ConversationRow.patient_id == patient.id, ConversationRow.dialogue.in_(daily),
        ConversationRow.status != "queued")
    if since is not None:
        query = query.where(ConversationRow.started_at >= since)
    if until is not None:
        query = query.where(ConversationRow.started_at <= until)
    return list(await work.session.scalars(query.order_by(ConversationRow.started_at)))


async def answers(work: Work, patient: Patient, key: str, since: datetime | None = None,
                  until: datetime | None = None) -> list[Answer]:
    query = select(Answer).where(Answer.patient_id == patient.id, Answer.key == key)
    if since is not None:
        query = query.where(Answer.at >= since)
    if until is not None:
        query = query.where(Answer.at <= until)
    return list(await work.session.scalars(query.order_by(Answer.at, Answer.id)))


def _moods(rows: list[Answer]) -> list[tuple[datetime, float]]:
    out = []
    for row in rows:
        value = as_number(row.value)
        if value is not None:
            out.append((row.at, value))
    return out


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _arrow(now: float | None, before: float | None, step: float) -> str:
    if now is None or before is None:
        return ""
    if now - before >= step:
        return "↑"
    if before - now >= step:
        return "↓"
    return "→"


@dataclass
class PatientWeek:
    """Everything the status line, the digest and the group chart say about one patient."""

    patient: Patient
    since: datetime
    until: datetime
    checkins: int = 0
    checkins_done: int = 0
    exercise: Adherence = field(default_factory=Adherence)
    previous_exercise: Adherence = field(default_factory=Adherence)
    moods: list[float] = field(default_factory=list)
    previous_moods: list[float] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    """The latest score of each questionnaire, newest first."""
    open_alerts: list[Alert] = field(default_factory=list)
    ruptures: list[Alert] = field(default_factory=list)
    """Rupture alerts raised in the period (from triage or from signals)."""
    measures: list[MeasureWeek] = field(default_factory=list)
    """The measures the content declares (bot.measures) that the patient answered, here or before."""
    low_feedback: list[str] = field(default_factory=list)
    """Low items of the period's latest session feedback ("heard 3/10"): worth a look, not an alert."""
    answered: int = 0
    """Answers recorded plus messages written in the period."""

    @property
    def name(self) -> str:
        return self.patient.name or self.patient.id

    @property
    def mood(self) -> float | None:
        return _mean(self.moods)

    @property
    def previous_mood(self) -> float | None:
        return _mean(self.previous_moods)

    @property
    def mood_trend(self) -> str:
        return _arrow(self.mood, self.previous_mood, MOOD_TREND_STEP)

    @property
    def exercise_trend(self) -> str:
        now, before = self.exercise.percent, self.previous_exercise.percent
        return _arrow(None if now is None else float(now), None if before is None else float(before),
                      ADHERENCE_TREND_STEP)

    @property
    def silent(self) -> bool:
        """Nothing from the patient in the whole period."""
        return self.answered == 0


async def patient_week(work: Work, patient: Patient, since: datetime, until: datetime) -> PatientWeek:
    """The period [since, until] and, for trends, the period of the same length before it."""
    return (await patient_weeks(work, [patient], since, until))[0]


async def patient_weeks(work: Work, patients: list[Patient], since: datetime, until: datetime) -> list[PatientWeek]:
    """`patient_week` of each patient, in order, from one query per kind of record for all of
    them: a group's page and its digest cost the same few queries for 5 patients or 30."""
    if not patients:
        return []
    ids = [p.id for p in patients]
    before = since - (until - since)
    daily = [str(d.get("dialogue")) for d in programme.programme(work).get("daily") or []]
    # Columns rather than whole rows where the figures need no more: a group's page reads
    # hundreds of these, and building an ORM object (and parsing its JSON) for each costs more
    # than the query.
    offered = _by_patient(await work.session.execute(select(
        ConversationRow.patient_id, ConversationRow.dialogue, ConversationRow.status, ConversationRow.started_at)
        .where(ConversationRow.patient_id.in_(ids), ConversationRow.dialogue.in_(daily),
               ConversationRow.status != "queued", ConversationRow.started_at >= before,
               ConversationRow.started_at <= until).order_by(ConversationRow.started_at)))
    recorded = _by_patient(await work.session.execute(select(Answer.patient_id, Answer.key, Answer.value, Answer.at)
                                                      .where(Answer.patient_id.in_(ids),
                                                             Answer.key.in_((EXERCISE_KEY, MOOD_KEY)),
                                                             Answer.at >= before, Answer.at <= until)
                                                      .order_by(Answer.at, Answer.id)))
    ranked = select(Score.id, func.row_number().over(
        partition_by=(Score.patient_id, Score.questionnaire), order_by=(Score.at.desc(), Score.id.desc()))
        .label("newest")).where(Score.patient_id.in_(ids)).subquery()
    scores = _by_patient(await work.session.scalars(select(Score).join(ranked, Score.id == ranked.c.id)
                                                    .where(ranked.c.newest == 1)
                                                    .order_by(Score.at.desc(), Score.id.desc())))
    open_alerts = _by_patient(await work.session.scalars(
        select(Alert).where(Alert.patient_id.in_(ids), Alert.status != "resolved").order_by(Alert.created_at)))
    ruptures = _by_patient(await work.session.scalars(
        select(Alert).where(Alert.patient_id.in_(ids), Alert.severity == "rupture",
                            Alert.created_at >= since, Alert.created_at <= until)
        .order_by(Alert.created_at)))
    answered = {key: n for key, n in await work.session.execute(select(Answer.patient_id, func.count(Answer.id)).where(
        Answer.patient_id.in_(ids), Answer.at >= since, Answer.at <= until).group_by(Answer.patient_id))}
    wrote = {key: n for key, n in await work.session.execute(select(Message.patient_id, func.count(Message.id)).where(
        Message.patient_id.in_(ids), Message.at >= since, Message.at <= until).group_by(Message.patient_id))}
    measured = await measure_weeks(work, patients, before, since, until)
    diaries = _diaries(work)
    weeks = []
    for patient in patients:
        rows = offered.get(patient.id, [])
        mine = recorded.get(patient.id, [])
        outcomes = [(a.at, str(a.value)) for a in mine if a.key == EXERCISE_KEY]
        moods = [(a.at, value) for a in mine if a.key == MOOD_KEY and (value := as_number(a.value)) is not None]
        current = [r for r in rows if r.started_at >= since]
        week = PatientWeek(patient=patient, since=since, until=until)
        checkins = [r for r in current if r.dialogue not in diaries]  # a diary is not a check-in
        week.checkins = len(checkins)
        week.checkins_done = sum(1 for r in checkins if r.status == "finished")
        week.exercise = adherence_of(patient, [r.started_at for r in current],
                                     [(at, v) for at, v in outcomes if at >= since])
        week.previous_exercise = adherence_of(patient, [r.started_at for r in rows if r.started_at < since],
                                              [(at, v) for at, v in outcomes if at < since])
        week.moods = [v for at, v in moods if at >= since]
        week.previous_moods = [v for at, v in moods if at < since]
        latest: dict[str, Score] = {}
        for score in scores.get(patient.id, []):
            latest.setdefault(score.questionnaire, score)
        week.scores = list(latest.values())
        feedback = latest.get(SESSION_FEEDBACK)
        if feedback is not None and since <= feedback.at <= until:
            week.low_feedback = signals.low_items(work, dict(feedback.answers or {}))
        week.open_alerts = open_alerts.get(patient.id, [])
        week.ruptures = ruptures.get(patient.id, [])
        week.answered = int(answered.get(patient.id) or 0) + int(wrote.get(patient.id) or 0)
        week.measures = measured.get(patient.id, [])
        weeks.append(week)
    return weeks


_Record = TypeVar("_Record")


def _by_patient(rows: Iterable[_Record]) -> dict[str, list[_Record]]:
    """Rows with a `patient_id` (records, or result rows selecting it), grouped by it, in the
    order they came."""
    out: dict[str, list[_Record]] = {}
    for row in rows:
        out.setdefault(row.patient_id, []).append(row)  # type: ignore[attr-defined]
    return out


def _diaries(work: Work) -> set[str]:
    """Daily dialogues that declare a measure, except the check-in itself (the first `daily`
    entry): a pain diary beside the check-in is not a second check-in."""
    daily = [str(d.get("dialogue")) for d in programme.programme(work).get("daily") or []]
    return measures.diaries(work.bundle) - set(daily[:1])


async def measure_weeks(work: Work, patients: list[Patient], before: datetime, since: datetime,
                        until: datetime) -> dict[str, list[MeasureWeek]]:
    """Each declared measure each patient answered in [before, until]: the period from `since`,
    the rest for the trend (by patient id; one query for all of them)."""
    declared = measures.declared(work.bundle)
    if not declared or not patients:
        return {}
    rows = await work.session.execute(select(Answer.patient_id, Answer.dialogue, Answer.key, Answer.value,
                                             Answer.at).where(
        Answer.patient_id.in_([p.id for p in patients]), Answer.key.in_({m.key for m in declared}),
        Answer.at >= before, Answer.at <= until).order_by(Answer.at, Answer.id))
    zones = {p.id: p for p in patients}
    by_measure: dict[str, dict[tuple[str, str], list[tuple[date, Any, bool]]]] = {}
    for patient_id, dialogue, key, value, at in rows:
        by_measure.setdefault(patient_id, {}).setdefault((dialogue, key), []).append(
            (_local_date(zones[patient_id], at), value, at >= since))
    return {patient_id: [measures.week_of(m, found[(m.dialogue, m.key)]) for m in declared
                         if (m.dialogue, m.key) in found]
            for patient_id, found in by_measure.items()}


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:(")
    return cut + "…"


def _score_text(score: Score) -> str:
    return f"{score.questionnaire} {score.score:g}" + (f" ({score.band})" if score.band else "")


def status_line(week: PatientWeek) -> str:
    """One line a busy clinician can read at a glance; the same on /patients and in the digest."""
    return f"{week.name}: " + " · ".join(status_parts(week))


def status_parts(week: PatientWeek) -> list[str]:
    parts = []
    exercise = f"exercise {week.exercise.text()}"
    if week.exercise.offered and week.previous_exercise.offered:
        exercise += f" {week.exercise_trend} (before {week.previous_exercise.did}/{week.previous_exercise.offered})"
    if week.exercise.skipped:
        exercise += f", {week.exercise.skipped} skipped"
    parts.append(exercise)
    parts.append(f"check-ins {week.checkins_done}/{week.checkins}")
    if week.mood is None:
        parts.append("mood –")
    elif week.previous_mood is None:
        parts.append(f"mood {week.mood:g}")
    else:
        parts.append(f"mood {week.mood:g} {week.mood_trend} (before {week.previous_mood:g})")
    if week.scores:
        parts.append(", ".join(_score_text(s) for s in week.scores[:2]))
    parts += [m.text() for m in week.measures if m.values]
    if week.low_feedback:
        parts.append("low session feedback: " + ", ".join(week.low_feedback))
    if week.open_alerts:
        counts = Counter(a.severity for a in week.open_alerts)
        parts.append("⚠ open alerts: " + ", ".join(f"{n} {sev}" for sev, n in sorted(counts.items())))
    if week.ruptures:
        listed = "; ".join(shorten(a.reason, RUPTURE_REASON_CHARS) for a in week.ruptures[-MAX_RUPTURES_LISTED:])
        more = len(week.ruptures) - MAX_RUPTURES_LISTED
        parts.append(f"ruptures {len(week.ruptures)}: {listed}" + (f" (+{more} more)" if more > 0 else ""))
    patient = week.patient
    if patient.crisis_open:
        parts.append("[crisis open, programme paused]")
    elif patient.status != "active":
        parts.append(f"[{patient.status}]")
    if week.silent:
        parts.append("❗ no answers")
    return parts


async def patient_status(work: Work, patient: Patient, since_days: int = STATUS_DAYS) -> str:
    """One line: adherence this week, latest mood and scores, open alerts."""
    week = await patient_week(work, patient, work.now - timedelta(days=since_days), work.now)
    return status_line(week)


# --- /groups, /patients, /alerts --------------------------------------------------------------


def _when(clinician: Clinician, moment: datetime) -> str:
    return clinician_time(clinician.timezone, moment)


async def group_members(work: Work, group_id: str) -> list[Patient]:
    """A group's patients as clinicians see them (erased ones left out), by name: for
    /patients, the digest and the dashboard alike."""
    return list(await work.session.scalars(
        select(Patient).where(Patient.group_id == group_id, Patient.status != "deleted")
        .order_by(Patient.name, Patient.id)))


async def show_groups(work: Work, clinician: Clinician) -> None:
    me = f"clinician:{clinician.id}"
    ids = await group_ids(work, clinician)
    if not ids:
        work.send(me, "You have no groups yet. An administrator assigns them (coachbot admin assign).")
        return
    assigned = set(await work.session.scalars(
        select(GroupClinician.group_id).where(GroupClinician.clinician_id == clinician.id)))
    lines = ["Your groups:"]
    for group_id in ids:
        group = await work.session.get(Group, group_id)
        members = await group_members(work, group_id)
        upcoming = await work.session.scalar(select(GroupSession.starts_at).where(
            GroupSession.group_id == group_id, GroupSession.starts_at > work.now)
            .order_by(GroupSession.starts_at).limit(1))
        alerts = await work.session.scalar(select(func.count(Alert.id)).where(
            Alert.group_id == group_id, Alert.status != "resolved"))
        name = group.name if group is not None and group.name and group.name != group_id else ""
        parts = [f"• {group_id}" + (f" – {name}" if name else "") + (" (you are the backup)"
                                                                       if group_id not in assigned else ""),
                 f"{len(members)} patient{'s' if len(members) != 1 else ''}",
                 f"next session {_when(clinician, upcoming)}" if upcoming else "no session planned"]
        if alerts:
            parts.append(f"⚠ {alerts} open alert{'s' if alerts != 1 else ''}")
        lines.append(" · ".join(parts))
    lines.append("/patients shows each patient; /alerts the open alerts.")
    work.send(me, "\n".join(lines))


async def show_patients(work: Work, clinician: Clinician, only: str = "") -> None:
    me = f"clinician:{clinician.id}"
    ids = await group_ids(work, clinician)
    if only:
        group = await _group_named(work, only)
        if group is None or group.id not in ids:
            _refuse(work, clinician, only, group_id=group.id if group else None)
            return
        ids = [group.id]
    lines = [f"Last {STATUS_DAYS} days; arrows compare with the {STATUS_DAYS} days before."]
    for group_id in ids:
        lines.append(f"\nGroup {group_id}:")
        members = await group_members(work, group_id)
        if not members:
            lines.append("• no patients yet")
        for patient in members:
            lines.append("• " + await patient_status(work, patient))
    if not ids:
        lines = ["You have no groups yet."]
    send_long(work, me, lines)


def _row_id(text: str) -> int | None:
    """A row id or page number from callback data: ASCII digits, within a 32-bit integer."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if number <= MAX_ROW_ID else None


def severity_rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, len(SEVERITY_RANK))


def alert_order(alert: Alert) -> tuple[int, datetime, int]:
    """Most urgent severity first; within one severity, the oldest (waiting longest) first."""
    return severity_rank(alert.severity), _aware(alert.created_at), alert.id or 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def ago(now: datetime, moment: datetime) -> str:
    """How long ago, in a few characters: "just now", "25 min ago", "3 h ago", "2 d ago"."""
    minutes = max(0, int((_aware(now) - _aware(moment)).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} d ago"


def alert_line(work: Work, clinician: Clinician, alert: Alert, name: str, number: int) -> str:
    """One line of /alerts: who, what, how long ago (and when, in the clinician's zone)."""
    what = shorten(" ".join(alert.reason.split()), ALERT_LINE_CHARS)
    status = "" if alert.status == "open" else f" [{alert.status}]"
    return (f"{number}. {escalation.SEVERITY_ICON.get(alert.severity, alert.severity)} {name}: {what} "
            f"— {ago(work.now, alert.created_at)} ({_when(clinician, alert.created_at)}){status}")


async def open_alerts(work: Work, clinician: Clinician) -> list[Alert]:
    """The clinician's groups' unresolved alerts, most urgent first, then oldest first."""
    groups = await group_ids(work, clinician)
    if not groups:
        return []
    rank = case(SEVERITY_RANK, value=Alert.severity, else_=len(SEVERITY_RANK))
    return list(await work.session.scalars(
        select(Alert).where(Alert.group_id.in_(groups), Alert.status != "resolved")
        .order_by(rank, Alert.created_at, Alert.id).limit(MAX_ALERTS_LISTED)))


async def show_alerts(work: Work, clinician: Clinician, page: int = 0) -> None:
    """One message: a line per open alert (most urgent, then oldest first), a button per alert
    to open it, and "More" buttons when there are more than ALERTS_PER_PAGE."""
    me = f"clinician:{clinician.id}"
    alerts = sorted(await open_alerts(work, clinician), key=alert_order)
    if not alerts:
        work.send(me, "No open alerts. 👍")
        return
    pages = (len(alerts) + ALERTS_PER_PAGE - 1) // ALERTS_PER_PAGE
    page = min(max(page, 0), pages - 1)
    first = page * ALERTS_PER_PAGE
    shown = alerts[first:first + ALERTS_PER_PAGE]
    heading = f"Open alerts: {len(alerts)}" + (" or more" if len(alerts) >= MAX_ALERTS_LISTED else "")
    heading += ", most urgent first, then the longest waiting"
    if pages > 1:
        heading += f" (page {page + 1} of {pages})"
    lines = [heading + ". Tap one to open it:"]
    buttons: list[list[dict[str, str]]] = []
    for number, alert in enumerate(shown, start=first + 1):
        patient = await work.session.get(Patient, alert.patient_id)
        name = patient.display_name if patient else alert.patient_id
        lines.append(alert_line(work, clinician, alert, name, number))
        dot = SEVERITY_DOT.get(alert.severity, "⚪")
        buttons.append([{"label": f"{dot} {number}. {shorten(name, 40)}", "data": f"{OPEN_ALERT}:{alert.id}"}])
    paging = []
    if page > 0:
        paging.append({"label": "◀ Previous", "data": f"{ALERTS_PAGE}:{page - 1}"})
    if page + 1 < pages:
        paging.append({"label": f"More ({len(alerts) - first - len(shown)}) ▶",
                       "data": f"{ALERTS_PAGE}:{page + 1}"})
    if paging:
        buttons.append(paging)
    send_long(work, me, lines, buttons=buttons)


async def open_alert(work: Work, clinician: Clinician, alert_id: int) -> None:
    """A press on an alert in /alerts: its full text with its buttons, as when it was raised.

    Only for the clinicians of the alert's group (or its backup); anything else gets the same
    answer as an alert that does not exist, and is audited."""
    me = f"clinician:{clinician.id}"
    alert = await work.session.get(Alert, alert_id)
    if alert is None or not await escalation.may_see(work, clinician.id, alert.group_id):
        work.audit(me, "refused", alert_id=alert_id, button="open",
                   reason="no such alert, or not assigned to the patient's group")
        work.callback_answer = "This button is no longer valid."
        return
    patient = await work.session.get(Patient, alert.patient_id)
    if patient is None:
        work.callback_answer = "This button is no longer valid."
        return
    work.audit(me, "viewed_alert", patient_id=alert.patient_id, alert_id=alert.id)
    text = escalation.alert_text(alert, patient, alert.group_id, _when(clinician, alert.created_at))
    if alert.status != "open":
        text += f"\nStatus: {alert.status}" + (f" ({_when(clinician, alert.resolved_at)})"
                                                if alert.status == "resolved" and alert.resolved_at else "")
    if alert.note:
        text += f"\nNote: {alert.note[:600]}"
    work.send(me, text, escalation.alert_buttons(alert.id), patient_id=alert.patient_id, alert_id=alert.id)


def send_long(work: Work, to: str, lines: list[str],
              buttons: list[list[dict[str, str]]] | None = None, **kwargs: Any) -> None:
    """Send lines as few messages as Telegram's length limit allows, split between lines;
    `buttons` go with the last message."""
    chunks: list[list[str]] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = line[:TEXT_LIMIT]
        if chunk and size + len(line) + 1 > TEXT_LIMIT:
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        chunks.append(chunk)
    for index, part in enumerate(chunks):
        work.send(to, "\n".join(part), buttons if index == len(chunks) - 1 else None, **kwargs)


# --- /patient NAME: summary and charts --------------------------------------------------------


async def show_patient(work: Work, clinician: Clinician, name: str) -> list[Chart]:
    """A summary text, then the charts as photos; returns the charts sent."""
    me = f"clinician:{clinician.id}"
    if not name:
        work.send(me, "Usage: /patient NAME (a name or id from /patients)")
        return []
    patient = await find_patient(work, clinician, name)
    if patient is None:
        return []
    summary = await patient_summary(work, clinician, patient)
    drawn = await draw(await chart_plans(work, patient))  # read and draw before any writes
    work.audit(me, "viewed_patient", patient_id=patient.id)
    send_long(work, me, summary)
    for chart in drawn:
        work.send(me, chart.caption, kind="photo", photo_path=str(chart.path), patient_id=patient.id)
    if not drawn:
        work.send(me, f"No charts for {patient.display_name} yet: no answers recorded.")
    return drawn


async def patient_summary(work: Work, clinician: Clinician, patient: Patient) -> list[str]:
    week = await patient_week(work, patient, work.now - timedelta(days=STATUS_DAYS), work.now)
    day = programme.programme_day(patient, work.now) + 1
    lines = [f"{week.name} — group {patient.group_id or '-'}, day {day} of the programme "
             f"(since {_local(patient, patient.enrolled_at):%d %b}), {patient.timezone}"]
    lines.append(f"Last {STATUS_DAYS} days: " + " · ".join(status_parts(week)))
    if week.scores:
        lines.append("Latest scores: " + "; ".join(
            f"{_score_text(s)} on {_local(patient, s.at):%d %b}" for s in week.scores))
    for measured in week.measures:
        lines.append(measure_line(measured))
    lines += await goals.clinician_lines(work, patient.id)
    for alert in week.open_alerts[-3:]:
        lines.append(f"{escalation.SEVERITY_ICON.get(alert.severity, alert.severity)} "
                     f"({_when(clinician, alert.created_at)}, {alert.status}): {shorten(alert.reason, 200)}")
    last = await work.session.scalar(select(Message).where(Message.patient_id == patient.id)
                                     .order_by(Message.at.desc(), Message.id.desc()).limit(1))
    if last is not None:
        lines.append(f"Last message ({_when(clinician, last.at)}): “{shorten(last.text, 300)}”")
    exercise = await programme.exercise_of_the_day(work, patient)
    if exercise:
        lines.append(f"Today's exercise: {exercise_title(work, exercise)}")
    return lines


def measure_line(week: MeasureWeek) -> str:
    """/patient's line for one declared measure: what it is, and the last 7 days."""
    measure = week.measure
    head = f"{measure.name} ({measure.scale_text}; from {measure.dialogue}): "
    if not week.values:
        return head + f"no answers in the last {STATUS_DAYS} days" + (
            f" (mean before: {week.previous_mean:g})" if week.previous_mean is not None else "")
    text = (f"mean {week.mean:g} from {len(week.values)} answer{'s' if len(week.values) != 1 else ''}, "
            f"{_and_range(week.values)}")
    if week.previous_mean is not None:
        text += f"; {week.trend} from {week.previous_mean:g} the {STATUS_DAYS} days before"
    if week.worst is not None:
        days = f"{week.crossed_days} day{'s' if week.crossed_days != 1 else ''}"
        text += f"; ⚑ {measure.threshold_text(week.worst)} on {days}"
    return head + text


def _and_range(values: list[float]) -> str:
    return f"all {values[0]:g}" if min(values) == max(values) else f"from {min(values):g} to {max(values):g}"


@dataclass
class ChartPlan:
    """One chart to draw: the drawing function and its data, read from the records first."""

    function: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


async def draw(plans: list[ChartPlan]) -> list[Chart]:
    """Drawing takes a moment of CPU: it runs off the event loop, so other chats carry on."""
    drawn = []
    for plan in plans:
        chart: Chart = await asyncio.to_thread(plan.function, *plan.args, **plan.kwargs)
        drawn.append(chart)
    return drawn


async def patient_charts(work: Work, patient: Patient) -> list[Chart]:
    """Mood, exercise per week, each questionnaire against its thresholds, session feedback.

    Only charts with something to show are drawn."""
    return await draw(await chart_plans(work, patient))


async def chart_plans(work: Work, patient: Patient) -> list[ChartPlan]:
    name = patient.display_name
    path = lambda kind: charts.new_chart_path(work.settings, patient.id, kind)  # noqa: E731
    plans: list[ChartPlan] = []
    moods = [(_local(patient, at), v) for at, v in _moods(await answers(work, patient, MOOD_KEY))]
    if moods:
        plans.append(ChartPlan(charts.mood_chart, (moods, f"{name}: mood over the programme", path("mood")),
                               {"events": await mood_events(work, patient)}))
    outcomes = [(a.at, str(a.value)) for a in await answers(work, patient, EXERCISE_KEY)]
    if outcomes:
        offered = [r.started_at for r in await offered_times(work, patient)]
        weeks = week_adherences(patient, offered, outcomes, work.now)
        plans.append(ChartPlan(charts.adherence_chart, (weeks, f"{name}: exercise per week", path("adherence"))))
    by_questionnaire: dict[str, list[Score]] = {}
    for score in await work.session.scalars(select(Score).where(Score.patient_id == patient.id)
                                            .order_by(Score.at, Score.id)):
        by_questionnaire.setdefault(score.questionnaire, []).append(score)
    newest_first = sorted((q for q in by_questionnaire if q != SESSION_FEEDBACK),
                          key=lambda q: by_questionnaire[q][-1].at, reverse=True)
    for qid in newest_first[:MAX_QUESTIONNAIRE_CHARTS]:
        spec = dict(work.bundle.questionnaires.get(qid) or {})
        title = charts.localized(spec.get("title")) or qid
        points = [(_local(patient, s.at), s.score) for s in by_questionnaire[qid]]
        marked, mark_label = charts.item_marks(spec, [s.answers or {} for s in by_questionnaire[qid]])
        plans.append(ChartPlan(charts.questionnaire_chart, (points, f"{name}: {title}", path(qid)), {
            "thresholds": charts.score_thresholds(spec), "bands": charts.score_bands(spec),
            "max_score": charts.max_score(spec), "ylabel": f"{title} score",
            "higher_is_better": charts.higher_is_better(spec), "marked": marked, "mark_label": mark_label}))
    feedback = by_questionnaire.get(SESSION_FEEDBACK)
    if feedback:
        plans.append(_feedback_plan(work, patient, feedback, path(SESSION_FEEDBACK)))
    plans += await measure_plans(work, patient, path)
    return plans


async def measure_plans(work: Work, patient: Patient, path: Any) -> list[ChartPlan]:
    """A chart per declared measure the patient answered, over the whole programme."""
    plans = []
    for measure in measures.declared(work.bundle):
        rows = await work.session.execute(select(Answer.value, Answer.at).where(
            Answer.patient_id == patient.id, Answer.dialogue == measure.dialogue, Answer.key == measure.key)
            .order_by(Answer.at, Answer.id))
        points = [(_local(patient, at), number) for value, at in rows
                  if (number := measure.value(value)) is not None]
        if points:
            title = f"{patient.display_name}: {measure.in_text}"
            plans.append(ChartPlan(charts.measure_chart, (points, title, path(f"measure-{measure.key}")), {
                "low": measure.low, "high": measure.high, "higher_is_better": measure.higher_is_better,
                "thresholds": [(t.at, t.name) for t in measure.thresholds], "ylabel": measure.name}))
    return plans


async def mood_events(work: Work, patient: Patient) -> list[tuple[datetime, str]]:
    """What the mood chart marks, in the patient's local time: their group's sessions so far,
    their crisis alerts, and the pauses they asked for (/pause)."""
    events: list[tuple[datetime, str]] = []
    if patient.group_id:
        for at in await work.session.scalars(select(GroupSession.starts_at).where(
                GroupSession.group_id == patient.group_id, GroupSession.starts_at >= patient.enrolled_at,
                GroupSession.starts_at <= work.now)):
            events.append((_local(patient, at), "session"))
    for at in await work.session.scalars(select(Alert.created_at).where(
            Alert.patient_id == patient.id, Alert.severity == "crisis")):
        events.append((_local(patient, at), "crisis"))
    for at in await work.session.scalars(select(AuditEntry.at).where(
            AuditEntry.patient_id == patient.id, AuditEntry.action == "paused")):
        events.append((_local(patient, at), "pause"))
    return sorted(events)


def _feedback_plan(work: Work, patient: Patient, scores: list[Score], path: Any) -> ChartPlan:
    spec = dict(work.bundle.questionnaires.get(SESSION_FEEDBACK) or {})
    items: dict[str, list[tuple[datetime, float]]] = {}  # item id -> ratings (ids are short legends)
    for score in scores:
        for item, value in (score.answers or {}).items():
            number = as_number(value)
            if number is not None:
                items.setdefault(item, []).append((_local(patient, score.at), number))
    overall = [(_local(patient, s.at), s.score) for s in scores]
    scale = charts.item_max(spec) or signals.DEFAULT_ITEM_MAX
    title = f"{patient.display_name}: session feedback"
    return ChartPlan(charts.feedback_chart, (items, overall, title, path),
                     {"scale_max": scale, "low_line": round(scale * signals.LOW_ITEM_SHARE, 1)})


# --- /message and /assign --------------------------------------------------------------------


async def send_message(work: Work, clinician: Clinician, arg: str) -> None:
    """A clinician's own words to one patient or a whole group, through the outbox."""
    me = f"clinician:{clinician.id}"
    usage = "Usage: /message GROUP|NAME your text — e.g. /message Maria See you on Monday!"
    if len(arg.split()) < 2:
        work.send(me, usage)
        return
    target, text = await resolve_target(work, clinician, arg, need_rest=True)
    if target is None:
        return
    text = text.strip()
    if not text:
        work.send(me, usage)
        return
    if len(text) > MAX_CLINICIAN_MESSAGE:
        work.send(me, f"That message is {len(text)} characters; the limit is {MAX_CLINICIAN_MESSAGE}. "
                  "Please shorten it or send it in parts.")
        return
    if target.patient is not None:
        members = [target.patient]
    else:
        assert target.group is not None
        members = await group_members(work, target.group.id)
    quiet_start, quiet_end = programme.quiet(work)
    sent, skipped, later = [], [], []
    for patient in members:
        name = patient.display_name
        if patient.status not in REACHABLE or patient.blocked:
            skipped.append(f"{name} ({'blocked the bot' if patient.blocked else patient.status})")
            continue
        goes_at = after_quiet_hours(patient.timezone, work.now, quiet_start, quiet_end)
        work.send(f"patient:{patient.id}", work.text(
            "clinician.message", patient.locale, "💬 From {clinician}, your care team:\n\n{message}",
            clinician=clinician.name, message=text),
            patient_id=patient.id, priority=PRIORITY_SCHEDULED if target.patient else PRIORITY_BULK,
            not_before=goes_at)
        if goes_at > work.now:
            local = goes_at.astimezone(zone(patient.timezone))
            later.append(f"{name} at {local:%H:%M} their time")
        work.audit(me, "clinician_message", patient_id=patient.id, chars=len(text),
                   to_group=target.group.id if target.group else None)
        sent.append(name)
    names = ", ".join(sent)
    reply = f"Sent to {names}." if sent else "Not sent: nobody in it can receive messages."
    if target.group is not None and sent:
        plural = "s" if len(sent) != 1 else ""
        reply = f"Sent to {len(sent)} member{plural} of group {target.group.id}: {names}."
    if later:
        reply += " Quiet hours: it reaches " + ", ".join(later) + "."
    if skipped:
        reply += " Not sent to " + ", ".join(skipped) + "."
    work.send(me, reply)


def exercise_title(work: Work, exercise_id: str) -> str:
    spec: dict[str, Any] = dict(work.bundle.exercises.get(exercise_id) or {})
    title = charts.localized(spec.get("title") or spec.get("name"))
    return f"{exercise_id} ({title})" if title and title != exercise_id else exercise_id


async def assign_exercises(work: Work, clinician: Clinician, arg: str) -> None:
    """Exercises for a group or one patient from the next prompt on, taken in turn each day."""
    me = f"clinician:{clinician.id}"
    library = sorted(work.bundle.exercises)
    choices = ", ".join(exercise_title(work, e) for e in library) or "none in the content library"
    usage = f"Usage: /assign GROUP|NAME ex1,ex2,... Exercises: {choices}"
    if len(arg.split()) < 2:
        work.send(me, usage)
        return
    target, rest = await resolve_target(work, clinician, arg, need_rest=True)
    if target is None:
        return
    chosen = [e for e in re.split(r"[,;\s]+", rest.strip()) if e]
    unknown = [e for e in chosen if e not in work.bundle.exercises]
    if not chosen or unknown:
        work.send(me, (f"Unknown exercise{'s' if len(unknown) != 1 else ''}: {', '.join(unknown)}. "
                       if unknown else "") + f"Choose from: {choices}.")
        return
    if len(chosen) > MAX_ASSIGNED_EXERCISES:
        work.send(me, f"At most {MAX_ASSIGNED_EXERCISES} exercises at a time, please.")
        return
    if target.patient is not None:
        patient_id, group_id = target.patient.id, target.patient.group_id
    else:
        assert target.group is not None
        patient_id, group_id = None, target.group.id
    existing = await work.session.scalar(select(ExerciseAssignment).where(
        ExerciseAssignment.starts_at == work.now,
        ExerciseAssignment.patient_id.is_(None) if patient_id is None else ExerciseAssignment.patient_id == patient_id,
        ExerciseAssignment.group_id == group_id))
    if existing is not None:
        existing.exercises, existing.created_by = chosen, clinician.id
    else:
        work.session.add(ExerciseAssignment(group_id=group_id, patient_id=patient_id, exercises=chosen,
                                            starts_at=work.now, created_by=clinician.id))
    work.audit(me, "exercises_assigned", patient_id=patient_id, group=group_id, exercises=chosen)
    who = target.label if target.patient else f"everyone in group {group_id} (unless a patient has their own)"
    order = " → ".join(exercise_title(work, e) for e in chosen)
    work.send(me, f"Done. From the next check-in, {who} gets one exercise a day, in turn: {order}.")


async def resume_patient(work: Work, clinician: Clinician, name: str) -> None:
    patient = await find_patient(work, clinician, name) if name else None
    if patient is None:
        if not name:
            work.send(f"clinician:{clinician.id}", "Usage: /resume NAME")
        return
    for alert in await work.session.scalars(select(Alert).where(
            Alert.patient_id == patient.id, Alert.severity == "crisis", Alert.status != "resolved")):
        alert.status, alert.resolved_at = "resolved", work.now
        work.audit(f"clinician:{clinician.id}", "resolved", patient_id=patient.id, alert_id=alert.id)
    await escalation.resume_after_crisis(work, patient, f"clinician:{clinician.id}")
    work.send(f"clinician:{clinician.id}", f"{patient.display_name}'s programme is running again.")


# --- the pre-session digest ------------------------------------------------------------------


@dataclass
class Digest:
    """What a digest says about a group's week; drawn once, sent to each clinician."""

    group_id: str
    starts_at: datetime
    since: datetime
    weeks: list[PatientWeek]
    chart: Chart | None = None
    first: bool = False
    """No earlier session: the figures cover the week before this one."""
    group_notes: list[signals.GroupNote] = field(default_factory=list)
    """Sessions in the period the whole group rated lower than usual (no per-patient alert)."""

    def lines(self, clinician: Clinician) -> list[str]:
        period = ("In the week before this first session" if self.first
                  else f"Since the last session ({_when(clinician, self.since)})")
        head = [f"📋 Group {self.group_id} — session {_when(clinician, self.starts_at)}.",
                f"{period}: exercise days done/offered, "
                "check-ins answered, mean mood (0–10)"
                + (", each measure's mean (⚑ past a threshold)"
                   if any(m.values for w in self.weeks for m in w.measures) else "")
                + "; arrows compare with the week before. "
                "Most at risk first (open alerts, silence, ruptures, low mood)."]
        if not self.weeks:
            return [*head, "No patients in this group yet."]
        body = ["• " + status_line(week) for week in self.weeks]  # most at risk first (risk_order)
        silent = [w.name for w in self.weeks if w.silent and w.patient.status not in ("stopped", "completed")]
        tail = [f"Not answered since the last session: {', '.join(silent)}." if silent
                else "Everyone answered at least once since the last session."]
        ruptures = sum(len(w.ruptures) for w in self.weeks)
        if ruptures:
            tail.append(f"Rupture signals since the last session: {ruptures}.")
        crossed = [f"{w.name}: {m.measure.in_text} {m.measure.threshold_text(m.worst)} on "
                   f"{m.crossed_days} day{'s' if m.crossed_days != 1 else ''}"
                   for w in self.weeks for m in w.measures if m.worst is not None]
        if crossed:
            tail.append("⚑ Past a threshold since the last session: " + "; ".join(crossed) + ".")
        tail += [note.text(_when(clinician, note.starts_at)) for note in self.group_notes]
        if any(w.open_alerts for w in self.weeks):
            tail.append("Open alerts: /alerts")
        return [*head, *body, *tail]


def risk_order(week: PatientWeek) -> tuple[int, int, int, int, float, str, str]:
    """The digest's order, most at risk first: an open crisis, then an open concern, then a
    rupture (open, or signalled in the period), then the rest; within each, those who said
    nothing in the period, then more rupture signals, then those past a measure's threshold
    (bot.measures), then lower mood; then by name."""
    ranks = [severity_rank(a.severity) for a in week.open_alerts]
    if week.patient.crisis_open:
        ranks.append(SEVERITY_RANK["crisis"])
    if week.ruptures:
        ranks.append(SEVERITY_RANK["rupture"])
    rank = min(ranks, default=len(SEVERITY_RANK))
    silent = 0 if week.silent and week.patient.status not in ("stopped", "completed") else 1
    mood = week.mood if week.mood is not None else float(MOOD_SCALE_MAX + 1)
    flagged = 0 if any(m.worst is not None for m in week.measures) else 1
    return rank, silent, -len(week.ruptures), flagged, mood, week.name.lower(), week.patient.id


async def build_digest(work: Work, session: GroupSession) -> Digest:
    """The figures for the period since the previous session (or the week before this one)."""
    previous = await work.session.scalar(select(GroupSession.starts_at).where(
        GroupSession.group_id == session.group_id, GroupSession.starts_at < session.starts_at)
        .order_by(GroupSession.starts_at.desc()).limit(1))
    since = previous or session.starts_at - timedelta(days=STATUS_DAYS)
    until = min(work.now, session.starts_at)
    weeks = await patient_weeks(work, await group_members(work, session.group_id), since, until)
    weeks.sort(key=risk_order)
    return Digest(group_id=session.group_id, starts_at=session.starts_at, since=since, weeks=weeks,
                  first=previous is None,
                  group_notes=await signals.group_feedback_notes(work, session.group_id, since, until))


async def digest_chart(work: Work, digest: Digest) -> Chart | None:
    if not digest.weeks:
        return None
    members = [MemberWeek(name=w.name, did=w.exercise.did, offered=w.exercise.offered, mood=w.mood,
                          previous_mood=w.previous_mood) for w in digest.weeks]
    path = charts.new_chart_path(work.settings, f"group-{digest.group_id}", "digest")
    title = f"Group {digest.group_id}: the week since the last session"
    return (await draw([ChartPlan(charts.group_chart, (members, title, path))]))[0]


async def run_digest(work: Work, session_id: int) -> Digest | None:
    """Before each group session: one line per member and a chart, to every clinician of the group."""
    session = await work.session.get(GroupSession, session_id)
    if session is None:
        return None
    digest = await build_digest(work, session)
    digest.chart = await digest_chart(work, digest)
    for clinician in await escalation.group_clinicians(work, session.group_id):
        to = f"clinician:{clinician.id}"
        send_long(work, to, digest.lines(clinician))
        if digest.chart is not None:
            work.send(to, digest.chart.caption, kind="photo", photo_path=str(digest.chart.path))
        work.audit("coachbot", "digest_sent", clinician=clinician.id, group=session.group_id,
                   session=session.id)
    return digest
