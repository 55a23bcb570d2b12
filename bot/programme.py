"""The patient programme in time: enrolment, daily prompts, questionnaires on their days,
gentle reminders, group sessions, and the patient's own controls (/pause, /stop, ...).

What runs when is content (`content/programme.yaml`); this module only carries it out in each
patient's own time zone, outside quiet hours unless the patient chose the time.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from bot import daily_batch, goals, signals
from bot.content.bundle import Bundle
from bot.conversations import (
    CHAIN_VAR,
    CHAINED_VAR,
    _queued,
    active_conversation,
    ask_again,
    context_of,
    forget_open,
    set_aside,
    start_dialogue,
)
from bot.engine.engine import render
from bot.isotime import parse_duration
from bot.safety.escalation import after_their_quiet_hours, reachable_clinicians
from bot.storage.lists import in_list
from bot.storage.models import (
    Alert,
    Answer,
    AuditEntry,
    Clinician,
    ConversationRow,
    ExerciseAssignment,
    Group,
    GroupSession,
    InboxUpdate,
    Invite,
    Message,
    Outbox,
    Patient,
    Score,
)
from bot.timeutil import (
    after_quiet_hours,
    before_quiet_hours,
    day_and_time,
    in_quiet_hours,
    next_local,
    parse_hhmm,
    resolve_zone,
    zone,
)
from bot.work import Work

log = logging.getLogger(__name__)

DEFAULT_PROGRAMME: dict[str, Any] = {
    "daily": [{"dialogue": "daily_checkin"}],
    "every": [],
    "weeks": {},
    "sessions": {"reminder_before": "PT2H", "reminder_message": "session.reminder",
                 "feedback_dialogue": "session_feedback", "feedback_after": "PT1H"},
    "reminders": {"unanswered_after": "PT3H", "unanswered_message": "system.reminder",
                  "missed_days_nudge": 2, "nudge_message": "system.nudge"},
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "budget": {"unprompted_per_day": 6},
    "length_weeks": 12,
    "goals": {"dialogue": "goals", "review": "goal_review", "every_days": 7, "first_day": 7},
    "ending": {"dialogue": "programme_ending", "message": "system.programme_over"},
}
MAX_PAUSE_DAYS = 60
ERASE_CONFIRM_MINUTES = 30
"""How long /delete's "Yes, erase my data" button stays valid."""


# Statements every daily job runs, built once (building one costs more than running it cached).
ASSIGNMENT = (select(ExerciseAssignment).where(
    ExerciseAssignment.starts_at <= bindparam("now"),
    (ExerciseAssignment.patient_id == bindparam("patient_id"))
    | ((ExerciseAssignment.group_id == bindparam("group_id")) & ExerciseAssignment.patient_id.is_(None)),
).order_by(ExerciseAssignment.patient_id.is_(None), ExerciseAssignment.starts_at.desc()).limit(1))
OFFERED = (select(ConversationRow.started_at).where(
    ConversationRow.patient_id == bindparam("patient_id"),
    in_list(ConversationRow.dialogue, "dialogues"),
    ConversationRow.started_at >= bindparam("since"),
).order_by(ConversationRow.started_at.desc()))
ANSWERED = select(Answer.at).where(
    Answer.patient_id == bindparam("patient_id"), in_list(Answer.dialogue, "dialogues"),
    Answer.at >= bindparam("since"))


_SPEC: list[Any] = [None, {}]
"""The last bundle's programme: a daily job asks for it about sixteen times."""


def programme(work: Work, patient: Patient | None = None) -> dict[str, Any]:
    bundle = work.bundle
    if _SPEC[0] is not bundle:
        spec = dict(DEFAULT_PROGRAMME)
        found = bundle.programmes.get("default") or next(iter(bundle.programmes.values()), None)
        if found:
            spec.update({k: v for k, v in found.items() if v is not None})
        _SPEC[:] = [bundle, spec]
    return dict(_SPEC[1])


def goals_spec(work: Work) -> dict[str, Any]:
    """`goals:` in content/programme.yaml, with its defaults filled in."""
    spec = {**DEFAULT_PROGRAMME["goals"], **(programme(work).get("goals") or {})}
    return {**spec, "dialogue": str(spec["dialogue"]), "review": str(spec["review"])}


def ending_spec(work: Work) -> dict[str, Any]:
    """`ending:` in content/programme.yaml, with its defaults filled in."""
    spec = {**DEFAULT_PROGRAMME["ending"], **(programme(work).get("ending") or {})}
    return {**spec, "dialogue": str(spec["dialogue"]), "message": str(spec["message"])}


def length_weeks(work: Work) -> int:
    try:
        return max(1, int(programme(work).get("length_weeks") or 12))
    except (TypeError, ValueError):
        return 12


def length_days(work: Work) -> int:
    """The programme's days: day 0 (enrolment) to this minus one, the look-back's day."""
    return 7 * length_weeks(work)


def _duration(value: Any, default: str) -> timedelta:
    try:
        return parse_duration(str(value or default))
    except Exception:
        return parse_duration(default)


def quiet(work: Work) -> tuple[str, str]:
    hours = programme(work).get("quiet_hours") or {}
    return str(hours.get("start", "21:00")), str(hours.get("end", "08:00"))


def is_running(patient: Patient, now: datetime) -> bool:
    """Whether automated prompts go to this patient right now."""
    if patient.crisis_open or patient.status in ("stopped", "deleted", "onboarding", "completed"):
        return False
    if patient.status == "paused":
        return bool(patient.paused_until and patient.paused_until <= now)
    return True


def daily_key(patient_id: str, due: datetime) -> str:
    """The daily job's unique key: one job per patient and check-in time."""
    return f"daily:{patient_id}:{due.isoformat()}"


async def schedule_daily(work: Work, patient: Patient, after: datetime | None = None) -> None:
    due = next_local(patient.timezone, patient.checkin_time, after or work.now)
    await work.schedule("daily", due, patient_id=patient.id, unique_key=daily_key(patient.id, due))


