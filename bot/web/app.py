"""The clinicians' web dashboard: a door that translates HTTP into the domain's functions.

It reads the same records as the Telegram commands (bot.clinicians' figures) and acts on
alerts through the same functions as the Telegram buttons (bot.safety.escalation), so an
acknowledgement here is the one there, with the same audit entries. A clinician sees only
their own groups (assigned or backup): any other group's, patient's or alert's id answers
404, as an unknown id does, and the attempt is audited. Sign-in: bot.signin.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import clinicians, goals, measures, signin
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.registry import ContentRegistry
from bot.engine.engine import Engine
from bot.errors import StorageError
from bot.safety import escalation
from bot.signals import MOOD_KEY, as_number
from bot.storage.db import Database
from bot.storage.models import Alert, Answer, Clinician, Group, GroupClinician, GroupSession, Message, Patient, Score
from bot.timeutil import clinician_time
from bot.web import charts as web_charts
from bot.web.html import e, hidden_csrf, link, page, url
from bot.work import Work

log = logging.getLogger(__name__)

COOKIE = "coachbot_session"
PAGE_SIZE = 25
"""Timeline entries per page."""
MAX_PAGES = 400
MAX_QUEUE = 200
"""Open alerts listed in the queue (oldest crisis first)."""
MAX_FORM_BYTES = 20_000
MAX_NOTE_CHARS = 2000
UPCOMING_SESSIONS = 3
SEVERITY_LABEL = {"crisis": "Crisis", "concern": "Concern", "rupture": "Rupture signal"}
DONE = {
    "ack": "Acknowledged: the team has been told you are on it.",
    "contacted": "Marked as contacted.",
    "resolved": "Resolved.",
    "useful": "Thanks: marked as useful.",
    "false": "Thanks: marked as a false alarm.",
    "already": "This alert was already resolved.",
    "note": "Note saved.",
    "empty": "The note was empty, so nothing was saved.",
}
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
"""No caching of patients' data, no framing, and no Referer (a sign-in link is in a URL)."""


@dataclass
class Dashboard:
    settings: Settings
    db: Database
    content: ContentRegistry
    clock: Clock
    engine: Engine

    def work(self, session: Any) -> Work:
        return Work(session=session, now=self.clock.now(), db=self.db, content=self.content,
                    engine=self.engine, settings=self.settings)

    @property
    def secure_cookie(self) -> bool:
        return self.settings.dashboard_url.startswith("https://")


@dataclass
class Visitor:
    """A signed-in clinician, with the session's secret (its CSRF token derives from it)."""

    clinician: Clinician
    secret: str
    groups: list[str]

    @property
    def actor(self) -> str:
        return f"clinician:{self.clinician.id}"

    @property
    def csrf(self) -> str:
        return signin.csrf_token(self.secret)


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303, headers=HEADERS)


def when(clinician: Clinician, moment: datetime | None) -> str:
    return clinician_time(clinician.timezone, moment) if moment is not None else "–"


async def visitor(work: Work, request: Request) -> Visitor | None:
    secret = request.cookies.get(COOKIE)
    clinician = await signin.session_clinician(work, secret)
    if clinician is None or secret is None:
        return None
    return Visitor(clinician, secret, await clinicians.group_ids(work, clinician))


async def form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


async def open_alert_count(work: Work, me: Visitor) -> int:
    count = await work.session.scalar(select(func.count(Alert.id)).where(
        Alert.group_id.in_(me.groups), Alert.status != "resolved"))
    return int(count or 0)


async def layout(work: Work, me: Visitor, title: str, body: str, status: int = 200) -> HTMLResponse:
    return html(page(title, body, signed_in=me.clinician.name, csrf=me.csrf,
                     open_alerts=await open_alert_count(work, me)), status)


