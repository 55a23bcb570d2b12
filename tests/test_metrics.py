"""/metrics: what an operator scrapes from the running bot, the queues as the database holds
them, and the NLU circuit breaker's state."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics, outbox
from bot.clock import SimulatedClock, SystemClock
from bot.config import Settings, load_settings
from bot.errors import ConfigError, TriageUnavailable
from bot.metrics import REGISTRY, QueueCollector, read_queues
from bot.metrics_server import MetricsServer
from bot.safety.rasa import CircuitBreaker, RasaClient
from bot.storage.db import Database
from bot.storage.models import InboxUpdate, Job, Outbox
from tests.e2e.conftest import BotUnderTest, add_invites, add_patients, bots, emulator
from tests.e2e.emulator import BotApiEmulator
from tests.safety.conftest import FakeClock, FakeRasa, fake_rasa

__all__ = ["bots", "emulator", "fake_rasa"]  # fixtures shared with tests/e2e and tests/safety

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

FAMILIES = {
    "coachbot_inbox_updates_received", "coachbot_inbox_updates_handled", "coachbot_inbox_pending",
    "coachbot_inbox_lag_seconds", "coachbot_outbox_pending", "coachbot_outbox_oldest_due_seconds",
    "coachbot_outbox_messages", "coachbot_outbox_retries", "coachbot_telegram_429", "coachbot_telegram_send_seconds",
    "coachbot_nlu_seconds", "coachbot_nlu_skipped", "coachbot_nlu_circuit_state", "coachbot_nlu_circuit_opens",
    "coachbot_triage_verdicts", "coachbot_job_lag_seconds", "coachbot_jobs_failed", "coachbot_jobs_due",
    "coachbot_jobs_oldest_due_seconds", "coachbot_queue_capped", "coachbot_metrics_database_up",
    "process_cpu_seconds",
}


@pytest.fixture
def tg_settings(settings: Settings, emulator: BotApiEmulator, fake_rasa: FakeRasa, tmp_path: Path) -> Settings:
    """The end-to-end bot's settings, with /metrics on a free port and Rasa (a fake) beside triage."""
    return replace(settings, telegram_bot_token=emulator.token, telegram_api_base_url=emulator.base_url,
                   data_dir=tmp_path / "data", metrics_listen=("127.0.0.1", 0), rasa_url=fake_rasa.url,
                   rasa_timeout_s=2.0)