async def schedule_group_sessions(work: Work, group: Group) -> None:
    spec = programme(work).get("sessions") or {}
    before = _duration(spec.get("reminder_before"), "PT2H")
    after = _duration(spec.get("feedback_after"), "PT1H")
    sessions = await work.session.scalars(select(GroupSession).where(GroupSession.group_id == group.id))
    start, end = quiet(work)
    group_members = await members(work, group.id)
    for session in sessions:
        remind_at = session.starts_at - before
        if remind_at > work.now:
            await work.schedule("session_reminder", remind_at,
                                unique_key=f"session_reminder:{session.id}", session_id=session.id)
        for patient in group_members:  # a reminder due at their night goes out the evening before
            early = before_quiet_hours(patient.timezone, remind_at, start, end)
            if early != remind_at and early > work.now:
                await work.schedule("session_reminder", early, patient_id=patient.id, session_id=session.id,
                                    unique_key=f"session_reminder:{session.id}:{patient.id}")
        if session.starts_at + after > work.now:
            await work.schedule("session_feedback", session.starts_at + after,
                                unique_key=f"session_feedback:{session.id}", session_id=session.id)
        digest_at = session.starts_at - timedelta(hours=work.settings.digest_hours_before)
        if digest_at > work.now:
            await work.schedule("digest", digest_at, unique_key=f"digest:{session.id}",
                                session_id=session.id)


def programme_day(patient: Patient, now: datetime) -> int:
    tz = zone(patient.timezone)
    return (now.astimezone(tz).date() - patient.enrolled_at.astimezone(tz).date()).days


async def exercise_of_the_day(work: Work, patient: Patient) -> str | None:
    """A clinician's assignment (patient before group, newest first), else the programme's week."""
    known = daily_batch.assignment(work, patient)
    if known is None:
        assignment = await work.session.scalar(
            ASSIGNMENT, {"now": work.now, "patient_id": patient.id, "group_id": patient.group_id})
    else:
        assignment = known[0] if known else None
    day = max(0, programme_day(patient, work.now))
    if assignment is not None and assignment.exercises:
        return str(assignment.exercises[day % len(assignment.exercises)])
    weeks = programme(work).get("weeks") or {}
    if not weeks:
        return next(iter(sorted(work.bundle.exercises)), None)
    keys = sorted(weeks, key=lambda k: int(k))
    week = keys[(day // 7) % len(keys)]
    todays = weeks[week] or []
    return str(todays[day % len(todays)]) if todays else None


async def prompt(work: Work, patient: Patient, dialogue: str,
                 then: list[dict[str, Any]] | None = None, variables: dict[str, Any] | None = None) -> None:
    """Start a scheduled dialogue with the day's variables, and its one gentle reminder;
    `then`: the rest of the day's chain, started when this one finishes (`continue_chain`)."""
    variables = {"exercise": await exercise_of_the_day(work, patient), **(variables or {})}
    if dialogue in (goals_spec(work)["review"], goals_spec(work)["dialogue"]):
        variables.update(await goals.dialogue_vars(work, patient, review=dialogue == goals_spec(work)["review"]))
    elif dialogue == ending_spec(work)["dialogue"]:
        from bot import ending

        variables.update(await ending.dialogue_vars(work, patient))
        await ending.send_picture(work, patient)
    if then is not None:
        variables[CHAIN_VAR] = then
    row = await start_dialogue(work, patient, dialogue, variables)
    if row is not None and row.status == "active":
        spec = programme(work).get("reminders") or {}
        due = work.now + _duration(spec.get("unanswered_after"), "PT3H")
        if row.id is None and (batch := daily_batch.of(work, patient.id)) is not None:
            batch.reminders.append((due, patient.id, row, row.seq))  # scheduled with the batch's ids
            return
        if row.id is None:  # started just now: the reminder names it by id
            await work.session.flush()
        await work.schedule("reminder", due, patient_id=patient.id, conversation_id=row.id, seq=row.seq)


# --- the daily message budget ---------------------------------------------------------------
#
# What the bot starts on its own (the check-in, the exercise, questionnaires, authors' daily
# dialogues, reminders, nudges, encouragement) counts against a patient's daily budget
# (`budget: unprompted_per_day` in content/programme.yaml); replies, the safety response,
# crisis paths and anything about group sessions never count and are never held. Each thing
# started counts once (a dialogue's opening turn; a reminder with its question repeated).
# What does not fit is dropped by priority, lowest first; a questionnaire waits for the next
# day instead (up to HOLD_DAYS). The day's dialogues run as one chain, each starting when
# the one before finishes; the chain's remainder rides in the running conversation's vars.

KINDS = ("questionnaire", "checkin", "exercise", "encouragement")
"""Budgeted kinds, highest priority first (safety and session messages are never budgeted)."""
SPENT = "unprompted"
HELD = "unprompted_held"
DROPPED = "unprompted_dropped"
HOLD_DAYS = 3


def daily_budget(work: Work) -> int:
    spec = programme(work).get("budget") or {}
    try:
        return max(0, int(spec.get("unprompted_per_day", 6)))
    except (TypeError, ValueError):
        return 6


def _midnight(patient: Patient, now: datetime) -> datetime:
    tz = zone(patient.timezone)
    local = now.astimezone(tz)
    return datetime.combine(local.date(), datetime.min.time(), tzinfo=tz)


async def spent_today(work: Work, patient: Patient) -> int:
    """Unprompted messages this patient had today (their own day), counted in the audit log
    (this transaction's too: queued rows are written before any query, bot.storage.queued)."""
    if (batch := daily_batch.of(work, patient.id)) is not None:
        midnight = _midnight(patient, work.now)
        return sum(1 for at in batch.spent.get(patient.id, []) if at >= midnight)
    counted = await work.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.patient_id == patient.id, AuditEntry.action == SPENT,
        AuditEntry.at >= _midnight(patient, work.now)))
    return int(counted or 0)


def spend(work: Work, patient: Patient, kind: str, what: str) -> None:
    if (batch := daily_batch.of(work, patient.id)) is not None:
        batch.spent.setdefault(patient.id, []).append(work.now)
    work.audit("coachbot", SPENT, patient_id=patient.id, kind=kind, what=what)


async def fits(work: Work, patient: Patient, kind: str, what: str) -> bool:
    """Count one unprompted message if today's budget has room; else hold or drop it."""
    if await spent_today(work, patient) < daily_budget(work):
        spend(work, patient, kind, what)
        return True
    left_out(work, patient, kind, what)
    return False


