"""Two `coachbot run` instances (webhook, behind a load balancer) on one PostgreSQL database:
one stream of updates handled exactly once, each chat in order, one sender.

Most tests run the two instances in this event loop, sharing nothing in memory (each has its
own engine and connection pool), so only PostgreSQL's locks keep them apart; one test runs two
real `coachbot run` processes.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.storage.models import InboxUpdate, Message, Outbox
from bot.telegram.webhook import SECRET_HEADER
from tests.e2e.conftest import BotUnderTest, add_invites, add_patients
from tests.e2e.emulator import BotApiEmulator
from tests.e2e.test_webhook import SECRET, webhook_config

CHATS = list(range(600, 612))
PER_CHAT = 8


@pytest.fixture
def postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite is single-process; several processes need PostgreSQL")


async def test_two_processes_one_stream_exactly_once_in_order(
    postgres_only: None, bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    configs = [webhook_config(), webhook_config()]
    first = await bots().start(webhook=configs[0])
    await add_invites(first.db)
    await add_patients(first.db, CHATS)
    second = await bots().start(webhook=configs[1])
    emulator.webhook = {}  # the test is the load balancer from here on
    handled: Counter[int] = Counter()
    for index, bot in enumerate((first, second)):
        _count_calls(bot, handled, index)

    for n in range(PER_CHAT):
        for chat in CHATS:
            emulator.user_sends(chat, f"note {n}")
    updates = emulator.take_queued()
    rng = random.Random(7)
    async with httpx.AsyncClient() as client:
        async def post(update: dict[str, Any], target: int) -> None:
            response = await client.post(configs[target].url, json=update, headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200

        for update in updates:
            target = rng.randrange(2)
            await post(update, target)
            if rng.random() < 0.3:  # the load balancer retries on the other instance
                await post(update, 1 - target)

    await emulator.wait_until(lambda: all(len(emulator.texts(c)) == PER_CHAT for c in CHATS), within=30)
    await first.settled()
    await second.settled()
    messages = await first.rows(Message)
    for chat in CHATS:
        mine = sorted((m for m in messages if m.patient_id == f"tg{chat}"), key=lambda m: m.id)
        assert [m.text for m in mine] == [f"note {n}" for n in range(PER_CHAT)]
    inbox = await first.rows(InboxUpdate)
    assert len(inbox) == len(updates) and {r.status for r in inbox} == {"done"}
    assert {r.attempts for r in inbox} == {1}
    outbox = await first.rows(Outbox)
    assert len(outbox) == len(updates) and {r.status for r in outbox} == {"sent"}
    assert sum(len(emulator.texts(c)) for c in CHATS) == len(updates)
    assert sum(handled.values()) == len(updates)  # each processed once, duplicates included
    assert handled[0] and handled[1]  # and both instances did part of the work
    leaders = [b.channel.sender.leadership.is_leader for b in (first, second)]  # type: ignore[union-attr]
    assert leaders.count(True) == 1


async def test_a_second_process_takes_over_sending_when_the_first_dies(
    postgres_only: None, bots: Callable[..., BotUnderTest], emulator: BotApiEmulator,
) -> None:
    first = await bots().start()
    await add_invites(first.db)
    await add_patients(first.db, [700])
    second = await bots().start()
    assert first.channel is not None and second.channel is not None
    assert first.channel.sender.leadership.is_leader and not second.channel.sender.leadership.is_leader
    await first.crash()
    emulator.user_sends(700, "/help")
    await emulator.wait_for_text(700, "Here's what I can do", within=20)
    assert second.channel.sender.leadership.is_leader


def _count_calls(bot: BotUnderTest, handled: Counter[int], index: int) -> None:
    assert bot.service is not None
    receive = bot.service.receive

    async def counted(inbound: Any) -> Any:
        handled[index] += 1
        await asyncio.sleep(0)
        return await receive(inbound)

    bot.service.receive = counted  # type: ignore[method-assign]


async def test_two_os_processes_share_one_database(
    postgres_only: None, tg_settings: Any, database_url: str, emulator: BotApiEmulator,
) -> None:
    """The same, with two real `coachbot run --webhook` processes: nothing shared but PostgreSQL."""
    import signal

    from bot.storage.db import Database
    from tests.e2e.conftest import make_service
    from tests.e2e.test_runner import coachbot, environment, finished

    service = await make_service(tg_settings, database_url)
    await add_invites(service.db)
    await add_patients(service.db, CHATS)
    await service.close()
    configs = [webhook_config(), webhook_config()]
    env = environment(tg_settings, database_url, emulator.token, emulator.base_url)
    processes = [await coachbot(env, "--webhook", "--listen", f"127.0.0.1:{c.port}", "--url", c.url,
                                "--secret", SECRET) for c in configs]
    try:
        async with httpx.AsyncClient() as client:
            for config in configs:
                await _until_listening(client, config.url)
            emulator.webhook = {}  # the test is the load balancer from here on
            for n in range(PER_CHAT):
                for chat in CHATS:
                    emulator.user_sends(chat, f"note {n}")
            updates = emulator.take_queued()
            rng = random.Random(11)
            for update in updates:
                target = rng.randrange(2)
                for instance in [target, 1 - target] if rng.random() < 0.3 else [target]:
                    response = await client.post(configs[instance].url, json=update,
                                                 headers={SECRET_HEADER: SECRET})
                    assert response.status_code == 200
        await emulator.wait_until(lambda: sum(len(emulator.texts(c)) for c in CHATS) >= len(updates), within=60)
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        outcomes = [await finished(process) for process in processes]
    assert [status for status, _ in outcomes] == [0, 0], outcomes
    assert all("Traceback" not in err for _, err in outcomes)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            messages = list(await session.scalars(select(Message).order_by(Message.id)))
            inbox = list(await session.scalars(select(InboxUpdate)))
            outbox = list(await session.scalars(select(Outbox)))
    finally:
        await db.dispose()
    for chat in CHATS:
        assert [m.text for m in messages if m.patient_id == f"tg{chat}"] == [f"note {n}" for n in range(PER_CHAT)]
        assert len(emulator.texts(chat)) == PER_CHAT, "every reply once, none twice"
    assert len(inbox) == len(updates) and {(r.status, r.attempts) for r in inbox} == {("done", 1)}
    assert len(outbox) == len(updates) and {r.status for r in outbox} == {"sent"}


async def _until_listening(client: httpx.AsyncClient, url: str, within: float = 30.0) -> None:
    """A webhook process is up once it answers (403 without the secret)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await client.post(url, json={})
            return
        except httpx.TransportError:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"nothing listens on {url}") from None
            await asyncio.sleep(0.2)