async def scrape(url: str) -> tuple[str, str, Samples]:
    """GET /metrics over HTTP: (content type, body, every sample by name and labels)."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        body = await response.text()
        kind = response.headers["Content-Type"]
    samples: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    families = {family.name for family in text_string_to_metric_families(body)}
    assert families >= FAMILIES, FAMILIES - families
    return kind, body, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; a labelled metric's child not yet used counts as 0."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every sample of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= have)


@pytest.mark.filterwarnings(r"ignore:Please use 'Bot\.get_updates'")  # as in tests/e2e: the poll is raw on purpose
async def test_an_operator_scrapes_the_running_bot(
    bots: Callable[..., BotUnderTest], emulator: BotApiEmulator, fake_rasa: FakeRasa,
) -> None:
    bot = await bots().start()
    await add_invites(bot.db)
    await add_patients(bot.db, [61, 62])
    assert bot.channel is not None and bot.channel.metrics is not None
    url = f"http://127.0.0.1:{bot.channel.metrics.port}/metrics"
    _, _, before = await scrape(url)

    emulator.fail("sendMessage", "429", times=1, chat_id=61, retry_after=1)
    emulator.user_sends(61, "hello there")
    emulator.user_sends(62, "I want to kill myself tonight")
    now = SystemClock().now()
    async with bot.db.transaction() as session:
        session.add(Job(kind="daily", patient_id="left-already", due_at=now - timedelta(seconds=30), payload={},
                        status="pending", attempts=0))
    await bot.settled()
    await bot.wait_rows(Job, Job.status == "done")
    async with bot.db.transaction() as session:  # set for tomorrow: waiting, not late
        for priority in (outbox.PRIORITY_SCHEDULED, outbox.PRIORITY_SCHEDULED, outbox.PRIORITY_BULK):
            session.add(Outbox(**outbox.message("patient:tg61", "tomorrow", now, priority=priority,
                                                not_before=now + timedelta(days=1))))
    kind, body, after = await scrape(url)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert kind.startswith("text/plain") and "version=0.0.4" in kind
    assert "hello" not in body and "kill" not in body and "tomorrow" not in body  # no text in labels
    assert value(after, "coachbot_metrics_database_up") == 1
    # the inbox: both updates stored and handled, none waiting
    assert moved("coachbot_inbox_updates_received_total") == 2
    assert moved("coachbot_inbox_updates_handled_total", outcome="handled") == 2
    assert value(after, "coachbot_inbox_pending") == 0 and value(after, "coachbot_inbox_lag_seconds") == 0
    # triage: one everyday message, one crisis (or, if the model doubts it, the direct question)
    assert moved("coachbot_triage_verdicts_total") == 2
    assert moved("coachbot_triage_verdicts_total", band="none") == 1
    assert moved("coachbot_triage_verdicts_total", band="crisis") + moved(
        "coachbot_triage_verdicts_total", band="question") == 1
    # the NLU answered, its circuit closed
    assert moved("coachbot_nlu_seconds_count", outcome="ok") >= 1 and fake_rasa.parses >= 1
    assert value(after, "coachbot_nlu_circuit_state", circuit="rasa", state="closed") == 1
    assert value(after, "coachbot_nlu_circuit_state", circuit="rasa", state="open") == 0
    # sending: the reply (after one 429), the safety response and the clinician's alert
    assert moved("coachbot_telegram_429_total") == 1
    assert moved("coachbot_outbox_retries_total", reason="429") == 1
    assert moved("coachbot_outbox_messages_total", status="sent", priority="reply") >= 1
    assert moved("coachbot_outbox_messages_total", status="sent", priority="crisis") >= 1
    assert moved("coachbot_telegram_send_seconds_count") == moved("coachbot_outbox_messages_total", status="sent")
    # the outbox's depth by priority, as the database holds it
    assert value(after, "coachbot_outbox_pending", priority="scheduled") == 2
    assert value(after, "coachbot_outbox_pending", priority="bulk") == 1
    assert value(after, "coachbot_outbox_pending", priority="crisis") == 0
    assert value(after, "coachbot_outbox_oldest_due_seconds") == 0
    # the job ran about 30 s after it was due
    assert moved("coachbot_job_lag_seconds_count") == 1
    assert 30 <= moved("coachbot_job_lag_seconds_sum") < 60
    assert value(after, "coachbot_jobs_due") == 0 and value(after, "coachbot_jobs_oldest_due_seconds") == 0
    # only /metrics is served
    async with aiohttp.ClientSession() as session, session.get(url.replace("/metrics", "/")) as response:
        assert response.status == 404


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.dispose()


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_the_queues_are_read_from_the_database(db: Database) -> None:
    """Pending rows by priority, the longest-due message, the oldest waiting update and the
    oldest due job; handled rows, and rows set for later, are neither waiting nor late."""
    due, later = NOW - timedelta(minutes=2), NOW + timedelta(hours=3)
    async with db.transaction() as session:
        for recipient, priority, at in [("patient:a", outbox.PRIORITY_SCHEDULED, due),
                                        ("patient:b", outbox.PRIORITY_SCHEDULED, due - timedelta(seconds=40)),
                                        ("patient:c", outbox.PRIORITY_SCHEDULED, later),
                                        ("clinician:c1", outbox.PRIORITY_CRISIS, later)]:
            session.add(Outbox(**outbox.message(recipient, "x", at - timedelta(minutes=5), priority=priority,
                                                not_before=at)))
        sent = outbox.message("patient:a", "x", NOW - timedelta(hours=1), priority=outbox.PRIORITY_REPLY)
        session.add(Outbox(**{**sent, "status": "sent"}))
        for update_id, status, received in [(1, "done", NOW - timedelta(days=1)), (2, "pending", NOW - timedelta(
                seconds=12)), (3, "pending", NOW - timedelta(seconds=3))]:
            session.add(InboxUpdate(update_id=update_id, chat_key=f"tg:{update_id}", payload={}, status=status,
                                    attempts=0, received_at=received))
        for status, at in [("pending", NOW - timedelta(seconds=90)), ("pending", NOW - timedelta(seconds=5)),
                           ("pending", later), ("done", NOW - timedelta(hours=2))]:
            session.add(Job(kind="daily", due_at=at, payload={}, status=status, attempts=0))

    queues = await read_queues(db, NOW)
    assert queues.outbox_pending == {outbox.PRIORITY_SCHEDULED: 3, outbox.PRIORITY_CRISIS: 1}
    assert queues.outbox_oldest_due_s == 160
    assert (queues.inbox_pending, queues.inbox_oldest_s) == (2, 12)
    assert (queues.jobs_due, queues.jobs_oldest_due_s) == (2, 90)

    collector = QueueCollector()
    collector.cap = 2
    await collector.refresh(db, SimulatedClock(NOW))
    exposed = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in collector.collect() for s in f.samples}
    assert exposed[("coachbot_outbox_pending", (("priority", "reply"),))] == 0
    assert exposed[("coachbot_queue_capped", (("queue", "outbox"),))] == 1  # counted 2 of 4: a lower bound
    assert exposed[("coachbot_queue_capped", (("queue", "inbox"),))] == 1
    assert exposed[("coachbot_queue_capped", (("queue", "jobs"),))] == 1
    assert sum(v for (name, _), v in exposed.items() if name == "coachbot_outbox_pending") == 2


async def test_a_scrape_without_the_database_says_so_and_shows_no_stale_queue(tmp_path: Path) -> None:
    broken = Database(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    collector = QueueCollector()
    collector.queues = metrics.Queues({5: 7}, 0.0, 0, 0.0, 0, 0.0)
    await collector.refresh(broken, SimulatedClock(NOW))
    names = {s.name: s.value for f in collector.collect() for s in f.samples}
    assert names == {"coachbot_metrics_database_up": 0}
    await broken.dispose()


def test_the_circuit_breaker_state_and_its_openings_are_metrics(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=30, clock=clock, name="unit-circuit")

    def state() -> dict[str, float | None]:
        return {s: REGISTRY.get_sample_value("coachbot_nlu_circuit_state", {"circuit": "unit-circuit", "state": s})
                for s in ("closed", "half-open", "open")}

    def opens() -> float:
        return REGISTRY.get_sample_value("coachbot_nlu_circuit_opens_total", {"circuit": "unit-circuit"}) or 0.0

    assert state() == {"closed": 1, "half-open": 0, "open": 0}
    first = opens()
    caplog.set_level(logging.INFO, logger="bot.safety.rasa")
    breaker.record_failure("timeout")
    assert state()["closed"] == 1
    breaker.record_failure("timeout")
    assert state() == {"closed": 0, "half-open": 0, "open": 1} and opens() == first + 1
    assert "unit-circuit circuit open" in caplog.text  # and said in the log
    clock.advance(31)
    assert breaker.allow()
    assert state() == {"closed": 0, "half-open": 1, "open": 0}
    breaker.record_failure("timeout")  # the trial failed: open again, counted again
    assert state()["open"] == 1 and opens() == first + 2
    clock.advance(31)
    assert breaker.allow()
    breaker.record_success()
    assert state() == {"closed": 1, "half-open": 0, "open": 0}
    assert "unit-circuit circuit closed" in caplog.text


async def test_nlu_timeouts_and_skips_are_counted(fake_rasa: FakeRasa) -> None:
    fake_rasa.mode, fake_rasa.delay_s = "slow", 3.0  # no late answer comes while the test runs
    clock = FakeClock()
    client = RasaClient(fake_rasa.url, timeout_s=0.1, breaker=CircuitBreaker(2, 30, clock, name="unit-nlu"))
    worker = fake_rasa.url.removeprefix("http://")

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    timeouts = sample("coachbot_nlu_seconds_count", outcome="timeout", worker=worker)
    skipped = sample("coachbot_nlu_skipped_total")
    try:
        for _ in range(3):
            with pytest.raises(TriageUnavailable):
                await client.assess("how are you")
    finally:
        await client.aclose()
    # a worker that has never answered is broken, not busy: its timeouts open the breaker
    assert sample("coachbot_nlu_seconds_count", outcome="timeout", worker=worker) == timeouts + 2
    assert sample("coachbot_nlu_skipped_total") == skipped + 1  # the third: circuit open
    assert sample("coachbot_nlu_circuit_state", circuit="unit-nlu", state="open") == 1


def test_metrics_listen_setting() -> None:
    assert load_settings({}).metrics_listen is None
    assert load_settings({"METRICS_LISTEN": "off"}).metrics_listen is None
    assert load_settings({"METRICS_LISTEN": "0.0.0.0:9108"}).metrics_listen == ("0.0.0.0", 9108)
    assert load_settings({"METRICS_LISTEN": "[::1]:9108"}).metrics_listen == ("::1", 9108)
    for bad in ("9108", "localhost:port", ":9108", "h:70000"):
        with pytest.raises(ConfigError, match="METRICS_LISTEN"):
            load_settings({"METRICS_LISTEN": bad})


async def test_a_taken_port_is_a_clear_error(db: Database) -> None:
    first = MetricsServer(db, SystemClock(), "127.0.0.1", 0)
    await first.start()
    try:
        with pytest.raises(ConfigError, match=r"METRICS_LISTEN=127\.0\.0\.1:\d+: cannot listen there"):
            await MetricsServer(db, SystemClock(), "127.0.0.1", first.port).start()
    finally:
        await first.stop()
