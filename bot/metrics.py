"""What an operator scrapes (README "Metrics and alerts"): the registry and every metric in it.

The layers record into the objects here (the inbox, the sender, triage, the Rasa client and
its circuit breaker, the scheduler); only the HTTP listener (bot.metrics_server) serves them.
The queues (inbox, outbox by priority, due jobs) are read from the database when scraped,
with bounded queries, rather than counted as rows come and go: a count kept in memory drifts
(several processes share a database, a crash loses what was in flight), the tables do not.

Labels are categories fixed in code (a priority's name, an outcome, a risk band), never
anything a person wrote, a name or an id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import bindparam, func, select

from bot import outbox
from bot.clock import Clock
from bot.errors import StorageError
from bot.safety.verdict import RUPTURE_KINDS, Verdict
from bot.storage.db import Database
from bot.storage.models import InboxUpdate, Job, Outbox

log = logging.getLogger(__name__)

disable_created_metrics()  # no `_created` series beside each counter: half the lines, nothing lost for alerts
REGISTRY = CollectorRegistry()
"""The bot's own registry (not prometheus_client's global one, so no library adds to it)."""
ProcessCollector(registry=REGISTRY)  # process_cpu_seconds_total, process_resident_memory_bytes, ...

PRIORITY_NAMES = {outbox.PRIORITY_CRISIS: "crisis", outbox.PRIORITY_REPLY: "reply", outbox.PRIORITY_ALERT: "alert",
                  outbox.PRIORITY_SCHEDULED: "scheduled", outbox.PRIORITY_BULK: "bulk",
                  outbox.PRIORITY_STRANGER: "stranger"}


def priority_name(priority: int) -> str:
    return PRIORITY_NAMES.get(priority, str(priority))


# --- recorded by the layers ---------------------------------------------------------------------

INBOX_RECEIVED = Counter("coachbot_inbox_updates_received", "Updates stored in the inbox (duplicates not counted).",
                         registry=REGISTRY)
INBOX_HANDLED = Counter("coachbot_inbox_updates_handled", "Inbox updates finished, by outcome: handled, "
                        "unreadable (set aside), failed (given up after retries).", ["outcome"], registry=REGISTRY)

OUTBOX_FINISHED = Counter("coachbot_outbox_messages", "Outbox rows finished by the sender, by status (sent, failed, "
                          "blocked) and priority; rate(..{status=\"sent\"}) is the send rate.",
                          ["status", "priority"], registry=REGISTRY)
OUTBOX_RETRIES = Counter("coachbot_outbox_retries", "Sends put off to try again: a network error or 5xx "
                         "(reason=error) or Telegram's 429 (reason=429).", ["reason"], registry=REGISTRY)
TELEGRAM_429 = Counter("coachbot_telegram_429", "Telegram's 429 Too Many Requests on a send; scope=bot when the "
                       "whole bot was paused, scope=chat when one chat was.", ["scope"], registry=REGISTRY)
TELEGRAM_SEND_SECONDS = Histogram("coachbot_telegram_send_seconds", "One outbox row's Bot API requests, "
                                  "from the first to Telegram's last answer (pacing waits included).",
                                  buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=REGISTRY)

NLU_OUTCOMES = ("ok", "saturated", "timeout", "error")
NLU_SECONDS = Histogram("coachbot_nlu_seconds", "Rasa /model/parse requests by outcome (ok; saturated: the "
                        "worker is answering, only not within the budget; timeout: it answers nothing; error) "
                        "and worker (host:port): how long the bot waited.", ["outcome", "worker"],
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5), registry=REGISTRY)
NLU_SATURATED = Counter("coachbot_nlu_saturated", "Messages that went without Rasa's intents because the NLU was "
                        "busy, by worker and reason (timeout: waited the budget, the worker answered late; busy: "
                        "every worker had its limit of requests in flight, none was sent). Not breaker failures.",
                        ["worker", "reason"], registry=REGISTRY)
NLU_IN_FLIGHT = Gauge("coachbot_nlu_in_flight", "Rasa requests outstanding per worker (late ones included).",
                      ["worker"], registry=REGISTRY)
NLU_SKIPPED = Counter("coachbot_nlu_skipped", "Messages triaged without Rasa because its circuit was open.",
                      registry=REGISTRY)
CIRCUIT_STATES = ("closed", "half-open", "open")
NLU_CIRCUIT = Gauge("coachbot_nlu_circuit_state", "The NLU circuit breaker's state: 1 for the state it is in, "
                    "0 for the others.", ["circuit", "state"], registry=REGISTRY)
NLU_CIRCUIT_OPENS = Counter("coachbot_nlu_circuit_opens", "Times the NLU circuit breaker opened.", ["circuit"],
                            registry=REGISTRY)

TRIAGE_VERDICTS = Counter("coachbot_triage_verdicts", "Messages triaged, by band (crisis, question: the direct "
                          "safety question, concern, none) and rupture (confrontation, withdrawal, none).",
                          ["band", "rupture"], registry=REGISTRY)

JOB_LAG_SECONDS = Histogram("coachbot_job_lag_seconds", "Scheduled jobs run (check-ins, reminders, escalations): "
                            "how long after they were due.",
                            buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600), registry=REGISTRY)
JOBS_FAILED = Counter("coachbot_jobs_failed", "Job runs that failed (retried later, or failed for good).",
                      registry=REGISTRY)


RISK_BANDS = ("crisis", "question", "concern", "none")
for _outcome in ("handled", "unreadable", "failed"):  # every series there from the start, at 0: so
    INBOX_HANDLED.labels(_outcome)  # rates and ratios in alert rules have something to work on
for _status in ("sent", "failed", "blocked"):
    for _priority in PRIORITY_NAMES.values():
        OUTBOX_FINISHED.labels(_status, _priority)
for _reason in ("error", "429"):
    OUTBOX_RETRIES.labels(_reason)
for _scope in ("bot", "chat"):
    TELEGRAM_429.labels(_scope)
for _band in RISK_BANDS:
    for _rupture in RUPTURE_KINDS:
        TRIAGE_VERDICTS.labels(_band, _rupture)


def circuit_state(circuit: str, state: str) -> None:
    """Called by the breaker (bot.safety.rasa.CircuitBreaker) whenever its state is set."""
    for each in CIRCUIT_STATES:
        NLU_CIRCUIT.labels(circuit, each).set(1 if each == state else 0)
    opens = NLU_CIRCUIT_OPENS.labels(circuit)
    if state == "open":
        opens.inc()


def nlu_worker(worker: str) -> None:
    """Called for each Rasa worker the client is given: its series there from the start, at 0."""
    for outcome in NLU_OUTCOMES:
        NLU_SECONDS.labels(outcome, worker)
    for reason in ("timeout", "busy"):
        NLU_SATURATED.labels(worker, reason)
    NLU_IN_FLIGHT.labels(worker)


def triage_verdict(verdict: Verdict) -> None:
    band = "crisis" if verdict.risk == "crisis" else "question" if verdict.ask else verdict.risk
    TRIAGE_VERDICTS.labels(band, verdict.rupture).inc()


def job_ran(due_at: datetime, now: datetime) -> None:
    JOB_LAG_SECONDS.observe(max((now - due_at).total_seconds(), 0.0))


# --- read from the database when scraped ---------------------------------------------------------

COUNT_CAP = 100_000
"""Rows counted at most per queue and scrape, so a scrape's cost stops growing with the backlog
(bench/metrics_bench.py, PostgreSQL, all queues read in one scrape: 8-17 ms with up to 10,000
messages waiting, about 65 ms with 100,000, the cap); past it, `coachbot_queue_capped` says the figures
are lower bounds, and which priorities the outbox's count saw first is the database's choice."""
CAP: Any = bindparam("cap")
_OUTBOX_PENDING = select(Outbox.priority).where(Outbox.status == "pending").limit(CAP).subquery()
OUTBOX_PENDING = select(_OUTBOX_PENDING.c.priority, func.count()).group_by(_OUTBOX_PENDING.c.priority)
OUTBOX_OLDEST_DUE = select(func.min(Outbox.next_attempt_at)).where(Outbox.status == "pending")
INBOX_PENDING = select(func.count()).select_from(
    select(InboxUpdate.update_id).where(InboxUpdate.status == "pending").limit(CAP).subquery())
INBOX_OLDEST = select(InboxUpdate.received_at).where(InboxUpdate.update_id == select(
    func.min(InboxUpdate.update_id)).where(InboxUpdate.status == "pending").scalar_subquery())
"""The oldest waiting update is the one with the smallest id (Telegram numbers them in order):
found in ix_inbox_pending alone, then its row by primary key."""
JOBS_DUE = select(func.count()).select_from(
    select(Job.id).where(Job.status == "pending", Job.due_at <= bindparam("now")).limit(CAP).subquery())
JOBS_OLDEST_DUE = select(func.min(Job.due_at)).where(Job.status == "pending")


@dataclass(frozen=True)
class Queues:
    """The queues as one scrape read them."""

    outbox_pending: dict[int, int]
    outbox_oldest_due_s: float
    inbox_pending: int
    inbox_oldest_s: float
    jobs_due: int
    jobs_oldest_due_s: float


def _age(now: datetime, since: datetime | None) -> float:
    """Seconds since `since` (0 when there is none, or it is still to come)."""
    return 0.0 if since is None else max((now - since).total_seconds(), 0.0)


async def read_queues(db: Database, now: datetime, cap: int = COUNT_CAP) -> Queues:
    """Each a short read through an index: the pending rows' counts stop at `cap`; the oldest
    due row of the outbox and of the jobs is one probe of their (status, time) index. The
    outbox's oldest pending time is its oldest *due* row only when that lies in the past (rows
    set for later, such as quiet hours, are not late)."""
    async with db.transaction() as session:
        by_priority = {int(p): int(n) for p, n in await session.execute(OUTBOX_PENDING, {"cap": cap})}
        outbox_oldest = await session.scalar(OUTBOX_OLDEST_DUE)
        inbox_count = await session.scalar(INBOX_PENDING, {"cap": cap})
        inbox_oldest = await session.scalar(INBOX_OLDEST)
        jobs_due = int(await session.scalar(JOBS_DUE, {"now": now, "cap": cap}) or 0)
        jobs_oldest = await session.scalar(JOBS_OLDEST_DUE)
    return Queues(by_priority, _age(now, outbox_oldest), int(inbox_count or 0), _age(now, inbox_oldest),
                  jobs_due, _age(now, jobs_oldest))


class QueueCollector(Collector):
    """Yields the queues as last read (`refresh`), or nothing but `database_up 0` when that
    read failed: a stale figure would look like a healthy one."""

    def __init__(self) -> None:
        self.queues: Queues | None = None
        self.cap = COUNT_CAP

    async def refresh(self, db: Database, clock: Clock) -> None:
        try:
            self.queues = await read_queues(db, clock.now(), self.cap)
        except StorageError as exc:
            log.warning("metrics: could not read the queues (%s)", exc)
            self.queues = None

    def collect(self) -> Any:
        up = GaugeMetricFamily("coachbot_metrics_database_up", "1 when this scrape could read the queues "
                               "from the database, else 0 (and the queue figures are left out).")
        up.add_metric([], 0 if self.queues is None else 1)
        yield up
        q = self.queues
        if q is None:
            return
        pending = GaugeMetricFamily("coachbot_outbox_pending", "Messages waiting in the outbox (due or set for "
                                    "later), by priority.", labels=["priority"])
        for priority in sorted({*PRIORITY_NAMES, *q.outbox_pending}):
            pending.add_metric([priority_name(priority)], q.outbox_pending.get(priority, 0))
        yield pending
        yield GaugeMetricFamily("coachbot_outbox_oldest_due_seconds", "How long the outbox's longest-due "
                                "pending message has been due (0: none is).", value=q.outbox_oldest_due_s)
        yield GaugeMetricFamily("coachbot_inbox_pending", "Updates stored but not yet handled.",
                                value=q.inbox_pending)
        yield GaugeMetricFamily("coachbot_inbox_lag_seconds", "Age of the oldest update stored but not yet "
                                "handled (0: none waits).", value=q.inbox_oldest_s)
        yield GaugeMetricFamily("coachbot_jobs_due", "Scheduled jobs due and not yet run.", value=q.jobs_due)
        yield GaugeMetricFamily("coachbot_jobs_oldest_due_seconds", "How long the oldest job still pending has "
                                "been due (0: none is).", value=q.jobs_oldest_due_s)
        capped = GaugeMetricFamily("coachbot_queue_capped", f"1 when a queue's count reached the cap of "
                                   f"{self.cap} rows per scrape (its figures are then lower bounds).",
                                   labels=["queue"])
        capped.add_metric(["outbox"], 1 if sum(q.outbox_pending.values()) >= self.cap else 0)
        capped.add_metric(["inbox"], 1 if q.inbox_pending >= self.cap else 0)
        capped.add_metric(["jobs"], 1 if q.jobs_due >= self.cap else 0)
        yield capped


QUEUES = QueueCollector()
REGISTRY.register(QUEUES)


async def refresh(db: Database, clock: Clock) -> None:
    """Read the queues for the scrape under way (bot.metrics_server then encodes REGISTRY)."""
    await QUEUES.refresh(db, clock)
