"""Escalation: who hears about what, when, and what happens if nobody answers.

- crisis: the patient gets the fixed safety response at once; every clinician of their group
  gets an urgent alert; unacknowledged, it is repeated and goes to the group's backup after
  `ESCALATION_MINUTES` (and again, up to MAX_ESCALATIONS). Clinicians' quiet hours never
  delay a crisis alert: a clinician in quiet hours is covered by the backup at once.
- concern / rupture: an alert to the group's clinicians, with context and trend.
Every step is audited. Nobody outside the patient's group can see or act on an alert.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select

from bot.outbox import PRIORITY_ALERT, PRIORITY_CRISIS
from bot.safety.response import crisis_response
from bot.storage import queued
from bot.storage.lists import in_list
from bot.storage.models import (
    Alert,
    Answer,
    AuditEntry,
    Clinician,
    Group,
    GroupClinician,
    Message,
    Outbox,
    Patient,
    Score,
)
from bot.timeutil import after_quiet_hours, clinician_time, in_quiet_hours
from bot.work import Work, audit_entry

log = logging.getLogger(__name__)

MAX_ESCALATIONS = 8
"""Reminders at ESCALATION_MINUTES apart; after these, an unacknowledged crisis alert keeps
being repeated, but only every ESCALATION_SLOW_MINUTES: it is never dropped."""
ESCALATION_SLOW_MINUTES = 60
ALERT_ACTIONS = {
    "ack": "I'm on it",
    "contacted": "Contacted",
    "resolved": "Resolved",
    "useful": "Useful",
    "false": "False alarm",
}
STATUS_OF_ACTION = {"ack": "acknowledged", "contacted": "contacted", "resolved": "resolved"}
SEVERITY_ICON = {"crisis": "🔴 URGENT", "concern": "🟠 Concern", "rupture": "🟡 Rupture signal"}
SAFETY_BUTTONS = {"safe": "I'm safe right now", "help": "I need help now"}


def alert_buttons(alert_id: int) -> list[list[dict[str, str]]]:
    row1 = [{"label": ALERT_ACTIONS[a], "data": f"a:{alert_id}:{a}"} for a in ("ack", "contacted", "resolved")]
    row2 = [{"label": ALERT_ACTIONS[a], "data": f"a:{alert_id}:{a}"} for a in ("useful", "false")]
    return [row1, row2]


def safety_check_buttons(work: Work, locale: str) -> list[list[dict[str, str]]]:
    """"I'm safe" / "I need help", in the patient's language where content has it."""
    return [[{"label": work.text(f"safety.{key}_button", locale, label), "data": f"s:{key}"}]
            for key, label in SAFETY_BUTTONS.items()]


async def group_clinicians(work: Work, group_id: str | None) -> list[Clinician]:
    if group_id is None:
        return []
    rows = await work.session.scalars(
        select(Clinician).join(GroupClinician, GroupClinician.clinician_id == Clinician.id)
        .where(GroupClinician.group_id == group_id).order_by(Clinician.id)
    )
    return list(rows)


async def crisis_team(work: Work, group_id: str | None) -> list[Clinician]:
    """Who hears every later step of a crisis case: the group's clinicians and its backup
    (who may be the one covering it, through escalation or quiet hours)."""
    team = {c.id: c for c in await group_clinicians(work, group_id)}
    backup = await backup_clinician(work, group_id)
    if backup is not None:
        team.setdefault(backup.id, backup)
    return list(team.values())


async def team_reachable(work: Work, group_id: str | None) -> bool:
    """Whether a crisis alert about this group's patients reaches anyone: a clinician of the
    group or its backup who has linked Telegram. If not, nobody must be promised to the patient."""
    return any(c.chat_key for c in await crisis_team(work, group_id))


async def reachable_clinicians(work: Work, group_id: str | None) -> list[Clinician]:
    """The group's clinicians who have linked Telegram (routine notes go to them, not the backup)."""
    return [c for c in await group_clinicians(work, group_id) if c.chat_key]


