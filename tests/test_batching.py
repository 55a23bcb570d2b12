"""Inputs handled together (bot.batching) leave exactly what the same inputs handled one at a
time leave: the same messages to each person, answers, scores, alerts and audit trail, on
SQLite and PostgreSQL. The mix has presses, free text, a questionnaire that raises a crisis,
a concern in words, a crisis in words (which never joins a batch), a stranger, a clinician
and a forged button."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from bot.clock import SimulatedClock
from bot.config import Settings
from bot.isotime import parse_time
from bot.service import Coachbot, Inbound
from bot.storage.models import Alert, Answer, AuditEntry, Outbox, Score
from bot.storage.queued import NEW_CONVERSATION
from tests.test_persistence import pending, seeded

PATIENTS = [f"p{n}" for n in range(1, 9)]
SEED = {
    "start": "2026-03-02T07:00:00Z",
    "clinicians": [{"id": "c1", "name": "Dr Ada"}],
    "groups": [{"id": "g1", "clinicians": ["c1"]}],
    "patients": [{"id": p, "name": f"Name {p}", "group": "g1", "timezone": "UTC",
                  "checkin_time": "08:00", "locale": "en"} for p in PATIENTS],
}
SCRIPTS: dict[str, list[str]] = {
    # "press:LABEL" presses a button on the person's newest message; anything else is text.
    "patient:p1": ["press:Okay", "press:Nothing to add", "thanks again"],
    "patient:p2": ["press:Good", "went for a walk this morning", "hello?"],
    "patient:p3": ["press:Low", "press:Some days", "press:Not at all", "press:Nothing to add"],
    "patient:p4": ["press:Low", "press:Every day", "press:Some days"],
    "patient:p5": ["I feel so hopeless, nothing helps anymore", "press:Okay", "press:Nothing to add"],
    "patient:p6": ["press:Okay", "I want to kill myself", "are you there"],
    "patient:p7": ["d:99999:1:0", "press:Good", "/help"],
    "patient:p8": ["press:Okay", "press:Okay", "fine", "d:99999999999999999999:1:0"],
    "chat:stranger": ["hello, can I join?", "/start NOPE"],
    "clinician:c1": ["/help"],
}


async def started(settings: Settings, url: str, seed: dict[str, Any] = SEED) -> Coachbot:
    """Everyone's 08:00 check-in has been asked."""
    clock = SimulatedClock(parse_time("2026-03-02T07:00:00Z"))
    bot = await seeded(settings, url, seed, clock)
    clock.set(parse_time("2026-03-02T08:00:00Z"))
    await bot.run_due_jobs()
    return bot


def inbound(person: str, action: str, shown: list[Outbox]) -> Inbound:
    if action.startswith("pick:"):  # the n-th button of the newest message with buttons, or words
        n = int(action.removeprefix("pick:"))
        buttons = [b for row in shown[-1:] for line in row.buttons or [] for b in line]
        if not buttons:
            return Inbound(chat_key=person, text="it went well today, thank you")
        return Inbound(chat_key=person, press=str(buttons[n % len(buttons)]["data"]))
    if action.startswith("d:"):
        return Inbound(chat_key=person, press=action)
    if not action.startswith("press:"):
        return Inbound(chat_key=person, text=action, new_id="s1")
    label = action.removeprefix("press:")
    for row in reversed(shown):
        for line in row.buttons or []:
            for button in line:
                if button["label"] == label:
                    return Inbound(chat_key=person, press=str(button["data"]))
    return Inbound(chat_key=person, press="d:0:0:0")  # no such button: answered as stale


async def play(bot: Coachbot, together: bool, scripts: dict[str, list[str]] | None = None,
               ) -> dict[str, list[tuple[str, list[list[str]]]]]:
    """Round by round, each person's next action; returns what each person was sent."""
    scripts = scripts or SCRIPTS
    sent: dict[str, list[tuple[str, list[list[str]]]]] = {}
    shown: dict[str, list[Outbox]] = {}

    async def collect() -> None:
        for person in scripts:
            rows = await pending(bot, person)
            if rows:
                shown[person] = rows
            sent.setdefault(person, []).extend(
                (row.text, [[b["label"] for b in line] for line in row.buttons or []]) for row in rows)

    await collect()
    for round_ in range(max(len(script) for script in scripts.values())):
        inputs = [inbound(person, script[round_], shown.get(person, []))
                  for person, script in scripts.items() if round_ < len(script)]
        if together:
            await asyncio.gather(*(bot.receive(i) for i in inputs))
        else:
            for i in inputs:
                await bot.receive(i)
        await collect()
    return sent


async def stored(bot: Coachbot) -> dict[str, Any]:
    async with bot.db.transaction() as session:
        answers = Counter((a.patient_id, a.key, str(a.value)) for a in await session.scalars(select(Answer)))
        scores = Counter((s.patient_id, s.questionnaire, s.score) for s in await session.scalars(select(Score)))
        alerts = Counter((a.patient_id, a.severity, a.source, a.status)
                         for a in await session.scalars(select(Alert)))
        audit = Counter((a.actor, a.action, a.patient_id) for a in await session.scalars(select(AuditEntry)))
        unfinished = sum(1 for row in await session.scalars(select(Outbox)) for line in row.buttons or []
                         for b in line if b["data"].startswith(f"d:{NEW_CONVERSATION}:"))
        orphans = len(list(await session.scalars(select(Answer.id).where(Answer.conversation_id.is_(None)))))
    return {"answers": answers, "scores": scores, "alerts": alerts, "audit": audit,
            "unfinished_buttons": unfinished, "answers_without_conversation": orphans}