def left_out(work: Work, patient: Patient, kind: str, what: str, first_held: str | None = None) -> None:
    """A questionnaire waits for the next day (up to HOLD_DAYS); anything else is dropped."""
    first = first_held or work.now.isoformat()
    if kind == "questionnaire" and work.now - datetime.fromisoformat(first) < timedelta(days=HOLD_DAYS):
        work.audit("coachbot", HELD, patient_id=patient.id, kind=kind, what=what, first_held=first)
    else:
        work.audit("coachbot", DROPPED, patient_id=patient.id, kind=kind, what=what)


def kind_of(work: Work, dialogue: str) -> str | None:
    """The budget kind of a dialogue the programme starts; None: never budgeted (session)."""
    spec = programme(work)
    if dialogue == str((spec.get("sessions") or {}).get("feedback_dialogue", "session_feedback")):
        return None
    if any(str(item.get("dialogue")) == dialogue for item in spec.get("every") or []):
        return "questionnaire"
    if dialogue in (goals_spec(work)["review"], ending_spec(work)["dialogue"]):
        return "questionnaire"
    for item in spec.get("daily") or []:
        if str(item.get("dialogue")) == dialogue:
            return str(item.get("kind") or "checkin")
    return "exercise" if dialogue == exercise_dialogue(work) else "checkin"


async def _later_today(work: Work, patient: Patient) -> bool:
    """Whether a dialogue is still scheduled for the rest of the patient's day (an entry with
    its own time): then that one's end says the day's last word."""
    from bot.storage.models import Job

    midnight = _midnight(patient, work.now) + timedelta(days=1)
    found = await work.session.scalar(select(Job.id).where(
        Job.patient_id == patient.id, Job.kind == "dialogue", Job.status == "pending",
        Job.due_at > work.now, Job.due_at < midnight).limit(1))
    return found is not None


async def resume_fits(work: Work, patient: Patient, dialogue: str) -> bool:
    """Picking up a set-aside programme dialogue ("shall we pick up where we left off?") is
    unprompted too; others (a repair conversation, onboarding) are the patient's own."""
    spec = programme(work)
    ours = {str(item.get("dialogue")) for key in ("daily", "every") for item in spec.get(key) or []}
    ours |= {goals_spec(work)["review"], ending_spec(work)["dialogue"]}
    if dialogue not in ours | {exercise_dialogue(work)}:
        return True
    kind = kind_of(work, dialogue)
    return kind is None or await fits(work, patient, kind, dialogue)


def exercise_dialogue(work: Work) -> str:
    return str(programme(work).get("exercise_dialogue") or "daily_exercise")


async def _held_over(work: Work, patient: Patient) -> list[dict[str, Any]]:
    """Questionnaires held back on an earlier day, oldest first, once each."""
    since, midnight = work.now - daily_batch.HELD_SINCE, _midnight(patient, work.now)
    rows: Iterable[AuditEntry]
    if (batch := daily_batch.of(work, patient.id)) is not None:
        rows = [row for row in batch.held.get(patient.id, []) if since <= row.at < midnight]
    else:
        rows = await work.session.scalars(select(AuditEntry).where(
            AuditEntry.patient_id == patient.id, AuditEntry.action == HELD,
            AuditEntry.at >= since, AuditEntry.at < midnight).order_by(AuditEntry.id))
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        detail = row.detail or {}
        out.setdefault(str(detail.get("what")), {"dialogue": str(detail.get("what")), "kind": "questionnaire",
                                                 "first_held": detail.get("first_held")})
    return list(out.values())


def day_plan(work: Work, patient: Patient, day: int) -> list[dict[str, Any]]:
    """The day's dialogues in chain order: the check-in (the first `daily` entry), entries
    `after: checkin`, the exercise it starts, entries `after: exercise` (the default), then the
    questionnaires due today. Entries with their own time (`at: "HH:MM"`) come last, marked."""
    spec = programme(work)
    daily = [dict(item) for item in spec.get("daily") or [] if item.get("dialogue")]
    first, rest = daily[:1], daily[1:]
    plan: list[dict[str, Any]] = [{"dialogue": str(item["dialogue"]), "kind": str(item.get("kind") or "checkin")}
                                  for item in first]
    plan += [{"dialogue": str(item["dialogue"]), "kind": str(item.get("kind") or "checkin")}
             for item in rest if item.get("after") == "checkin" and not item.get("at")]
    if first:
        plan.append({"dialogue": exercise_dialogue(work), "kind": "exercise", "slot": True})
    plan += [{"dialogue": str(item["dialogue"]), "kind": str(item.get("kind") or "checkin")}
             for item in rest if item.get("after") != "checkin" and not item.get("at")]
    for item in spec.get("every") or []:
        start, every = int(item.get("first_day", 0)), max(1, int(item.get("days", 7)))
        if day >= start and (day - start) % every == 0:
            plan.append({"dialogue": str(item.get("dialogue")), "kind": "questionnaire"})
    last_day = length_days(work) - 1
    review = goals_spec(work)
    start, every = int(review.get("first_day", 7)), max(1, int(review.get("every_days", 7)))
    if start <= day < last_day and (day - start) % every == 0 and review["review"] in work.bundle.dialogues:
        plan.append({"dialogue": review["review"], "kind": "questionnaire", "goals": True})
    if day == last_day and ending_spec(work)["dialogue"] in work.bundle.dialogues:
        plan.append({"dialogue": ending_spec(work)["dialogue"], "kind": "questionnaire"})
    plan += [{"dialogue": str(item["dialogue"]), "kind": str(item.get("kind") or "checkin"),
              "at": str(item["at"])} for item in rest if item.get("at")]
    return plan