async def not_found(work: Work, me: Visitor, what: str, **refused: Any) -> HTMLResponse:
    """The one answer for an unknown id and for one outside the clinician's groups; audited."""
    work.audit(me.actor, "refused", reason="outside the clinician's groups, or unknown", via="dashboard",
               **refused)
    body = (f'<p class="problem">There is no {e(what)} with that id in your groups.</p>'
            f'<p>{link("/", "Back to your groups")}</p>')
    return await layout(work, me, "Not found", body, 404)


Handler = Callable[[Work, Request, Visitor], Awaitable[Response]]


Endpoint = Callable[[Request], Awaitable[Response]]


def signed_in(dashboard: Dashboard, handler: Handler, *, post: bool = False) -> Endpoint:
    """Run `handler` in one transaction for a signed-in clinician; a form must carry the
    session's CSRF token. Without a session: GET goes to the sign-in help, POST is refused."""

    async def endpoint(request: Request) -> Response:
        async with dashboard.db.transaction() as session:
            work = dashboard.work(session)
            me = await visitor(work, request)
            if me is None:
                if post:
                    return html(page("Signed out", '<p class="problem">Your session has ended. '
                                     '<a href="/signin">Sign in again</a>.</p>'), 403)
                return redirect("/signin")
            if post:
                fields = await form(request)
                if not signin.csrf_ok(me.secret, fields.get("csrf")):
                    work.audit(me.actor, "refused", reason="CSRF token missing or wrong", via="dashboard",
                               path=request.url.path[:100])
                    return await layout(work, me, "Refused", '<p class="problem">This form was not sent from '
                                        'your dashboard page (or the page was too old). Nothing was changed. '
                                        '<a href="/">Start again</a>.</p>', 403)
                request.state.form = fields
            return await handler(work, request, me)

    return endpoint


# --- pages -----------------------------------------------------------------------------------


async def home(work: Work, request: Request, me: Visitor) -> Response:
    if not me.groups:
        return await layout(work, me, "Your groups", "<p>You have no groups yet. An administrator assigns "
                            "them (<code>coachbot admin assign</code>).</p>")
    assigned = set(await work.session.scalars(
        select(GroupClinician.group_id).where(GroupClinician.clinician_id == me.clinician.id)))
    # One query per figure for all the clinician's groups (not one per group).
    groups = {g.id: g for g in await work.session.scalars(select(Group).where(Group.id.in_(me.groups)))}
    member_counts = {key: n for key, n in await work.session.execute(select(Patient.group_id, func.count(Patient.id))
                     .where(Patient.group_id.in_(me.groups), Patient.status != "deleted").group_by(Patient.group_id))}
    alert_counts = {key: n for key, n in await work.session.execute(select(Alert.group_id, func.count(Alert.id))
                    .where(Alert.group_id.in_(me.groups), Alert.status != "resolved").group_by(Alert.group_id))}
    ranked = select(GroupSession.group_id, GroupSession.starts_at, func.row_number().over(
        partition_by=GroupSession.group_id, order_by=GroupSession.starts_at).label("n")).where(
        GroupSession.group_id.in_(me.groups), GroupSession.starts_at > work.now).subquery()
    next_sessions: dict[str, list[datetime]] = {}
    for group_key, starts_at in await work.session.execute(select(ranked.c.group_id, ranked.c.starts_at).where(
            ranked.c.n <= UPCOMING_SESSIONS).order_by(ranked.c.starts_at)):
        next_sessions.setdefault(group_key, []).append(starts_at)
    items = []
    for group_id in me.groups:
        group = groups.get(group_id)
        members = member_counts.get(group_id)
        alerts = alert_counts.get(group_id)
        upcoming = next_sessions.get(group_id, [])
        name = group.name if group is not None and group.name and group.name != group_id else ""
        title = group_id + (f" – {name}" if name else "")
        role = "" if group_id in assigned else ' <span class="muted">(you are the backup)</span>'
        sessions = (", ".join(e(when(me.clinician, s)) for s in upcoming) if upcoming else "none planned")
        count = int(members or 0)
        open_alerts = int(alerts or 0)
        items.append(
            f'<li><h2>{link(url("groups", group_id), "Group " + title)}{role}</h2>'
            f"<p>{count} patient{'s' if count != 1 else ''} · "
            + (f'<a href="/alerts">{open_alerts} open alert{"s" if open_alerts != 1 else ""}</a>'
               if open_alerts else "no open alerts")
            + f"</p><p>Next session{'s' if len(upcoming) > 1 else ''}: {sessions}</p></li>")
    body = (f'<p>Times are in your time zone ({e(me.clinician.timezone)}). '
            f'{link("/alerts", "The alert queue")} lists every open alert of your groups.</p>'
            f'<ul class="cards">{"".join(items)}</ul>')
    return await layout(work, me, "Your groups", body)