def after_their_quiet_hours(work: Work, clinician: Clinician) -> datetime | None:
    """When a routine message to `clinician` may go: after the quiet hours they set, if now is
    in them (None: at once). A crisis never waits."""
    if not clinician.quiet_start:
        return None
    return after_quiet_hours(clinician.timezone, work.now, clinician.quiet_start, clinician.quiet_end)


async def backup_clinician(work: Work, group_id: str | None) -> Clinician | None:
    group = await work.session.get(Group, group_id) if group_id else None
    if group is None or not group.backup_clinician_id:
        return None
    return await work.session.get(Clinician, group.backup_clinician_id)


async def may_see(work: Work, clinician_id: str, group_id: str | None) -> bool:
    """Only clinicians assigned to the group, or its backup, may see or act on its alerts."""
    if group_id is None:
        return False
    assigned = await work.session.get(GroupClinician, (group_id, clinician_id))
    if assigned is not None:
        return True
    group = await work.session.get(Group, group_id)
    return group is not None and group.backup_clinician_id == clinician_id


async def alert_context(work: Work, patient: Patient) -> dict[str, Any]:
    """What a clinician needs at a glance: recent messages, mood trend, latest scores."""
    messages = list(await work.session.scalars(
        select(Message).where(Message.patient_id == patient.id)
        .order_by(Message.at.desc(), Message.id.desc()).limit(4)
    ))
    moods = list(await work.session.scalars(
        select(Answer).where(Answer.patient_id == patient.id, Answer.key == "mood")
        .order_by(Answer.at.desc(), Answer.id.desc()).limit(7)
    ))
    scores = list(await work.session.scalars(
        select(Score).where(Score.patient_id == patient.id)
        .order_by(Score.at.desc(), Score.id.desc()).limit(3)
    ))
    return {
        "recent": [m.text for m in reversed(messages)],
        "moods": [a.value for a in reversed(moods)],
        "scores": [f"{s.questionnaire} {s.score:g} ({s.band})" for s in scores],
    }


_MODEL_READING = re.compile(r"model: (possible crisis|crisis|concern|confrontation|withdrawal) ([0-9.]+)")


def why(reasons: list[str], limit: int = 3) -> str:
    """Triage's reasons as a clinician reads them: "suicidal ideation ('kill myself'); the
    triage model: crisis, 97 % sure" rather than the verdict's "rule: ...; model: crisis 0.97"."""
    plain = []
    for reason in reasons:
        if reason.startswith("rule: "):
            plain.append(reason.removeprefix("rule: "))
        elif (reading := _MODEL_READING.match(reason)) is not None:
            plain.append(f"the triage model: {reading.group(1)}, {float(reading.group(2)):.0%} sure")
        elif reason.startswith("rasa: "):
            plain.append("the language model (Rasa): " + reason.removeprefix("rasa: "))
        else:
            plain.append(reason)
    return "; ".join(plain[:limit]) or "no reason recorded"


FOLDED_KINDS = ("concern", "rupture")
"""One unresolved alert per patient and kind: a new concern or rupture signal is added to the
open one, with a one-line note to the team, instead of a new alert with its buttons (20 open
alerts for 4 patients in two weeks taught clinicians to skim). A crisis is always its own."""
MAX_FOLDED = 20
"""Signals kept in an alert's context (the newest); the count goes on."""
UNRESOLVED_OF_KIND = (select(Alert)
                      .where(Alert.patient_id == bindparam("patient"), Alert.severity == bindparam("severity"),
                             Alert.status != "resolved")
                      .order_by(Alert.id.desc()).limit(1))


