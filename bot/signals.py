"""Signals beyond text: what patients' answers say over time, raised as alerts for clinicians.

`after_event` is called by `bot.conversations.apply` for every event a dialogue step produced,
after the answer or score is stored. It looks at the patient's own history, never at others:

- a sudden drop in mood: today's `mood` (0–10) at least `MOOD_DROP` below the mean of the
  previous `MOOD_HISTORY` answers -> concern;
- repeated skips: `SKIP_LIMIT` of the last `SKIP_WINDOW` exercise answers were "skipped"
  -> rupture (withdrawal), once when the count reaches the limit;
- session feedback (the `session_feedback` questionnaire): a score that falls
  `FEEDBACK_DROP_SHARE` of the scale below the patient's own running mean, or an item at or
  below `LOW_ITEM_SHARE` of its scale that is also that far below the patient's own usual for
  it -> rupture (alliance). A low item with no usual to drop from (the first sessions), or one
  that is their usual, is no alert: the digest and /patient show it (`low_items`), as the
  alliance literature advises (a drop from the patient's own level is the signal, not a fixed
  number: a patient who rates everything 7 and one item 4 is not in a rupture).
  Such a drop is then read against the rest of the group for the same session (`GroupFeedback`):
  when the others' mean for it fell from their usual too (by `GROUP_DROP_SHARE` of the scale
  and at least `GROUP_DROP_PART` of this patient's drop), the session went less well for
  everyone and the drop is not this patient's alliance: no alert (audited as
  `signal_group_wide`), and the digest before the next session says once that the whole group
  rated it lower (`group_feedback_notes`). With the group steady the alert stays and names the
  group's rating beside the patient's usual. Feedback comes in over hours and the first to
  answer has nobody to compare with: with fewer than `GROUP_MIN_ANSWERS` other answers for the
  session (or no earlier feedback of the group to be its usual) the alert goes out at once with
  what is known and says the group cannot tell yet. It is never held back for answers that may
  come hours later or never; those still make the digest's note, and later patients' drops are
  read against them. Crisis and questionnaire-threshold alerts never pass through here.

When the questionnaire's own `thresholds` already flagged a feedback score, no second alert
is raised for it. Other signals live where their data is: questionnaire thresholds in the
content (scored by the engine), missed check-ins in `bot.programme.check_missed_days`, talk of dropping out in
triage. To keep alerts few and worth reading, a signal raises at most one alert of its kind
per patient per local day (the alert's idempotency key), and none while an earlier alert of
the same kind is still unacknowledged (that is audited as `signal_suppressed`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.content.bundle import FALLBACK_LOCALE
from bot.engine import events as ev
from bot.engine.engine import render
from bot.safety import escalation
from bot.storage.lists import in_list
from bot.storage.models import Alert, Answer, GroupSession, Patient, Score
from bot.timeutil import local_date
from bot.work import Work

log = logging.getLogger(__name__)

MOOD_KEY = "mood"
EXERCISE_KEY = "exercise.outcome"
EXERCISE_DID = ("done", "hard")
"""The exercise outcomes that count as a day with exercise."""
SESSION_FEEDBACK = "session_feedback"
"""The questionnaire id of the alliance feedback asked after each group session."""

MOOD_HISTORY = 5
MOOD_MIN_HISTORY = 3
"""Fewer earlier answers than this are not a 'usual level' to drop from."""
MOOD_DROP = 4.0
SKIP_WINDOW = 5
SKIP_LIMIT = 3
FEEDBACK_HISTORY = 5
FEEDBACK_MIN_HISTORY = 2
FEEDBACK_DROP_SHARE = 0.2
"""A drop of a fifth of the scale (2 points on 0–10) against the running mean."""
LOW_ITEM_SHARE = 0.4
"""An item at or below 40 % of its scale (4 on 0–10) is low."""
DEFAULT_ITEM_MAX = 10.0
GROUP_MIN_ANSWERS = 2
"""Answers of the other members for the same session needed before their mean says how the
session went: one other answer is one more person's view, not the group's (in a group of four,
two of the three others)."""
GROUP_DROP_SHARE = 0.1
"""The others' mean for a session this share of the scale (1 point on 0–10) below their usual
means the session was rated lower: a mean of several patients moves far less than one
patient's score, so half the individual step (`FEEDBACK_DROP_SHARE`) says as much."""
GROUP_DROP_PART = 0.5
"""...and at least half as far as this patient's own drop: a patient who fell 5 points while
the group dipped 1 is still a drop of their own (a rupture), not the session's."""
GROUP_HISTORY_SESSIONS = FEEDBACK_HISTORY
"""The group's usual: its members' feedback on this many sessions before this one."""
CLINICIAN_LOCALE = FALLBACK_LOCALE
"""Clinicians have no language setting yet: their texts from the content are in this one."""