async def emptied(bot: Coachbot, url: str) -> str:
    """Closes `bot` and returns an empty database for the next run."""
    from sqlalchemy import text

    if not url.startswith("sqlite"):
        async with bot.db.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await bot.close()
    return url.replace("test.sqlite3", "together.sqlite3")


Run = Callable[[Coachbot, bool], Awaitable[Any]]
"""Drives a bot one at a time (False) or in batches (True); returns what was sent."""


async def both_ways(settings: Settings, url: str, tmp_path: Any, run: Run,
                    seed: dict[str, Any] = SEED) -> tuple[tuple[Any, dict[str, Any]], tuple[Any, dict[str, Any]]]:
    """(sent, stored) of `run` on a fresh bot one at a time, then on another in batches."""
    from dataclasses import replace

    alone = await started(replace(settings, data_dir=tmp_path / "alone"), url, seed)
    sent_alone = await run(alone, False)
    stored_alone = await stored(alone)
    assert alone.batcher.batches == alone.batcher.items  # one at a time: batches of one
    url = await emptied(alone, url)
    together = await started(replace(settings, data_dir=tmp_path / "together"), url, seed)
    sent_together = await run(together, True)
    stored_together = await stored(together)
    assert together.batcher.items > together.batcher.batches  # batches did form
    await together.close()
    return (sent_alone, stored_alone), (sent_together, stored_together)


async def test_inputs_handled_together_leave_what_they_leave_one_at_a_time(
    settings: Settings, database_url: str, tmp_path: Any,
) -> None:
    (sent_alone, stored_alone), (sent_together, stored_together) = await both_ways(
        settings, database_url, tmp_path, lambda bot, together: play(bot, together))

    assert sent_together == sent_alone
    assert stored_together == stored_alone
    # and the mix did what it is here for
    assert stored_alone["alerts"][("p4", "crisis", "questionnaire", "open")] == 1
    assert stored_alone["alerts"][("p6", "crisis", "triage", "open")] == 1
    assert any(severity == "concern" for (_p, severity, *_r) in stored_alone["alerts"])
    assert ("patient:p7", "forged_button", "p7") in stored_alone["audit"]
    assert ("patient:p8", "forged_button", "p8") in stored_alone["audit"]  # an id no row can have


async def test_the_shipped_programme_handled_together_is_the_same_as_one_at_a_time(
    shipped_settings: Settings, database_url: str, tmp_path: Any,
) -> None:
    """The shipped check-in goes on into the day's exercise, so conversations end, start and
    queue inside a batch; each patient takes a different path through the buttons."""
    scripts = {f"patient:{p}": [f"pick:{(n * 7 + r * 3) % 11}" for r in range(12)]
               for n, p in enumerate(PATIENTS)}
    # a group session at 07:00: its feedback falls due with the 08:00 check-in, and waits
    seed = {**SEED, "groups": [{"id": "g1", "clinicians": ["c1"], "sessions": ["2026-03-02T07:00:00Z"]}]}
    (sent_alone, stored_alone), (sent_together, stored_together) = await both_ways(
        shipped_settings, database_url, tmp_path, lambda bot, together: play(bot, together, scripts), seed)

    assert sent_together == sent_alone
    assert stored_together == stored_alone
    # conversations started inside a batch got their ids into their buttons and answers
    assert stored_together["unfinished_buttons"] == stored_together["answers_without_conversation"] == 0
    feedback_after_checkin = sum(1 for texts in sent_alone.values()
                                 if any("session" in text.lower() for text, _ in texts[3:]))
    assert feedback_after_checkin >= 3  # the waiting feedback followed for several


async def test_signals_over_a_week_handled_together_are_the_same_as_one_at_a_time(
    shipped_settings: Settings, database_url: str, tmp_path: Any,
) -> None:
    """Signals compare today's answer with the patient's own history, which a batch reads
    for all its patients at once (bot.signals): five days of check-ins and exercises, where
    half the patients' mood drops on the last and some skip exercises, raise the same alerts
    either way."""
    from datetime import timedelta

    moods = {p: [8, 8, 7, 8, 2] if n < 4 else [5, 6, 5, 6, 5] for n, p in enumerate(PATIENTS)}

    async def week(bot: Coachbot, together: bool) -> list[dict[str, list[tuple[str, list[list[str]]]]]]:
        sent = []
        for day in range(5):
            if day:
                assert isinstance(bot.clock, SimulatedClock)
                bot.clock.set(parse_time("2026-03-02T08:00:00Z") + timedelta(days=day))
                await bot.run_due_jobs()
            scripts = {f"patient:{p}": [f"press:{moods[p][day]}"]
                       + [f"pick:{(n * 5 + r * 3 + day) % 7}" for r in range(10)]
                       for n, p in enumerate(PATIENTS)}
            sent.append(await play(bot, together, scripts))
        return sent

    (sent_alone, stored_alone), (sent_together, stored_together) = await both_ways(
        shipped_settings, database_url, tmp_path, week)

    assert sent_together == sent_alone
    assert stored_together == stored_alone
    signals = {(p, severity) for (p, severity, source, _s) in stored_alone["alerts"] if source == "signal"}
    assert {p for p, severity in signals if severity == "concern"} == {"p1", "p2", "p3", "p4"}  # mood drops
    assert any(severity == "rupture" for _p, severity in signals)  # repeated skips