def within_budget(items: list[dict[str, Any]], room: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept, left out): the `room` items of highest priority (earlier first among equals),
    in their own order."""
    rank = {kind: n for n, kind in enumerate(KINDS)}
    order = sorted(range(len(items)), key=lambda n: (rank.get(items[n]["kind"], len(KINDS)), n))
    keep = set(order[:max(0, room)])
    return ([item for n, item in enumerate(items) if n in keep],
            [item for n, item in enumerate(items) if n not in keep])


async def run_daily(work: Work, patient: Patient) -> None:
    """The patient's daily job: today's prompts within the budget, then tomorrow's job. After
    the programme's last day: the look-back if it never ran, else the programme ends."""
    if patient.status == "completed":
        return
    await schedule_daily(work, patient, work.now + timedelta(minutes=1))
    if patient.status == "paused" and patient.paused_until and patient.paused_until <= work.now:
        patient.status, patient.paused_until = "active", None
        work.audit("coachbot", "pause_ended", patient_id=patient.id)
    if not is_running(patient, work.now):
        return
    day = programme_day(patient, work.now)
    if day >= length_days(work):
        await after_the_end(work, patient)
        return
    nudge = await check_missed_days(work, patient)
    cheer = await encouragement(work, patient)
    plan = day_plan(work, patient, day)
    if any(item.get("goals") for item in plan) and not await goals.current_goals(work, patient.id):
        plan = [item for item in plan if not item.get("goals")]  # nothing to review
    todays = {item["dialogue"] for item in plan}
    held = [item for item in await _held_over(work, patient) if item["dialogue"] not in todays]
    timed = [item for item in plan if item.get("at")]
    chain = [item for item in plan if not item.get("at")]
    chain += held  # questionnaires held back yesterday, after today's
    items = ([{"dialogue": "", "kind": "checkin", "nudge": True}] if nudge else []) \
        + ([{"dialogue": "", "kind": "encouragement", "cheer": True}] if cheer else []) + chain + timed
    kept, out = within_budget(items, daily_budget(work) - await spent_today(work, patient))
    for item in out:
        left_out(work, patient, item["kind"], item["dialogue"] or ("nudge" if item.get("nudge") else "encouragement"),
                 item.get("first_held"))
    to = f"patient:{patient.id}"
    if nudge and any(item.get("nudge") for item in kept):
        spend(work, patient, "checkin", "nudge")
        work.send(to, nudge, patient_id=patient.id)
    if cheer and any(item.get("cheer") for item in kept):
        spend(work, patient, "encouragement", "encouragement")
        work.send(to, cheer, patient_id=patient.id)
    for item in kept:
        if item.get("at") and parse_hhmm(str(item["at"])) is not None:
            due = next_local(patient.timezone, str(item["at"]), _midnight(patient, work.now))
            if work.now < due < work.now + timedelta(days=1):
                await work.schedule("dialogue", due, patient_id=patient.id, dialogue=item["dialogue"],
                                    unique_key=f"dialogue:{patient.id}:{item['dialogue']}:{due.isoformat()}")
    # a left-out exercise keeps its place, marked, so the check-in's own `start:` is let go
    chain = [item for item in items if item in kept or item.get("slot")]
    chain = [dict(item, skip=True) if item.get("slot") and item not in kept else item
             for item in chain if item["dialogue"] and not item.get("at")]
    await continue_chain(work, patient, chain, [], first=True)


async def continue_chain(work: Work, patient: Patient, chain: list[dict[str, Any]],
                         started: list[Any], *, first: bool = False, chained: bool = False) -> bool:
    """Start the chain's next dialogue, each counted against the budget (one that no longer
    fits is held or dropped). `started`: the dialogues the one that just finished starts itself
    (its content's `start:`): one the chain keeps a place for takes that place (or is let go if
    the budget left it out); others start at once. The chain's end brings the day's closing
    line (`closing: message`) when more than one dialogue ran (`chained`: the one that just
    finished was not the day's first; a declined check-in says its own goodbye), unless
    something still waits today (a set-aside conversation, an entry with its own time). True
    when a dialogue of the chain started."""
    if patient.crisis_open or patient.status == "completed":
        return False  # nothing of the programme while a crisis case is open, or after its end
    rest = [dict(item) for item in chain]
    for event in started:
        place = next((n for n, item in enumerate(rest) if item.get("slot") and "vars" not in item
                      and item["dialogue"] == event.dialogue), None)
        if place is None:
            await start_dialogue(work, patient, event.dialogue, event.vars)
        elif rest[place].get("skip"):
            rest.pop(place)
        else:
            rest[place]["vars"] = dict(event.vars or {})
    if not first:  # a place nobody filled: the check-in did not go on to the exercise
        rest = [item for item in rest if not item.get("slot") or "vars" in item]
    while rest:
        item = rest.pop(0)
        if item.get("slot") and "vars" not in item:
            continue  # (only at the day's start, before the check-in: nothing fills it)
        if not await fits(work, patient, item["kind"], item["dialogue"]):
            continue
        variables = dict(item.get("vars") or {})
        if not first:
            variables[CHAINED_VAR] = True
        await prompt(work, patient, item["dialogue"], then=rest, variables=variables)
        return True
    if chained and not await _queued(work, patient.id) and not await _later_today(work, patient):
        closing = (programme(work).get("closing") or {}).get("message")
        if closing:
            work.send(f"patient:{patient.id}", work.text(str(closing), patient.locale, "See you tomorrow, {name}!",
                                                         **context_of(patient)), patient_id=patient.id)
    return False


# --- the end of the programme ----------------------------------------------------------------


async def after_the_end(work: Work, patient: Patient) -> None:
    """The day after the programme's last: a look-back that never started (it did not fit the
    last day's budget, or the patient joined late) starts now; otherwise the programme ends,
    with a goodbye for a patient who never answered the look-back."""
    dialogue = ending_spec(work)["dialogue"]
    started = await work.session.scalar(select(ConversationRow.id).where(
        ConversationRow.patient_id == patient.id, ConversationRow.dialogue == dialogue).limit(1))
    if started is None and dialogue in work.bundle.dialogues and \
            programme_day(patient, work.now) < length_days(work) + HOLD_DAYS:
        if await fits(work, patient, "questionnaire", dialogue):
            await prompt(work, patient, dialogue)
            return
    await complete(work, patient, farewell=True)