HISTORY = {MOOD_KEY: MOOD_HISTORY, EXERCISE_KEY: SKIP_WINDOW - 1}
"""The answers whose recent values a signal compares against, and how many of each."""
_RANKED = select(
    Answer.patient_id, Answer.key, Answer.value,
    func.row_number().over(partition_by=(Answer.patient_id, Answer.key),
                           order_by=(Answer.at.desc(), Answer.id.desc())).label("newest"),
).where(in_list(Answer.patient_id, "patient_ids"),
        Answer.key.in_(list(HISTORY))).subquery()
RECENT_ANSWERS = (select(_RANKED.c.patient_id, _RANKED.c.key, _RANKED.c.value)
                  .where(_RANKED.c.newest <= max(HISTORY.values()))
                  .order_by(_RANKED.c.patient_id, _RANKED.c.key, _RANKED.c.newest))
"""Each patient's newest answers per HISTORY key, built once (building it costs more than
running it: SQLAlchemy caches the compiled form, the ids travel as parameters)."""
_HISTORY_KEY = "coachbot.signal_history"
_BATCH_KEY = "coachbot.batch_patients"

MOOD_DROP_SIGNAL = "mood_drop"
SKIPS_SIGNAL = "exercise_skips"
FEEDBACK_SIGNAL = "session_feedback"


async def after_event(work: Work, patient: Patient, event: ev.Event) -> None:
    """Look for a signal in one stored event; never lets a fault here break the dialogue."""
    if not patient.crisis_open:  # else a clinician is already on it; more alerts would only add noise
        try:
            if isinstance(event, ev.RecordAnswer) and event.key == MOOD_KEY:
                await mood_drop(work, patient, event.value)
            elif isinstance(event, ev.RecordAnswer) and event.key == EXERCISE_KEY:
                await repeated_skips(work, patient, str(event.value))
            elif isinstance(event, ev.QuestionnaireScored) and event.questionnaire == SESSION_FEEDBACK:
                await feedback_drop(work, patient, event)
        except SQLAlchemyError:
            raise  # the transaction is broken: let the caller's handling (and retry) take it
        except Exception:
            log.exception("signal check failed for patient %s", patient.id)
            work.audit("coachbot", "signal_failed", patient_id=patient.id, event=type(event).__name__)
    if isinstance(event, ev.RecordAnswer):
        _remember(work, patient.id, event.key, event.value)


def share_history(session: Any, patient_ids: list[str]) -> None:
    """These patients' inputs share the transaction (bot.batching): the first time a signal
    needs one's history, everyone's is read with one query, instead of one query per input."""
    session.info[_BATCH_KEY] = list(patient_ids)


def forget_history(work: Work, patient_id: str) -> None:
    """The patient's answers were deleted in bulk (erasure): memory must not outlive them."""
    work.session.info.get(_HISTORY_KEY, {}).pop(patient_id, None)


async def _history(work: Work, patient_id: str) -> dict[str, list[Any]]:
    """The patient's recent answers per HISTORY key, newest first: as stored before the answer
    being checked, which is still pending in the session (the query runs without autoflush).
    Read once per transaction; answers recorded after that join it in memory (`_remember`)."""
    histories: dict[str, dict[str, list[Any]]] = work.session.info.setdefault(_HISTORY_KEY, {})
    if patient_id not in histories:
        batch = work.session.info.get(_BATCH_KEY) or []
        ids = [i for i in batch if i not in histories] if patient_id in batch else [patient_id]
        for i in ids:
            histories[i] = {key: [] for key in HISTORY}
        with work.session.no_autoflush:
            for owner, key, value in await work.session.execute(RECENT_ANSWERS, {"patient_ids": ids}):
                if len(histories[owner][key]) < HISTORY[key]:
                    histories[owner][key].append(value)
    return histories[patient_id]


def _remember(work: Work, patient_id: str, key: str, value: Any) -> None:
    """A recorded answer joins the history in memory, once that was read this transaction."""
    history = work.session.info.get(_HISTORY_KEY, {}).get(patient_id)
    if history is not None and key in HISTORY:
        history[key][:] = [value, *history[key]][:HISTORY[key]]


