"""The direct safety question, for a possible crisis (triage's middle band).

Clinical guidance is to ask plainly when in doubt: asking does not plant the idea, and most
people are relieved to be asked. So a message that might be a crisis, but that triage is not
sure of, gets a warm, direct question instead of a guess either way:
- "Yes" or "I'm not sure" → the crisis path at once (safety response, crisis alert);
- "No" → a supportive reply and a routine note for the clinician;
- no answer within `SAFETY_QUESTION_MINUTES` (30) → a crisis alert saying the question went
  unanswered, and the safety response to the patient.
Quiet hours never delay the question or its deadline. Free text is read as an answer too
("yes i am", "nein", "weiß nicht"). While the question waits, `patients.safety_question_at` is
set and a `safety_question` job holds the deadline.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.outbox import PRIORITY_CRISIS
from bot.safety import escalation
from bot.storage.models import Job, Patient
from bot.work import Work

YES, UNSURE, NO = "yes", "unsure", "no"
ANSWERS = (YES, UNSURE, NO)
BUTTON_DATA = "q:"
"""Callback data of the answer buttons: q:yes, q:unsure, q:no."""
BUTTON_LABELS = {YES: "Yes", UNSURE: "I'm not sure", NO: "No"}
JOB_KIND = "safety_question"

_NO = re.compile(
    r"^\W*(no+|nope|nah|not at all|definitely not|of course not|nein|nee|ne|nö|auf keinen fall|gar nicht"
    r"|keineswegs|(i'?m|i am|im) (fine|ok|okay|safe|alright|good)|mir geht'?s gut|alles (gut|ok|okay|in ordnung)"
    r"|ich bin (sicher|in sicherheit))\b", re.IGNORECASE)
_BUT = re.compile(r"\b(but|though|except|sometimes|aber|allerdings|manchmal|außer)\b", re.IGNORECASE)
"""A "no" with a "but" is no clear no: the question stands."""
_UNSURE = re.compile(
    r"\b(not sure|unsure|don'?t know|dont know|dunno|idk|maybe|perhaps|kind of|sort of|a bit|not really|eher nicht"
    r"|nicht sicher|weiß nicht|weiss nicht|keine ahnung|vielleicht|irgendwie|ein bisschen)\b", re.IGNORECASE)
_YES = re.compile(
    r"^\W*(y|yes+|yeah|yep|yup|ya|i am|i do|i have|i need help|help|ja+|jein|doch|ich brauche hilfe|hilfe)\b",
    re.IGNORECASE)


def read_answer(text: str) -> str | None:
    """The answer a free-text reply gives, or None when it gives none clearly. Unsure wins
    over yes ("yes maybe"), and both over no: a doubtful reply takes the safer path."""
    words = " ".join(text.strip().split())
    if not words:
        return None
    if _UNSURE.search(words):
        return UNSURE
    if _YES.search(words):
        return YES
    if _NO.match(words) and not _BUT.search(words):
        return NO
    return None


def buttons(work: Work, locale: str) -> list[list[dict[str, str]]]:
    return [[{"label": work.text(f"safety.question_{answer}", locale, label), "data": BUTTON_DATA + answer}
             for answer, label in BUTTON_LABELS.items()]]


async def ask(work: Work, patient: Patient, reasons: list[str], key: str, medical: bool) -> None:
    """Ask at once (crisis priority, whatever the hour), and set the deadline."""
    patient.safety_question_at = work.now
    work.send(f"patient:{patient.id}", work.text(
        "safety.question", patient.locale,
        "Thank you for telling me, {name}. I want to check I've understood, because it matters: "
        "are you thinking about ending your life or harming yourself, are you in danger from "
        "someone, or do you need urgent medical help right now?", name=patient.name),
        buttons(work, patient.locale), priority=PRIORITY_CRISIS, patient_id=patient.id)
    await work.schedule(JOB_KIND, work.now + timedelta(minutes=work.settings.safety_question_minutes),
                        patient_id=patient.id, key=key, medical=medical, reasons=reasons[:3],
                        asked_at=work.now.isoformat())
    work.audit("coachbot", "safety_question_asked", patient_id=patient.id, reasons=reasons[:3])


async def answer(work: Work, patient: Patient, choice: str, how: str) -> None:
    """The patient's answer (`how`: "button" or "text")."""
    if patient.safety_question_at is None:
        work.callback_answer = "This question has already been answered."
        return
    job_payload = await _pending_job_payload(work, patient)
    patient.safety_question_at = None
    work.audit(f"patient:{patient.id}", "safety_question_answered", patient_id=patient.id,
               answer=choice, how=how)
    key = str(job_payload.get("key") or f"question:{patient.id}:{work.now.isoformat()}")
    if choice in (YES, UNSURE):
        said = "yes" if choice == YES else "not sure"
        await escalation.open_crisis(
            work, patient, None, f"answered “{said}” to the direct safety question", "patient",
            key + ":answer", medical=bool(job_payload.get("medical")))
        return
    work.send(f"patient:{patient.id}", work.text(
        "safety.question_no_reply", patient.locale,
        "Thank you for telling me, {name}, I'm glad. If that changes, write to me any time, or call "
        "your local emergency number if you are in danger.", name=patient.name), patient_id=patient.id)
    await escalation.raise_alert(
        work, patient, "concern", "triage",
        "a message sounded like a possible crisis; asked directly, they said no (routine note)",
        None, key + ":answer")


async def ask_again(work: Work, patient: Patient) -> None:
    """A reply that answers neither way: the question stands, with its buttons."""
    work.send(f"patient:{patient.id}", work.text(
        "safety.question_again", patient.locale,
        "I want to be sure I understood you, {name}. Please tap Yes, I'm not sure or No, or just "
        "write yes or no.", name=patient.name), buttons(work, patient.locale),
        priority=PRIORITY_CRISIS, patient_id=patient.id)


async def unanswered(work: Work, patient: Patient, payload: dict[str, object]) -> None:
    """Job: the deadline passed. Nothing to do if the patient answered meanwhile (or a crisis
    opened anyway); else the crisis path, saying why."""
    if patient.safety_question_at is None or patient.crisis_open:
        patient.safety_question_at = None
        return
    patient.safety_question_at = None
    minutes = work.settings.safety_question_minutes
    work.audit("coachbot", "safety_question_unanswered", patient_id=patient.id, minutes=minutes)
    reasons = payload.get("reasons")
    asked_after = escalation.why([str(r) for r in reasons])[:300] if isinstance(reasons, list) else ""
    await escalation.open_crisis(
        work, patient, None, f"the direct safety question went unanswered for {minutes} minutes "
        f"(asked after: {asked_after or 'a possible crisis'})",
        "triage", f"{payload.get('key')}:unanswered", medical=bool(payload.get("medical")))


async def _pending_job_payload(work: Work, patient: Patient) -> dict[str, object]:
    """The waiting deadline job's payload; the job is marked done (it is answered)."""
    job = await work.session.scalar(
        select(Job).where(Job.patient_id == patient.id, Job.kind == JOB_KIND, Job.status == "pending")
        .order_by(Job.id.desc()).limit(1))
    if job is None:
        return {}
    job.status = "done"
    return dict(job.payload or {})