async def complete(work: Work, patient: Patient, *, farewell: bool = False) -> None:
    """The programme has ended for this patient: no more daily prompts, reminders or nudges
    (safety triage still reads whatever they write, and their commands still work)."""
    from bot.storage.models import Job

    if patient.status in ("completed", "stopped", "deleted"):
        return
    patient.status = "completed"
    for job in await work.session.scalars(select(Job).where(
            Job.patient_id == patient.id, Job.status == "pending", Job.kind.in_(("daily", "dialogue", "reminder")))):
        job.status = "cancelled"
    work.audit(f"patient:{patient.id}", "programme_completed", patient_id=patient.id)
    if farewell:
        spend(work, patient, "checkin", "farewell")  # counted, never dropped: it is the last word
        work.send(f"patient:{patient.id}", work.text(
            ending_spec(work)["message"], patient.locale, "Our {weeks} weeks together have ended, {name}. "
            "Thank you for all you put into them. Take good care.", **context_of(patient),
            weeks=length_weeks(work)), patient_id=patient.id)


async def finished_dialogue(work: Work, patient: Patient, row: ConversationRow) -> None:
    """What a finished goals, goal review or look-back conversation changes (bot.conversations)."""
    variables = dict(row.vars or {})
    if row.dialogue == goals_spec(work)["dialogue"]:
        await goals.save_goals(work, patient, variables)
    elif row.dialogue == goals_spec(work)["review"]:
        await goals.save_ratings(work, patient, variables)
    elif row.dialogue == ending_spec(work)["dialogue"]:
        await complete(work, patient)
        if variables.get("ending.data") == "erase":
            ask_to_erase(work, patient)  # the /delete question: erased only when confirmed


async def encouragement(work: Work, patient: Patient) -> str | None:
    """For groups that opted in: how many members did an exercise in the last day, never who
    (the text; run_daily sends it if the budget has room). Nothing is said on a day nobody did
    one: a nudge, not a reproach."""
    group = await work.session.get(Group, patient.group_id) if patient.group_id else None
    key = (programme(work).get("encouragement") or {}).get("message")
    if group is None or not group.encouragement or not key:
        return None
    since = work.now - daily_batch.EXERCISE_SINCE
    batch = daily_batch.of(work, patient.id)
    if batch is not None and group.id in batch.members:
        everyone = [p.id for p in batch.members[group.id] if p.status in ("active", "paused")]
        did = {who for who in everyone for value, at in batch.exercises.get(who, [])
               if at >= since and value in signals.EXERCISE_DID}
    else:
        everyone = [p.id for p in await members(work, group.id) if p.status in ("active", "paused")]
        outcomes = await work.session.execute(
            select(Answer.patient_id, Answer.value).where(
                Answer.patient_id.in_(everyone), Answer.key == signals.EXERCISE_KEY, Answer.at >= since))
        did = {who for who, value in outcomes if value in signals.EXERCISE_DID}
    if len(everyone) < 2 or not did:
        return None
    return work.text(str(key), patient.locale, "{count} of {total} of your group did an exercise yesterday.",
                     count=len(did), total=len(everyone))


async def check_missed_days(work: Work, patient: Patient) -> str | None:
    """After N missed days in a row: one kind nudge (its text, for run_daily to send if the
    budget has room), and the clinician hears of it (always).

    Counted in the patient's own days on which a check-in was offered (paused days are not
    missed ones); a day counts as answered when any of its check-in questions was answered,
    so a half-finished check-in, or a second prompt after /time, is not "missed"."""
    from bot.safety.escalation import raise_alert

    spec = programme(work).get("reminders") or {}
    daily, limit = missed_days_spec(work)
    tz = zone(patient.timezone)
    today = work.now.astimezone(tz).date()
    offered_since, answered_since = work.now - timedelta(days=limit + 14), work.now - timedelta(days=limit + 15)
    batch = daily_batch.of(work, patient.id)
    if batch is not None and batch.missed_spec != (tuple(daily), limit):
        batch = None  # (content changed since the batch was read)
    offered: Iterable[datetime]
    if batch is not None:
        offered = [at for at in batch.offered.get(patient.id, []) if at >= offered_since]
    else:
        offered = await work.session.scalars(OFFERED, {
            "patient_id": patient.id, "dialogues": daily, "since": offered_since})
    days = sorted({at.astimezone(tz).date() for at in offered} - {today}, reverse=True)[:limit + 1]
    if not days:
        return None
    answered_at: Iterable[datetime]
    if batch is not None:
        answered_at = [at for at in batch.answered.get(patient.id, []) if at >= answered_since]
    else:
        answered_at = await work.session.scalars(ANSWERED, {
            "patient_id": patient.id, "dialogues": daily, "since": answered_since})
    answered = {at.astimezone(tz).date() for at in answered_at}
    missed = 0
    for day in days:
        if day in answered:
            break
        missed += 1
    if missed != limit:
        return None  # exactly at the limit: once per streak, never a pile of reminders
    await raise_alert(work, patient, "rupture", "signal",
                      f"withdrawal: no check-in for {missed} days in a row")
    return work.text(str(spec.get("nudge_message", "system.nudge")), patient.locale,
                     "Hi {name}, no pressure at all — I'm here whenever you'd like to pick things up again.",
                     **context_of(patient))


def missed_days_spec(work: Work) -> tuple[list[str], int]:
    """The daily dialogues whose check-ins count, and after how many missed days the nudge goes."""
    spec = programme(work).get("reminders") or {}
    return [str(d.get("dialogue")) for d in programme(work).get("daily") or []], \
        int(spec.get("missed_days_nudge", 2) or 2)


async def run_reminder(work: Work, patient: Patient, conversation_id: int, seq: int) -> None:
    row = await work.session.get(ConversationRow, conversation_id)
    if row is None or row.status != "active" or row.seq != seq or row.reminded:
        return
    if not is_running(patient, work.now):
        return
    start, end = quiet(work)
    later = after_quiet_hours(patient.timezone, work.now, start, end)
    if later > work.now:
        await work.schedule("reminder", later, patient_id=patient.id,
                            conversation_id=conversation_id, seq=seq)
        return
    row.reminded = True
    kind = kind_of(work, row.dialogue)
    if kind is not None and not await fits(work, patient, "reminder", row.dialogue):
        return  # today's budget is spent: the question stays, without a reminder
    spec = programme(work).get("reminders") or {}
    work.send(f"patient:{patient.id}", work.text(
        str(spec.get("unanswered_message", "system.reminder")), patient.locale,
        "Just a gentle reminder, {name} — whenever suits you.", **context_of(patient)),
        patient_id=patient.id)
    await ask_again(work, patient, row)