async def _before_this_one(work: Work, query: Select[Any]) -> list[Any]:
    """The stored history, without the row the event being checked has just added: that row
    is still pending in the session (not flushed), so the query runs without autoflush
    instead of writing everything out first only to skip its newest row."""
    with work.session.no_autoflush:
        return list(await work.session.execute(query))


def as_number(value: Any) -> float | None:
    """A recorded answer as a number (a mood, an item), or None for words and NaN; the digest,
    /patient and the dashboard read answers with it too."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is not a mood


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:g}" for v in values)


async def mood_drop(work: Work, patient: Patient, value: Any) -> Alert | None:
    current = as_number(value)
    if current is None:
        return None
    rows = (await _history(work, patient.id))[MOOD_KEY]
    previous = [v for v in (as_number(r) for r in rows) if v is not None]
    if len(previous) < MOOD_MIN_HISTORY:
        return None
    mean = sum(previous) / len(previous)
    if mean - current < MOOD_DROP:
        return None
    earlier = list(reversed(previous))
    reason = (f"sudden mood drop: {current:g}/10 today, {mean - current:.1f} points below the mean "
              f"of the previous {len(previous)} ({mean:.1f}; oldest to newest: {_fmt(earlier)})")
    return await raise_signal(work, patient, MOOD_DROP_SIGNAL, "concern", reason)


async def repeated_skips(work: Work, patient: Patient, outcome: str) -> Alert | None:
    if outcome != "skipped":
        return None
    recent = [outcome] + [str(v) for v in (await _history(work, patient.id))[EXERCISE_KEY]]
    skipped = recent.count("skipped")
    if skipped != SKIP_LIMIT:
        return None  # reaching the limit raises once; more skips in the same run do not
    reason = (f"withdrawal: exercise skipped {skipped} of the last {len(recent)} times "
              f"(oldest to newest: {', '.join(reversed(recent))})")
    return await raise_signal(work, patient, SKIPS_SIGNAL, "rupture", reason)


def _feedback_scale(work: Work) -> tuple[float, float, dict[str, str]]:
    """(highest item value, highest score, item labels) from the questionnaire's content."""
    from bot.charts import item_max, localized, max_score

    spec = dict(work.bundle.questionnaires.get(SESSION_FEEDBACK) or {})
    top = item_max(spec) or DEFAULT_ITEM_MAX
    items = spec.get("items")
    labels = {str(item.get("id")): localized(item.get("text"))
              for item in (items if isinstance(items, list) else []) if isinstance(item, dict)}
    return top, max_score(spec) or top, labels


def _flagged_by_content(work: Work, event: ev.QuestionnaireScored) -> bool:
    """The questionnaire's own thresholds fired, and the dialogue raised that alert already."""
    from bot.engine.scoring import score_questionnaire

    spec = dict(work.bundle.questionnaires.get(SESSION_FEEDBACK) or {})
    answers = {f"{SESSION_FEEDBACK}.{item}": value for item, value in (event.answers or {}).items()}
    return bool(score_questionnaire(spec, SESSION_FEEDBACK, answers).flags)


@dataclass
class _Drop:
    """One way this patient's feedback fell below their own usual: the score (item None) or an item."""

    item: str | None
    value: float
    usual: float
    text: str