@dataclass
class Row:
    patient: Patient
    week: clinicians.PatientWeek
    last_mood: Answer | None

    @property
    def crisis(self) -> bool:
        return self.patient.crisis_open or any(a.severity == "crisis" for a in self.week.open_alerts)

    def risk_key(self) -> tuple[int, int, float, str]:
        """Open crisis first, then open alerts (more first), then low mood (unknown last)."""
        mood = as_number(self.last_mood.value) if self.last_mood is not None else None
        return (0 if self.crisis else 1, -len(self.week.open_alerts), 99.0 if mood is None else mood,
                self.week.name.lower())


async def last_answers(work: Work, patient_ids: list[str], key: str) -> dict[str, Answer]:
    """Each patient's newest answer to `key`, in one query for all of them."""
    ranked = select(Answer.id, func.row_number().over(
        partition_by=Answer.patient_id, order_by=(Answer.at.desc(), Answer.id.desc())).label("newest")).where(
        Answer.patient_id.in_(patient_ids), Answer.key == key).subquery()
    newest = await work.session.scalars(select(Answer).join(ranked, Answer.id == ranked.c.id)
                                        .where(ranked.c.newest == 1))
    return {answer.patient_id: answer for answer in newest}


async def group_page(work: Work, request: Request, me: Visitor) -> Response:
    group_id = request.path_params["group_id"]
    group = await work.session.get(Group, group_id)
    if group is None or group_id not in me.groups:
        return await not_found(work, me, "group", group=group_id[:64])
    members = await clinicians.group_members(work, group_id)
    weeks = await clinicians.patient_weeks(work, members, work.now - timedelta(days=clinicians.STATUS_DAYS), work.now)
    last = await last_answers(work, [p.id for p in members], MOOD_KEY)
    sparks = await web_charts.sparks(work, members)
    rows = [Row(patient, week, last.get(patient.id)) for patient, week in zip(members, weeks, strict=True)]
    rows.sort(key=Row.risk_key)
    items = []
    for row in rows:
        patient, week = row.patient, row.week
        classes = "crisis" if row.crisis else (week.open_alerts[0].severity if week.open_alerts else "")
        flags = []
        if row.crisis:
            flags.append('<span class="tag crisis">Crisis open</span>')
        if week.open_alerts:
            flags.append(f"{len(week.open_alerts)} open alert{'s' if len(week.open_alerts) != 1 else ''}")
        if patient.status != "active":
            flags.append(e(patient.status))
        mood = ("no mood answer yet" if row.last_mood is None
                else f"last mood {e(row.last_mood.value)}/10 ({e(when(me.clinician, row.last_mood.at))})")
        adherence = week.exercise
        exercise = (f"exercise {adherence.did} of {adherence.offered} days"
                    + (f" ({adherence.percent} %)" if adherence.percent is not None else "")
                    if adherence.offered else "no exercise offered")
        items.append(
            f'<li class="{classes}"><h2>{link(url("patients", patient.id), week.name)}</h2>'
            + web_charts.sparkline(sparks[patient.id])
            + (f"<p>{' · '.join(flags)}</p>" if flags else "")
            + f"<p>{mood} · {exercise} in the last {clinicians.STATUS_DAYS} days · check-ins "
              f"{week.checkins_done}/{week.checkins}"
            + "".join(f" · {e(measured.text())}" for measured in week.measures if measured.values)  # bot.measures
            + "</p></li>")
    title = f"Group {group.id}" + (f" – {group.name}" if group.name and group.name != group.id else "")
    body = ("<p>Patients by risk: an open crisis first, then open alerts, then low mood.</p>"
            + (f'<ul class="cards">{"".join(items)}</ul>' if items else "<p>No patients in this group yet.</p>"))
    return await layout(work, me, title, body)