async def fold(work: Work, alert: Alert, patient: Patient, reason: str, text: str | None,
               key: str | None) -> None:
    """A new signal of the same kind, added to `alert` (once per key: a replayed input adds
    nothing), and named to the team in one line."""
    context = dict(alert.context or {})
    keys = list(context.get("folded_keys") or [])
    if key is not None and key in keys:
        return
    signals = list(context.get("folded") or [])
    signals.append({"at": work.now.isoformat(), "reason": reason, "text": (text or "")[:600]})
    context["folded"] = signals[-MAX_FOLDED:]
    context["folded_count"] = int(context.get("folded_count") or 0) + 1
    context["folded_keys"] = ([*keys, key] if key is not None else keys)[-MAX_FOLDED:]
    alert.context = context
    work.audit("coachbot", "folded", patient_id=patient.id, alert_id=alert.id, reason=reason)
    line = (f"{SEVERITY_ICON.get(alert.severity, alert.severity)}: {patient.display_name}, again "
            f"(open alert, signal {context['folded_count'] + 1}): {reason}")
    if text:
        line += f"\nThey wrote: “{text[:300]}”"
    for clinician in await group_clinicians(work, patient.group_id):
        work.send(f"clinician:{clinician.id}", line, priority=PRIORITY_ALERT, severity=alert.severity,
                  patient_id=patient.id, alert_id=alert.id, not_before=after_their_quiet_hours(work, clinician))


def alert_text(alert: Alert, patient: Patient, group: str | None, when: str, repeat: int = 0) -> str:
    head = SEVERITY_ICON.get(alert.severity, alert.severity)
    lines = [f"{head}: {patient.display_name} (group {group or '-'})"]
    if repeat:
        lines[0] += f" — not yet acknowledged, reminder {repeat}"
    if repeat >= MAX_ESCALATIONS:
        lines.append(f"Nobody has tapped “I'm on it” after {repeat} reminders; from now on this comes "
                     "hourly. If you cannot take it, call the patient or hand it to your on-call service, "
                     "then tap a button so the team knows.")
    lines.append(f"At {when}: {alert.reason}")
    if alert.text:
        lines.append(f"They wrote: “{alert.text[:600]}”")
    context = alert.context or {}
    recent = [t for t in context.get("recent", []) if t != alert.text][-2:]
    if recent:
        lines.append("Before that: " + " | ".join(f"“{t[:120]}”" for t in recent))
    if context.get("moods"):
        lines.append("Mood (0–10), last entries: " + ", ".join(str(m) for m in context["moods"]))
    if context.get("scores"):
        lines.append("Latest scores: " + "; ".join(context["scores"]))
    if alert.severity == "crisis":
        lines.append("The patient has had the safety response with crisis lines; "
                     "their programme is paused until you resume it.")
    lines.append("Tap to acknowledge.")
    return "\n".join(lines)


