"""Assembling the service from settings: the one place where the parts are wired together."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.content.registry import ContentRegistry
from bot.safety.spool import Spool
from bot.service import Coachbot
from bot.storage.db import Database

log = logging.getLogger(__name__)


async def build_service(
    settings: Settings, database_url: str | None, clock: Clock, data_dir: Path | None = None,
) -> Coachbot:
    """Migrate the database, load content, connect triage; replay any spooled escalations."""
    from bot.safety.model import model_dir, shared_model
    from bot.safety.triage import Triage

    db = Database(database_url or settings.database_url)
    await db.migrate()
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    triage = Triage(settings.rasa_url, settings.rasa_timeout_s,
                    model=shared_model(model_dir(settings.content_dir)) if settings.triage_model else None)
    spool = Spool((data_dir or settings.data_dir) / "escalation-spool.jsonl")
    bot = Coachbot(settings, db, content, triage, clock, spool)
    try:
        replayed = await bot.replay_spool()
    except Exception as exc:  # a spool must never stop the bot: the scheduler replays it later
        log.error("could not replay the escalation spool at start (%s); will retry", exc.__class__.__name__)
    else:
        if replayed:
            log.warning("replayed %d escalations spooled during a database outage", replayed)
    return bot


def settle(service: Coachbot) -> None:
    """Compile every dialogue now, then take what start-up built out of the garbage collector's
    sight (`gc.freeze`). Content bundles, compiled dialogue machines and SQLAlchemy's mappers
    live as long as the process; left in view, every full collection walks them again, and
    such a pause (measured: up to 170 ms) is a reply that waits. Called once the bot is
    ready to serve (`coachbot run`, the benchmarks), not by tests or the simulator."""
    bundle = service.content.current()
    for name in bundle.dialogues:
        try:
            service.engine.compiled(bundle, name)
        except Exception as exc:  # `coachbot validate` reports it; the dialogue fails when used
            log.warning("dialogue %s does not compile: %s", name, exc)
    gc.collect()
    gc.freeze()