@dataclass
class Entry:
    at: datetime
    kind: str
    text: str
    """HTML, already escaped."""


async def timeline(work: Work, patient: Patient, clinician: Clinician, page_no: int) -> tuple[list[Entry], bool]:
    """One page of everything about the patient, newest first, and whether older ones exist."""
    wanted = page_no * PAGE_SIZE + 1
    entries: list[Entry] = []
    declared = {(m.dialogue, m.key): m for m in measures.declared(work.bundle)}
    for answer in await work.session.scalars(select(Answer).where(Answer.patient_id == patient.id)
                                             .order_by(Answer.at.desc(), Answer.id.desc()).limit(wanted)):
        measure = declared.get((answer.dialogue, answer.key))
        value = measure.value(answer.value) if measure is not None else None
        if measure is not None and value is not None:  # a measure the content declares (bot.measures)
            crossed = measure.crossed(value)
            entries.append(Entry(answer.at, "Measure", f"{e(measure.name)}: <strong>{value:g}</strong>"
                                 f"/{measure.high:g} ({e(measure.scale_text)})"
                                 + (f" ⚑ {e(measure.threshold_text(crossed))}" if crossed else "")
                                 + f' <span class="muted">({e(answer.dialogue)})</span>'))
            continue
        entries.append(Entry(answer.at, "Answer", f"{e(answer.key)}: <strong>{e(answer.value)}</strong> "
                             f'<span class="muted">({e(answer.dialogue)})</span>'))
    for score in await work.session.scalars(select(Score).where(Score.patient_id == patient.id)
                                            .order_by(Score.at.desc(), Score.id.desc()).limit(wanted)):
        entries.append(Entry(score.at, "Score", f"{e(score.questionnaire)}: <strong>{score.score:g}</strong>"
                             + (f" ({e(score.band)})" if score.band else "")))
    for alert in await work.session.scalars(select(Alert).where(Alert.patient_id == patient.id)
                                            .order_by(Alert.created_at.desc(), Alert.id.desc()).limit(wanted)):
        text = (f'<span class="tag {e(alert.severity)}">{e(SEVERITY_LABEL.get(alert.severity, alert.severity))}'
                f"</span> {e(alert.reason)} — {e(alert.status)}")
        if alert.note:
            text += f"<br>Note: {e(alert.note)}"
        entries.append(Entry(alert.created_at, "Alert", text))
    for message in await work.session.scalars(select(Message).where(Message.patient_id == patient.id)
                                              .order_by(Message.at.desc(), Message.id.desc()).limit(wanted)):
        text = f"“{e(message.text)}”"
        if message.risk != "none" or message.rupture != "none":
            text += f' <span class="muted">(triage: {e(message.risk)}, rupture {e(message.rupture)})</span>'
        entries.append(Entry(message.at, "They wrote", text))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    start = (page_no - 1) * PAGE_SIZE
    return entries[start:start + PAGE_SIZE], len(entries) > start + PAGE_SIZE


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return min(max(int(raw), 1), MAX_PAGES) if raw.isdigit() else 1