async def feedback_drop(work: Work, patient: Patient, event: ev.QuestionnaireScored) -> Alert | None:
    if _flagged_by_content(work, event):
        return None  # one alert is enough; its context already lists the recent scores
    top, score_top, labels = _feedback_scale(work)
    rows = await _before_this_one(work, select(Score.score, Score.answers).where(
        Score.patient_id == patient.id, Score.questionnaire == SESSION_FEEDBACK)
        .order_by(Score.at.desc(), Score.id.desc()).limit(FEEDBACK_HISTORY))
    previous = [float(score) for score, _ in rows]
    drops = []
    if len(previous) >= FEEDBACK_MIN_HISTORY:
        mean = sum(previous) / len(previous)
        if mean - float(event.score) >= FEEDBACK_DROP_SHARE * score_top:
            drops.append(_Drop(None, float(event.score), mean, (
                f"score {event.score:g}/{score_top:g}, down from their running mean of "
                f"{mean:.1f} over {len(previous)} sessions ({_fmt(list(reversed(previous)))})")))
    for item, value in (event.answers or {}).items():
        number = as_number(value)
        if number is None or number > LOW_ITEM_SHARE * top:
            continue
        usual = [v for v in (as_number((given or {}).get(item)) for _, given in rows) if v is not None]
        if len(usual) < FEEDBACK_MIN_HISTORY:
            continue  # no usual level to drop from yet: shown in the digest, not alerted
        item_mean = sum(usual) / len(usual)
        if item_mean - number >= FEEDBACK_DROP_SHARE * top:
            drops.append(_Drop(item, number, item_mean,
                               f"“{labels.get(item) or item}” {number:g}/{top:g}, their usual {item_mean:.1f}"))
    if not drops:
        return None
    group = await group_feedback(work, patient.group_id, work.now, exclude=patient.id) if patient.group_id else None
    own = [drop for drop in drops
           if not (group is not None and group.rated_lower(drop.item, drop.usual - drop.value,
                                                           score_top if drop.item is None else top))]
    if not own:  # the session went less well for everyone: the digest says so once, for the group
        work.audit("coachbot", "signal_group_wide", patient_id=patient.id, signal=FEEDBACK_SIGNAL)
        return None
    findings = [drop.text + _group_clause(work, group, drop.item) for drop in own if drop.item is None]
    low = [drop.text + _group_clause(work, group, drop.item) for drop in own if drop.item is not None]
    if low:
        findings.append("low: " + "; ".join(low))
    return await raise_signal(work, patient, FEEDBACK_SIGNAL, "rupture",
                              "session feedback (alliance): " + " — ".join(findings))


@dataclass
class GroupFeedback:
    """A group's session feedback on one session (`current`) and on up to
    `GROUP_HISTORY_SESSIONS` sessions before it (`before`), as (patient, score, item answers).

    Which session an answer is about: the group's latest session that had started when it was
    given (feedback is asked an hour after a session and answered within its week)."""

    starts_at: datetime
    current: list[tuple[str, float, dict[str, Any]]]
    before: list[tuple[str, float, dict[str, Any]]]

    @staticmethod
    def mean(rows: list[tuple[str, float, dict[str, Any]]], item: str | None = None,
             leave_out: str | None = None) -> float | None:
        """The mean score (item None) or item answer, without `leave_out`'s answers."""
        values = [v for v in (score if item is None else as_number((answers or {}).get(item))
                              for who, score, answers in rows if who != leave_out) if v is not None]
        return sum(values) / len(values) if values else None

    @property
    def enough(self) -> bool:
        """Enough answers on this session and before it to say how the session went."""
        return len(self.current) >= GROUP_MIN_ANSWERS and len(self.before) >= GROUP_MIN_ANSWERS

    def rated_lower(self, item: str | None, own_drop: float, scale: float) -> bool:
        """The group's mean for this session fell from its usual as a patient's own drop of
        `own_drop` would be explained by the session: by `GROUP_DROP_SHARE` of the scale and
        at least `GROUP_DROP_PART` of that own drop."""
        now, usual = self.mean(self.current, item), self.mean(self.before, item)
        if not self.enough or now is None or usual is None:
            return False
        return usual - now >= max(GROUP_DROP_SHARE * scale, GROUP_DROP_PART * own_drop)

    def whole_group_lower(self, scale: float) -> bool:
        """Every member's view aside, the others still rated the session lower than their usual:
        no single patient's drop makes it (that one is their own, and alerted as such)."""
        raters = {who for who, _, _ in self.current}
        if len(raters) < GROUP_MIN_ANSWERS + 1 or len(self.before) < GROUP_MIN_ANSWERS:
            return False
        for who in raters:
            now, usual = self.mean(self.current, leave_out=who), self.mean(self.before, leave_out=who)
            if now is None or usual is None or usual - now < GROUP_DROP_SHARE * scale:
                return False
        return True


async def group_feedback(work: Work, group_id: str, at: datetime, exclude: str | None = None,
                         until: datetime | None = None) -> GroupFeedback | None:
    """The group's feedback on its latest session started by `at` and the sessions before it
    (without `exclude`'s, and given before `until` if set); None before its first session.
    The query flushes: other patients' answers of a shared transaction (bot.batching) count,
    and the pending answer being checked is `exclude`'s."""
    starts = list(await work.session.scalars(select(GroupSession.starts_at).where(
        GroupSession.group_id == group_id, GroupSession.starts_at <= at)
        .order_by(GroupSession.starts_at.desc()).limit(GROUP_HISTORY_SESSIONS + 1)))
    if not starts:
        return None
    start = starts[0]
    following = await work.session.scalar(select(func.min(GroupSession.starts_at)).where(
        GroupSession.group_id == group_id, GroupSession.starts_at > start))
    query = (select(Score.patient_id, Score.score, Score.answers, Score.at)
             .join(Patient, Patient.id == Score.patient_id)
             .where(Patient.group_id == group_id, Score.questionnaire == SESSION_FEEDBACK,
                    Score.at >= starts[-1]))
    if exclude is not None:
        query = query.where(Score.patient_id != exclude)
    for bound in (following, until):
        if bound is not None:
            query = query.where(Score.at < bound)
    rows = list(await work.session.execute(query))
    return GroupFeedback(starts_at=start,
                         current=[(who, float(score), answers) for who, score, answers, when in rows if when >= start],
                         before=[(who, float(score), answers) for who, score, answers, when in rows if when < start])