async def members(work: Work, group_id: str) -> list[Patient]:
    return list(await work.session.scalars(
        select(Patient).where(Patient.group_id == group_id).order_by(Patient.id)))


async def run_session_reminder(work: Work, session_id: int, patient_id: str | None = None) -> None:
    """The group's reminder before a session; a member for whom it would fall in quiet hours
    had their own, the evening before (`patient_id`: that one member only)."""
    session = await work.session.get(GroupSession, session_id)
    if session is None:
        return
    key = str((programme(work).get("sessions") or {}).get("reminder_message", "session.reminder"))
    start, end = quiet(work)
    for patient in await members(work, session.group_id):
        if not is_running(patient, work.now) or (patient_id is not None and patient.id != patient_id):
            continue
        if patient_id is None and in_quiet_hours(patient.timezone, work.now, start, end):
            continue
        local = session.starts_at.astimezone(zone(patient.timezone))
        if patient_id is None:
            text = work.text(key, patient.locale, "Hi {name}, your group session starts at {session_time} "
                             "today. See you there!", **context_of(patient), session_time=local.strftime("%H:%M"))
        else:
            text = work.text("session.reminder_evening", patient.locale,
                             "Hi {name}, a heads-up before the night: your group session starts at "
                             "{session_time} your time. See you there!", **context_of(patient),
                             session_time=day_and_time(local, patient.locale))
        work.send(f"patient:{patient.id}", text, patient_id=patient.id)


async def run_session_feedback(work: Work, session_id: int) -> None:
    session = await work.session.get(GroupSession, session_id)
    if session is None:
        return
    dialogue = str((programme(work).get("sessions") or {}).get("feedback_dialogue", "session_feedback"))
    for patient in await members(work, session.group_id):
        if is_running(patient, work.now):
            await prompt_outside_quiet_hours(work, patient, dialogue)


async def prompt_outside_quiet_hours(work: Work, patient: Patient, dialogue: str) -> None:
    """A prompt the patient did not time themselves (session feedback, "later, please") waits
    for the end of their quiet hours."""
    start, end = quiet(work)
    later = after_quiet_hours(patient.timezone, work.now, start, end)
    if later > work.now:
        await work.schedule("dialogue", later, patient_id=patient.id, dialogue=dialogue,
                            unique_key=f"dialogue:{patient.id}:{dialogue}:{later.isoformat()}")
        return
    kind = kind_of(work, dialogue)  # session feedback is never budgeted
    if kind is not None and not await fits(work, patient, kind, dialogue):
        return
    timed = any(str(item.get("dialogue")) == dialogue and item.get("at")
                for item in programme(work).get("daily") or [])
    if timed:  # an entry with its own time: a chain of one, which ends the day
        await prompt(work, patient, dialogue, then=[], variables={CHAINED_VAR: True})
    else:
        await prompt(work, patient, dialogue)


async def apply_profile(work: Work, patient: Patient, answers: dict[str, Any]) -> None:
    """Onboarding's answers, checked, become the profile; consent starts the programme."""
    if str(answers.get("consent", "yes")).lower() in ("no", "false", "declined"):
        patient.status = "stopped"
        work.audit(f"patient:{patient.id}", "consent_declined", patient_id=patient.id)
        return
    if answers.get("name"):
        patient.name = str(answers["name"]).strip()[:100]
    if timezone := resolve_zone(str(answers.get("timezone") or "")):
        patient.timezone = timezone
    if checkin := parse_hhmm(str(answers.get("checkin_time") or "")):
        patient.checkin_time = checkin.strftime("%H:%M")
    if answers.get("locale"):
        patient.locale = str(answers["locale"])[:16]
    patient.status = "active"
    work.audit(f"patient:{patient.id}", "consented", patient_id=patient.id)
    group = await work.session.get(Group, patient.group_id) if patient.group_id else None
    if group is not None:  # their own evening reminders, now that their time zone is known
        await schedule_group_sessions(work, group)
    await schedule_daily(work, patient)


# --- enrolment -------------------------------------------------------------------------------


async def redeem_invite(work: Work, code: str, role: str) -> Invite | None:
    """The invite, if it may be used now. Its row is locked, so two people sending the same
    one-time code at once (in any processes) cannot both redeem it."""
    invite = await work.session.scalar(work.db.locked(select(Invite).where(Invite.code == code.strip())))
    if invite is None or invite.role != role or invite.revoked or invite.used_at is not None:
        return None
    if invite.expires_at <= work.now:
        return None
    return invite


async def enrol_patient(work: Work, chat_key: str, new_id: str, invite: Invite) -> Patient:
    invite.used_at, invite.used_by = work.now, new_id
    patient = await work.session.get(Patient, new_id)
    if patient is None:
        patient = Patient(id=new_id, chat_key=chat_key, group_id=invite.group_id,
                          status="onboarding", enrolled_at=work.now, crisis_open=False,
                          blocked=False, timezone="UTC", checkin_time="09:00", locale="en", name="")
        work.session.add(patient)
    else:
        patient.chat_key, patient.group_id, patient.status = chat_key, invite.group_id, "onboarding"
    await work.session.flush()
    work.audit(f"patient:{new_id}", "enrolled", patient_id=new_id, group=invite.group_id)
    await start_dialogue(work, patient, "onboarding")
    return patient


# --- patient commands -----------------------------------------------------------------------

PATIENT_COMMANDS = {  # English defaults; each locale's text is `system.command.<name>` in content
    "help": "What I can do",
    "pause": "Pause reminders for a few days",
    "resume": "Start again after a pause",
    "time": "Change your check-in time",
    "language": "Change the language",
    "talk": "Write to your care team (not for emergencies)",
    "goals": "Your goals: see or change them",
    "mydata": "See everything stored about you",
    "delete": "Erase your data",
    "stop": "Leave the programme",
}
TALK_CHARS = 1500
"""How much of a /talk message reaches the care team (a Telegram message holds 4,096)."""


def command_descriptions(bundle: Bundle, locale: str) -> dict[str, str]:
    """The patients' commands described in `locale` (/help and the Telegram menu)."""
    return {name: bundle.message(f"system.command.{name}", locale) or default
            for name, default in PATIENT_COMMANDS.items()}