async def patient_page(work: Work, request: Request, me: Visitor) -> Response:
    patient_id = request.path_params["patient_id"]
    patient = await work.session.get(Patient, patient_id)
    if patient is None or patient.status == "deleted" or patient.group_id not in me.groups:
        return await not_found(work, me, "patient", patient_id=patient_id[:64])
    work.audit(me.actor, "viewed_patient", patient_id=patient.id, via="dashboard")
    page_no = page_number(request)
    week = await clinicians.patient_week(work, patient, work.now - timedelta(days=clinicians.STATUS_DAYS), work.now)
    entries, older = await timeline(work, patient, me.clinician, page_no)
    goal_trends = await goals.trends(work, patient.id)
    rows = "".join(f"<tr><td>{e(when(me.clinician, entry.at))}</td><td>{e(entry.kind)}</td><td>{entry.text}</td></tr>"
                   for entry in entries)
    nav = []
    if page_no > 1:
        nav.append(link(url("patients", patient.id, page=page_no - 1), "← Newer"))
    if older:
        nav.append(link(url("patients", patient.id, page=page_no + 1), "Older →"))
    status = "crisis open, programme paused" if patient.crisis_open else patient.status
    svgs = await web_charts.patient_svgs(work, patient) if page_no == 1 else []  # older pages: timeline only
    charts_section = ("<h2>Charts</h2>" + "".join(f'<figure class="chart">{svg}</figure>' for svg in svgs)
                      if svgs else "")
    body = (f"<p>Group {link(url('groups', patient.group_id or ''), patient.group_id)} · {e(status)} · "
            f"time zone {e(patient.timezone)}</p>"
            f"<h2>Last {clinicians.STATUS_DAYS} days</h2><p>{e(' · '.join(clinicians.status_parts(week)))}</p>"
            + charts_section
            + "<h2>Goals (weekly ratings, 0-10)</h2>"
            + ("<ul>" + "".join(f"<li>{e(goals.trend_line(t))}</li>" for t in goal_trends) + "</ul>"
               if goal_trends else "<p>None set yet.</p>")
            + f"<h2>Timeline (newest first, page {page_no})</h2>"
            + (f"<table><caption class=\"muted\">Answers, measures, scores, alerts and messages</caption>"
               f'<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Detail</th></tr>'
               f"</thead><tbody>{rows}</tbody></table>" if rows else "<p>Nothing recorded yet.</p>")
            + (f'<nav class="pages" aria-label="Timeline pages">{"".join(nav)}</nav>' if nav else ""))
    return await layout(work, me, week.name, body)