def _group_clause(work: Work, group: GroupFeedback | None, item: str | None) -> str:
    """How the rest of the group rated the same session, after a drop of this patient's."""
    if group is None:
        return ""
    now, usual = group.mean(group.current, item), group.mean(group.before, item)
    if group.enough and now is not None and usual is not None:
        return work.text("clinician.feedback.group_steady", CLINICIAN_LOCALE,
                         "; the rest of the group rated this session {group} (their usual {usual})",
                         group=f"{now:.1f}", usual=f"{usual:.1f}")
    return work.text("clinician.feedback.group_too_few", CLINICIAN_LOCALE,
                     "; other answers for this session so far: {count}, too few to tell whether "
                     "it was the session", count=str(len(group.current)))


@dataclass
class GroupNote:
    """A session the whole group rated lower than usual: a note for the digest, not an alert."""

    starts_at: datetime
    usual: float
    mean: float
    count: int
    template: str
    """The note's words from the content, `{when}` filled in per clinician (their time zone)."""

    def text(self, when: str) -> str:
        return render(self.template, {"when": when, "usual": f"{self.usual:.1f}",
                                      "group": f"{self.mean:.1f}", "count": str(self.count)})


async def group_feedback_notes(work: Work, group_id: str, since: datetime, until: datetime) -> list[GroupNote]:
    """For the digest: each session of the group in [since, until) that the whole group rated
    lower than its usual (`GroupFeedback.whole_group_lower`). A digest covers the sessions since
    the previous one, so each session's note is shown once."""
    score_top = _feedback_scale(work)[1]
    template = work.bundle.message("clinician.feedback.group_lower", CLINICIAN_LOCALE) or (
        "The whole group rated the session of {when} lower than usual ({usual} → {group}, "
        "{count} answers): about the session, not one patient's alliance.")
    notes = []
    for start in list(await work.session.scalars(select(GroupSession.starts_at).where(
            GroupSession.group_id == group_id, GroupSession.starts_at >= since, GroupSession.starts_at < until)
            .order_by(GroupSession.starts_at))):
        group = await group_feedback(work, group_id, start, until=until)
        if group is None or not group.whole_group_lower(score_top):
            continue
        now, usual = group.mean(group.current), group.mean(group.before)
        if now is not None and usual is not None:
            notes.append(GroupNote(start, usual, now, len(group.current), template))
    return notes


def low_items(work: Work, answers: dict[str, Any]) -> list[str]:
    """A session feedback's items at or below `LOW_ITEM_SHARE` of the scale, as "heard 3/10":
    what the digest and /patient show (an alert needs a drop from the patient's own usual)."""
    top = _feedback_scale(work)[0]
    low = []
    for item, value in answers.items():
        number = as_number(value)
        if number is not None and number <= LOW_ITEM_SHARE * top:
            low.append(f"{item} {number:g}/{top:g}")
    return low


async def raise_signal(work: Work, patient: Patient, kind: str, severity: str, reason: str) -> Alert | None:
    """One alert of a kind per patient per local day, and none while the last is unacknowledged."""
    prefix = f"signal:{kind}:{patient.id}:"
    key = prefix + local_date(patient.timezone, work.now)
    earlier = await work.session.scalar(
        select(Alert).where(Alert.patient_id == patient.id,
                            Alert.idempotency_key.startswith(prefix, autoescape=True))
        .order_by(Alert.created_at.desc(), Alert.id.desc()).limit(1))
    if earlier is not None and (earlier.idempotency_key == key or earlier.status == "open"):
        work.audit("coachbot", "signal_suppressed", patient_id=patient.id, alert_id=earlier.id,
                   signal=kind, reason=reason[:300])
        return None
    return await escalation.raise_alert(work, patient, severity, "signal", reason, None, key)