async def patient_command(work: Work, patient: Patient, command: str, arg: str) -> bool:
    """Handle /help, /pause N, /resume, /time HH:MM, /language xx, /talk ..., /stop, /mydata, /delete."""
    to = f"patient:{patient.id}"
    ctx = context_of(patient)
    say = lambda key, default, **kw: work.send(  # noqa: E731
        to, work.text(key, patient.locale, default, **ctx, **kw), patient_id=patient.id)
    if command == "help":
        lines = "\n".join(f"/{c} – {d}" for c, d in command_descriptions(work.bundle, patient.locale).items())
        say("system.help", "Here's what I can do:\n{commands}", commands=lines)
    elif command == "pause":
        number = re.match(r"\s*(\d{1,4})\b", arg)  # "/pause 2", "/pause 2 days"
        days = int(number.group(1)) if number else 3
        days = max(1, min(days, MAX_PAUSE_DAYS))
        patient.status, patient.paused_until = "paused", work.now + timedelta(days=days)
        work.audit(to, "paused", patient_id=patient.id, days=days)
        say("system.paused", "Done — no reminders for {days} days. Take care, {name}. "
            "Send /resume any time to start again.", days=days)
    elif command == "resume":
        if patient.status == "paused":
            patient.status, patient.paused_until = "active", None
            work.audit(to, "resumed", patient_id=patient.id)
        say("system.resumed", "Welcome back, {name}! I'll check in at {checkin_time} as usual.")
    elif command == "time":
        if parse_hhmm(arg) is None:
            say("system.time_usage", "Tell me the time like this: /time 18:30")
        else:
            hhmm = parse_hhmm(arg)
            assert hhmm is not None
            patient.checkin_time = hhmm.strftime("%H:%M")
            await reschedule_daily(work, patient)
            say("system.time_set", "Got it — I'll check in at {time} from now on.",
                time=patient.checkin_time)
    elif command == "language":
        locales = work.bundle.locales
        if arg.strip() in locales:
            patient.locale = arg.strip()
            say("system.language_set", "Language changed.")
        else:
            say("system.language_usage", "Choose one of: {locales} (e.g. /language en)",
                locales=", ".join(locales))
    elif command == "talk":
        await talk(work, patient, arg.strip())
    elif command == "goals":
        await change_goals(work, patient)
    elif command == "stop":
        patient.status = "stopped"
        await cancel_jobs(work, patient)
        work.audit(to, "stopped", patient_id=patient.id)
        told = tell_the_team(work, patient, await reachable_clinicians(work, patient.group_id),
                             f"{patient.display_name} has left the programme (/stop).")
        if told:
            say("system.stopped", "You've left the programme, {name}. Thank you for the work you did. "
                "Your care team has been told. Send /start with a new code to come back; "
                "/delete erases your data.")
        else:
            say("system.stopped_untold", "You've left the programme, {name}. Thank you for the work you "
                "did. Please let your care team know yourself. Send /start with a new code to come back; "
                "/delete erases your data.")
    elif command == "mydata":
        work.send(to, await export_text(work, patient), patient_id=patient.id)
    elif command == "delete":
        ask_to_erase(work, patient)
    else:
        return False
    return True


def ask_to_erase(work: Work, patient: Patient) -> None:
    """/delete's question (and the look-back's "erase my data"): nothing is erased until the
    patient confirms with its button, within ERASE_CONFIRM_MINUTES (answer_erase_request)."""
    to = f"patient:{patient.id}"
    token = secrets.token_hex(4)
    work.audit(to, "erase_requested", patient_id=patient.id, token=token)
    work.send(to, work.text("system.delete_confirm", patient.locale,
                            "This erases your answers, messages and scores. Are you sure?"),
              [[{"label": work.text("system.delete_yes", patient.locale, "Yes, erase my data"),
                 "data": f"p:delete:{token}"},
                {"label": work.text("system.delete_no", patient.locale, "No, keep it"),
                 "data": f"p:keep:{token}"}]], patient_id=patient.id)


async def change_goals(work: Work, patient: Patient) -> None:
    """/goals: the goals dialogue at once, with the patient's goals so far (a conversation
    under way is set aside and comes back after it)."""
    dialogue = goals_spec(work)["dialogue"]
    active = await active_conversation(work, patient.id)
    if active is not None and active.dialogue != dialogue:
        set_aside(work, active)
    await start_dialogue(work, patient, dialogue, await goals.dialogue_vars(work, patient, review=False))


async def talk(work: Work, patient: Patient, words: str) -> None:
    """/talk: a non-urgent message to the care team, as a routine item (not an alert), with an
    honest word on when to expect an answer; the clinician answers with /message NAME. Triage
    has already read the words (a crisis never gets here)."""
    to = f"patient:{patient.id}"
    ctx = context_of(patient)
    if not words:
        work.send(to, work.text("system.talk_usage", patient.locale, "Write /talk and then your message for "
                                "your care team, for example: /talk can we change my exercises?", **ctx),
                  patient_id=patient.id)
        return
    team = await reachable_clinicians(work, patient.group_id)
    note = (f"💬 {patient.display_name} writes to the care team (not urgent): “{words[:TALK_CHARS]}”\n"
            f"Answer with /message {patient.name or patient.id} and your reply.")
    if tell_the_team(work, patient, team, note):
        work.audit(to, "talked", patient_id=patient.id)
        work.send(to, work.text("system.talk_sent", patient.locale, "I've passed this on to your care team, "
                                "{name}. It isn't urgent mail: they usually answer within a few working days, "
                                "here in this chat. If you need help sooner, or are in danger, please call "
                                "your local emergency number.", **ctx), patient_id=patient.id)
    else:
        work.send(to, work.text("system.talk_nobody", patient.locale, "I can't pass messages to your care "
                                "team here yet, {name}. Please contact them directly. If you are in danger, "
                                "please call your local emergency number.", **ctx), patient_id=patient.id)


def tell_the_team(work: Work, patient: Patient, team: list[Clinician], text: str) -> bool:
    """A routine note to each of `team` (after the quiet hours they set, as routine alerts);
    False when there is nobody."""
    for clinician in team:
        work.send(f"clinician:{clinician.id}", text, patient_id=patient.id,
                  not_before=after_their_quiet_hours(work, clinician))
    return bool(team)