async def alert_queue(work: Work, request: Request, me: Visitor) -> Response:
    alerts = list(await work.session.scalars(select(Alert).where(
        Alert.group_id.in_(me.groups), Alert.status != "resolved").order_by(Alert.created_at, Alert.id)))
    alerts.sort(key=lambda a: (clinicians.SEVERITY_RANK.get(a.severity, 9), a.created_at, a.id))
    notice = DONE.get(request.query_params.get("done", ""))
    shown = alerts[:MAX_QUEUE]
    names = {p.id: p.display_name for p in await work.session.scalars(
        select(Patient).where(Patient.id.in_({a.patient_id for a in shown})))}
    items = []
    for alert in shown:
        name = names.get(alert.patient_id, alert.patient_id)
        label = SEVERITY_LABEL.get(alert.severity, alert.severity)
        ident = f"alert-{alert.id}"
        details = [f"Raised {e(when(me.clinician, alert.created_at))} · group {e(alert.group_id)} · "
                   f"status <strong>{e(alert.status)}</strong>"
                   + (f" by {e(alert.acknowledged_by)}" if alert.acknowledged_by else "")]
        details.append(f"Why: {e(alert.reason)}")
        if alert.text:
            details.append(f"They wrote: “{e(alert.text)}”")
        folded = int((alert.context or {}).get("folded_count") or 0)
        if folded:
            details.append(f"Signals added since: {folded}")
        if alert.note:
            details.append(f"Notes: {e(alert.note)}")
        buttons = "".join(f'<button type="submit" name="action" value="{action}"'
                          f'{" class=secondary" if action in ("useful", "false") else ""}>{e(text)}</button>'
                          for action, text in escalation.ALERT_ACTIONS.items())
        act = url("alerts", alert.id, "act")
        note = url("alerts", alert.id, "note")
        items.append(
            f'<li class="{e(alert.severity)}" id="{ident}" aria-labelledby="{ident}-h">'
            f'<h2 id="{ident}-h"><span class="tag {e(alert.severity)}">{e(label)}</span> '
            f'{link(url("patients", alert.patient_id), name)}</h2>'
            + "".join(f"<p>{d}</p>" for d in details)
            + f'<form method="post" action="{e(act)}">{hidden_csrf(me.csrf)}'
              f'<fieldset><legend>Act on this alert</legend>{buttons}</fieldset></form>'
              f'<form method="post" action="{e(note)}">{hidden_csrf(me.csrf)}'
              f'<label for="{ident}-note">Note for the team</label>'
              f'<textarea id="{ident}-note" name="note" rows="2" maxlength="{MAX_NOTE_CHARS}"></textarea>'
              f'<button type="submit" class="secondary">Save note</button></form></li>')
    body = ((f'<p class="notice" role="status">{e(notice)}</p>' if notice else "")
            + "<p>Open alerts of your groups: crises first, then concerns, then rupture signals; "
              "oldest first within each. The buttons do what the buttons in Telegram do.</p>"
            + (f'<ul class="cards">{"".join(items)}</ul>' if items else "<p>No open alerts.</p>"))
    return await layout(work, me, "Alert queue", body)


async def _my_alert(work: Work, request: Request, me: Visitor) -> Alert | Response:
    raw = request.path_params["alert_id"]
    alert = await work.session.get(Alert, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if alert is None or not await escalation.may_see(work, me.clinician.id, alert.group_id):
        return await not_found(work, me, "alert", alert_id=int(raw) if raw.isdigit() and len(raw) < 10 else None)
    return alert


async def act_on_alert(work: Work, request: Request, me: Visitor) -> Response:
    found = await _my_alert(work, request, me)
    if isinstance(found, Response):
        return found
    action = request.state.form.get("action", "")
    if action not in escalation.ALERT_ACTIONS:
        return await layout(work, me, "Unknown action", '<p class="problem">That is not an action on alerts. '
                            '<a href="/alerts">Back to the queue</a>.</p>', 400)
    already = found.status == "resolved" and action in escalation.STATUS_OF_ACTION
    await escalation.act_on_alert(work, me.clinician, found.id, action)
    return redirect(url("alerts", done="already" if already else action) + f"#alert-{found.id}")


async def note_on_alert(work: Work, request: Request, me: Visitor) -> Response:
    found = await _my_alert(work, request, me)
    if isinstance(found, Response):
        return found
    text = request.state.form.get("note", "").strip()[:MAX_NOTE_CHARS]
    if not text:
        return redirect(url("alerts", done="empty") + f"#alert-{found.id}")
    me.clinician.pending_note_alert_id = found.id  # as after a button in Telegram: the text is its note
    await escalation.add_note(work, me.clinician, text)
    return redirect(url("alerts", done="note") + f"#alert-{found.id}")


# --- signing in and out ------------------------------------------------------------------------

SIGN_IN_HELP = ("<p>To sign in, send <strong>/dashboard</strong> to the coach bot in Telegram, or ask an "
                "administrator to run <code>coachbot admin login-link YOUR_ID</code>. You get a link that "
                f"works once, for {signin.LINK_MINUTES} minutes.</p>")


async def signin_help(request: Request) -> Response:
    notice = ('<p class="notice" role="status">You are signed out.</p>'
              if request.query_params.get("out") else "")
    return html(page("Sign in", notice + SIGN_IN_HELP))


def refused_link() -> HTMLResponse:
    return html(page("This sign-in link cannot be used",
                     '<p class="problem">This link has already been used, has expired or is not known. '
                     "Each link works once, within "
                     f"{signin.LINK_MINUTES} minutes.</p>" + SIGN_IN_HELP), 410)


def login_page(dashboard: Dashboard) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        secret = request.path_params["secret"]
        async with dashboard.db.transaction() as session:
            work = dashboard.work(session)
            if request.method == "GET":
                # Asking does not use the link up, so a chat app's link preview cannot spend it.
                clinician = await signin.link_clinician(work, secret)
                if clinician is None:
                    work.audit("dashboard", "dashboard_link_refused", reason="unknown, used or expired sign-in link")
                    return refused_link()
                return html(page("Sign in", f"<p>Sign in to the dashboard as <strong>{e(clinician.name)}"
                                 '</strong>?</p><form method="post"><button type="submit">Sign in</button></form>'))
            redeemed = await signin.redeem_login_link(work, secret)
        if redeemed is None:
            return refused_link()
        response = redirect("/")
        response.set_cookie(COOKIE, redeemed[1], max_age=signin.SESSION_HOURS * 3600, path="/", httponly=True,
                            samesite="lax", secure=dashboard.secure_cookie)
        return response

    return endpoint


async def sign_out(work: Work, request: Request, me: Visitor) -> Response:
    await signin.end_session(work, me.secret)
    response = redirect("/signin?out=1")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=work.settings.dashboard_url
                           .startswith("https://"))
    return response


