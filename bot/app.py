"""Assembling the service from settings: the one place where the parts are wired together."""

from __future__ import annotations

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
    from bot.safety.triage import Triage

    db = Database(database_url or settings.database_url)
    await db.migrate()
    content = ContentRegistry([settings.dialogues_dir, settings.content_dir])
    triage = Triage(settings.rasa_url, settings.rasa_timeout_s)
    spool = Spool((data_dir or settings.data_dir) / "escalation-spool.jsonl")
    bot = Coachbot(settings, db, content, triage, clock, spool)
    replayed = await bot.replay_spool()
    if replayed:
        log.warning("replayed %d escalations spooled during a database outage", replayed)
    return bot