async def reschedule_daily(work: Work, patient: Patient) -> None:
    from bot.storage.models import Job

    jobs = await work.session.scalars(select(Job).where(
        Job.patient_id == patient.id, Job.kind == "daily", Job.status == "pending"))
    for job in jobs:
        job.status = "cancelled"
    await schedule_daily(work, patient)


async def cancel_jobs(work: Work, patient: Patient) -> None:
    from bot.storage.models import Job

    for job in await work.session.scalars(select(Job).where(
            Job.patient_id == patient.id, Job.status == "pending", Job.kind != "escalate")):
        job.status = "cancelled"
    active = await active_conversation(work, patient.id)
    if active is not None:
        active.status = "abandoned"


async def export_text(work: Work, patient: Patient) -> str:
    answers = list(await work.session.scalars(
        select(Answer).where(Answer.patient_id == patient.id).order_by(Answer.at, Answer.id)))
    scores = list(await work.session.scalars(
        select(Score).where(Score.patient_id == patient.id).order_by(Score.at, Score.id)))
    messages = list(await work.session.scalars(
        select(Message).where(Message.patient_id == patient.id).order_by(Message.at, Message.id)))
    alerts = list(await work.session.scalars(
        select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.created_at, Alert.id)))
    goal_trends = await goals.trends(work, patient.id, include_ended=True)

    def heading(key: str, default: str, **variables: Any) -> str:
        return work.text(f"system.mydata.{key}", patient.locale, default, **variables)

    lines = [
        heading("title", "Everything stored about you:"),
        heading("profile", "Name: {name}; time zone: {timezone}; check-in: {checkin_time}; language: "
                "{locale}; group: {group}; status: {status}", name=patient.name or "", group=patient.group_id,
                timezone=patient.timezone, checkin_time=patient.checkin_time, locale=patient.locale,
                status=patient.status),
        heading("enrolled", "Enrolled: {date}", date=f"{patient.enrolled_at:%Y-%m-%d}"),
        *([heading("last_seen", "Last heard from you: {date} (kept to the hour)",
                   date=f"{patient.last_message_at:%Y-%m-%d %H:%M}")] if patient.last_message_at else []),
        "",
        heading("answers", "Answers ({count}):", count=len(answers)),
        *[f"{a.at:%Y-%m-%d %H:%M} {a.key}: {a.value}" for a in answers],
        "",
        heading("scores", "Questionnaire scores ({count}):", count=len(scores)),
        *[f"{s.at:%Y-%m-%d} {s.questionnaire}: {s.score:g} ({s.band})" for s in scores],
        "",
        heading("messages", "Your messages ({count}):", count=len(messages)),
        *[f"{m.at:%Y-%m-%d %H:%M} {m.text}" for m in messages],
        "",
        heading("goals", "Your goals ({count}):", count=len(goal_trends)),
        *[f"{t.goal.set_at:%Y-%m-%d} {t.goal.text}"
          + (f" ({t.goal.ended_at:%Y-%m-%d})" if t.goal.ended_at else "")
          + "".join(f"\n  {r.at:%Y-%m-%d} {r.rating}/10" + (f" {r.note}" if r.note else "") for r in t.ratings)
          for t in goal_trends],
        "",
        heading("alerts", "Alerts your care team received about you ({count}):", count=len(alerts)),
        *[f"{a.created_at:%Y-%m-%d %H:%M} {a.severity}: {a.reason} (status: {a.status})" for a in alerts],
    ]
    return "\n".join(lines)


async def answer_erase_request(work: Work, patient: Patient, choice: str, token: str) -> None:
    """The patient's answer to /delete's question. Only the newest question, unanswered and
    under ERASE_CONFIRM_MINUTES old, counts: an old "Yes, erase" button must never erase."""
    to = f"patient:{patient.id}"
    latest = await work.session.scalar(
        select(AuditEntry).where(AuditEntry.patient_id == patient.id,
                                 AuditEntry.action.in_(("erase_requested", "erase_declined")))
        .order_by(AuditEntry.id.desc()).limit(1))
    fresh = (latest is not None and latest.action == "erase_requested"
             and (latest.detail or {}).get("token") == token
             and work.now - latest.at <= timedelta(minutes=ERASE_CONFIRM_MINUTES))
    if not fresh:
        work.callback_answer = "This question has expired; send /delete again if you want to erase your data."
        return
    if choice == "delete":
        await erase(work, patient)
        return
    work.audit(to, "erase_declined", patient_id=patient.id)
    work.callback_answer = "Nothing was erased."
    work.send(to, work.text("system.delete_kept", patient.locale,
                            "Nothing was erased. Your data stays as it was."), patient_id=patient.id)


async def erase(work: Work, patient: Patient) -> None:
    """Erase the patient's data; alerts and the audit log stay (the clinician's duty of care)."""
    for table in (Answer, Score, Message):
        await work.session.execute(delete(table).where(table.patient_id == patient.id))
    await goals.erase(work, patient.id)
    # what the bot said to them (it holds their name and answers), once delivered; alerts to
    # clinicians are addressed to the clinicians and stay
    await work.session.execute(delete(Outbox).where(
        Outbox.recipient == f"patient:{patient.id}", Outbox.status != "pending"))
    if patient.chat_key:  # the raw updates lose their content; their ids stay, so none is redone
        await work.session.execute(update(InboxUpdate).where(
            InboxUpdate.chat_key == patient.chat_key, InboxUpdate.status != "pending")
            .values(payload={"erased": True}))
    await work.session.execute(delete(ConversationRow).where(ConversationRow.patient_id == patient.id))
    forget_open(work, patient.id)
    signals.forget_history(work, patient.id)
    await cancel_jobs(work, patient)
    patient.status, patient.name, patient.last_message_at = "deleted", "", None
    work.audit(f"patient:{patient.id}", "erased", patient_id=patient.id)
    work.send(f"patient:{patient.id}", render(
        work.bundle.message("system.erased", patient.locale)
        or "Your data has been erased. Safety alerts your care team already received are kept, "
        "as their duty of care requires. Take good care.", {}), patient_id=patient.id)