# --- the application -------------------------------------------------------------------------


def create_app(settings: Settings, *, db: Database | None = None, clock: Clock | None = None,
               content: ContentRegistry | None = None) -> Starlette:
    """The dashboard; without `db` it opens (and migrates) the settings' database itself."""
    own = db is None
    database = db if db is not None else Database(settings.database_url)
    dashboard = Dashboard(settings=settings, db=database, clock=clock or SystemClock(), engine=Engine(),
                          content=content or ContentRegistry([settings.dialogues_dir, settings.content_dir]))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if own:
            await database.migrate()
        try:
            yield
        finally:
            if own:
                await database.dispose()

    async def unavailable(request: Request, exc: Exception) -> Response:
        log.error("dashboard: database unavailable (%s)", exc)
        return html(page("Please try again", '<p class="problem">The database cannot be reached just now. '
                         "Please try again in a minute.</p>"), 503)

    def get(path: str, handler: Handler) -> Route:
        return Route(path, signed_in(dashboard, handler), methods=["GET"])

    def post(path: str, handler: Handler) -> Route:
        return Route(path, signed_in(dashboard, handler, post=True), methods=["POST"])

    routes = [
        get("/", home),
        get("/groups/{group_id}", group_page),
        get("/patients/{patient_id}", patient_page),
        get("/alerts", alert_queue),
        post("/alerts/{alert_id}/act", act_on_alert),
        post("/alerts/{alert_id}/note", note_on_alert),
        post("/logout", sign_out),
        Route("/signin", signin_help, methods=["GET"]),
        Route(signin.LOGIN_PATH + "{secret}", login_page(dashboard), methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={StorageError: unavailable})
    app.state.dashboard = dashboard
    return app


def parse_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen {listen!r}: expected HOST:PORT, e.g. 127.0.0.1:8080")
    return host.strip("[]"), int(port)


def serve(settings: Settings, listen: str) -> int:
    """`coachbot dashboard`: serve until interrupted. No access log: sign-in links are URLs."""
    import uvicorn

    host, port = parse_listen(listen)
    log.info("dashboard on http://%s:%d (links point to %s)", host, port, settings.dashboard_url)
    uvicorn.run(create_app(settings), host=host, port=port, access_log=False, log_config=None,
                proxy_headers=False, server_header=False)
    return 0