async def raise_alert(
    work: Work, patient: Patient, severity: str, source: str, reason: str,
    text: str | None = None, idempotency_key: str | None = None,
) -> Alert:
    """Create an alert and queue it for the group's clinicians (never anyone else); a concern
    or rupture folds into the patient's unresolved alert of that kind instead (FOLDED_KINDS)."""
    if idempotency_key is not None:
        existing = await work.session.scalar(select(Alert).where(Alert.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    if severity in FOLDED_KINDS:
        unresolved = await work.session.scalar(UNRESOLVED_OF_KIND, {"patient": patient.id, "severity": severity})
        if unresolved is not None:
            await fold(work, unresolved, patient, reason, text, idempotency_key)
            return unresolved
    alert = Alert(
        patient_id=patient.id, group_id=patient.group_id, severity=severity, source=source,
        reason=reason, text=text, context=await alert_context(work, patient), status="open",
        escalation_level=0, idempotency_key=idempotency_key, created_at=work.now,
    )
    work.session.add(alert)
    await work.session.flush()
    work.audit("coachbot", "detected", patient_id=patient.id, alert_id=alert.id,
               severity=severity, source=source, reason=reason)
    await deliver_alert(work, alert, patient)
    if severity == "crisis":
        await work.schedule(
            "escalate", work.now + timedelta(minutes=work.settings.escalation_minutes),
            patient_id=patient.id, alert_id=alert.id,
        )
    return alert


async def deliver_alert(work: Work, alert: Alert, patient: Patient, include_backup: bool = False) -> None:
    clinicians = await group_clinicians(work, patient.group_id)
    backup = await backup_clinician(work, patient.group_id)
    crisis = alert.severity == "crisis"
    recipients: dict[str, Clinician] = {c.id: c for c in clinicians}
    for clinician in clinicians:
        quiet = in_quiet_hours(clinician.timezone, work.now, clinician.quiet_start, clinician.quiet_end)
        if crisis and quiet and clinician.quiet_start:
            include_backup = True  # quiet hours never delay a crisis: the on-call covers
    if backup is not None and (include_backup or not clinicians):
        recipients.setdefault(backup.id, backup)
    if not recipients:
        log.critical("alert %s for patient %s has no clinician to go to: assign one to group %s "
                     "(coachbot admin assign) or give it a backup", alert.id, patient.id, patient.group_id)
        work.audit("coachbot", "undeliverable", patient_id=patient.id, alert_id=alert.id,
                   reason="no clinician assigned to the group and no backup")
        return
    for clinician in recipients.values():
        when = clinician_time(clinician.timezone, alert.created_at)
        text = alert_text(alert, patient, patient.group_id, when, alert.escalation_level)
        not_before = None if crisis else after_their_quiet_hours(work, clinician)
        work.send(
            f"clinician:{clinician.id}", text, alert_buttons(alert.id), kind="alert",
            priority=PRIORITY_CRISIS if crisis else PRIORITY_ALERT, severity=alert.severity,
            patient_id=patient.id, alert_id=alert.id, not_before=not_before,
        )
        work.audit("coachbot", "alerted", patient_id=patient.id, alert_id=alert.id,
                   clinician=clinician.id, level=alert.escalation_level)


async def open_crisis(
    work: Work, patient: Patient, text: str | None, reason: str, source: str,
    idempotency_key: str | None = None, *, medical: bool = False, respond: bool = True,
) -> Alert:
    """Safety response first (the emergency response for a medical emergency; `respond` False:
    it already went out directly during a database outage), then the alert, then pause the
    programme and check once more."""
    if respond:
        reached = await team_reachable(work, patient.group_id)
        work.send(
            f"patient:{patient.id}",
            crisis_response(work.bundle, patient.timezone, patient.locale, medical=medical, team_reached=reached),
            priority=PRIORITY_CRISIS, patient_id=patient.id,
        )
    patient.crisis_open = True
    patient.safety_question_at = None
    alert = await raise_alert(work, patient, "crisis", source, reason, text, idempotency_key)
    work.audit("coachbot", "programme_paused", patient_id=patient.id, alert_id=alert.id)
    work.send(
        f"patient:{patient.id}",
        work.text("safety.check", patient.locale,
                  "Are you safe right now? Tap one, or just write to me.", name=patient.name),
        safety_check_buttons(work, patient.locale), priority=PRIORITY_CRISIS, patient_id=patient.id,
    )
    return alert


async def escalate(work: Work, alert_id: int) -> None:
    """Job: an alert nobody acknowledged is repeated and goes to the backup as well."""
    alert = await work.session.get(Alert, alert_id)
    if alert is None or alert.status != "open":
        return
    patient = await work.session.get(Patient, alert.patient_id)
    if patient is None:
        return
    alert.escalation_level += 1
    work.audit("coachbot", "escalated", patient_id=patient.id, alert_id=alert.id,
               level=alert.escalation_level)
    await deliver_alert(work, alert, patient, include_backup=True)
    minutes = work.settings.escalation_minutes
    if alert.escalation_level >= MAX_ESCALATIONS:
        minutes = max(minutes, ESCALATION_SLOW_MINUTES)
        log.critical("crisis alert %s for patient %s is still unacknowledged after %d reminders",
                     alert.id, patient.id, alert.escalation_level)
    await work.schedule("escalate", work.now + timedelta(minutes=minutes),
                        patient_id=patient.id, alert_id=alert.id)


async def act_on_alert(work: Work, clinician: Clinician, alert_id: int, action: str) -> None:
    alert = await work.session.get(Alert, alert_id)
    if alert is None or action not in ALERT_ACTIONS or not await may_see(work, clinician.id, alert.group_id):
        # one answer for "no such alert" and "not yours": nobody learns which alerts exist
        work.audit(f"clinician:{clinician.id}", "refused", alert_id=alert_id, button=action[:16],
                   reason="no such alert, or not assigned to the patient's group")
        work.callback_answer = "This button is no longer valid."
        return
    patient = await work.session.get(Patient, alert.patient_id)
    actor = f"clinician:{clinician.id}"
    if action in ("useful", "false"):
        alert.feedback = "useful" if action == "useful" else "false_alarm"
        work.audit(actor, "feedback", patient_id=alert.patient_id, alert_id=alert.id,
                   feedback=alert.feedback)
        work.callback_answer = "Thanks, noted."
        return
    new_status = STATUS_OF_ACTION[action]
    if alert.status == "resolved":
        work.callback_answer = "This alert is already resolved."
        return
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = work.now, clinician.id
    alert.status = new_status
    work.audit(actor, new_status, patient_id=alert.patient_id, alert_id=alert.id)
    clinician.pending_note_alert_id = alert.id
    name = patient.name if patient else alert.patient_id
    work.send(actor, f"{ALERT_ACTIONS[action]} — recorded for {name}. "
              "Reply with a note if you like (or ignore this).")
    team = await (crisis_team if alert.severity == "crisis" else group_clinicians)(work, alert.group_id)
    for other in team:
        if other.id != clinician.id:
            work.send(f"clinician:{other.id}",
                      f"Update on {name}'s alert: {clinician.name} marked it “{ALERT_ACTIONS[action]}”.",
                      patient_id=alert.patient_id, alert_id=alert.id)
    if new_status == "resolved" and alert.severity == "crisis" and patient is not None:
        alert.resolved_at = work.now
        await resume_after_crisis(work, patient, actor)
    elif new_status == "resolved":
        alert.resolved_at = work.now


async def resume_after_crisis(work: Work, patient: Patient, actor: str) -> None:
    open_crises = await work.session.scalar(
        select(Alert.id).where(Alert.patient_id == patient.id, Alert.severity == "crisis",
                               Alert.status != "resolved")
    )
    if open_crises is not None:
        return
    patient.crisis_open = False
    work.audit(actor, "programme_resumed", patient_id=patient.id)
    work.send(f"patient:{patient.id}", work.text(
        "safety.resumed", patient.locale,
        "Hi {name}, thank you for talking with your care team. Your daily programme "
        "continues from tomorrow; take it at your own pace.", name=patient.name),
        patient_id=patient.id)


async def add_note(work: Work, clinician: Clinician, text: str) -> bool:
    """A clinician's reply right after acting on an alert becomes that alert's note."""
    alert_id = clinician.pending_note_alert_id
    if alert_id is None:
        return False
    clinician.pending_note_alert_id = None
    alert = await work.session.get(Alert, alert_id)
    if alert is None or not await may_see(work, clinician.id, alert.group_id):
        return False
    alert.note = (alert.note + "\n" if alert.note else "") + text
    work.audit(f"clinician:{clinician.id}", "note", patient_id=alert.patient_id, alert_id=alert.id)
    work.send(f"clinician:{clinician.id}", "Note saved.")
    return True


ALERT_MESSAGES = (select(Outbox.id, Outbox.recipient, Outbox.patient_id, Outbox.alert_id)
                  .where(in_list(Outbox.id, "ids"), Outbox.alert_id.is_not(None)))
"""Built once: the sender asks it for every batch of messages it has sent."""


async def audit_alert_deliveries(session: Any, outbox_ids: list[int], outcome: str, at: Any) -> None:
    """The audit trail's "delivered" step (or why not): written by whichever channel carried
    the alert, in the same transaction that records the outbox row's final status."""
    if not outbox_ids:
        return
    rows = await session.execute(ALERT_MESSAGES, {"ids": outbox_ids})
    for row in rows:
        queued.queue(session, AuditEntry, audit_entry(at, "coachbot", outcome, row.patient_id, row.alert_id,
                                                      {"to": row.recipient, "outbox_id": row.id}))
