"""A local append-only file for escalations the database could not take.

When a crisis message arrives while the database is down or too slow, the safety response is
sent directly and the escalation is written here (fsync'd). The service replays the entries
into the database once it answers again, one by one (bot.service.Coachbot.replay_spool); each
carries an idempotency key, so a crisis that did reach the database after all is not alerted
twice. An entry that can never be written (or a line that is not JSON) is set aside in
`<spool>.rejected.jsonl` with a CRITICAL log line naming no content, so it never blocks the
entries after it, nor the bot's start.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")  # ASCII: any text can be written
            handle.flush()
            os.fsync(handle.fileno())
        log.critical("escalation spooled to %s (database unavailable)", self.path)

    @property
    def rejected_path(self) -> Path:
        return self.path.with_suffix(".rejected.jsonl")

    def lines(self) -> list[str]:
        """The spool's lines as written (bytes that are not UTF-8 replaced, never fatal)."""
        if not self.path.exists():
            return []
        return self.path.read_bytes().decode("utf-8", "replace").splitlines()

    def entries(self) -> list[dict[str, Any]]:
        """The readable entries (for tests and tools; replay goes through `lines`)."""
        out = []
        for line in self.lines():
            entry = read_entry(line)
            if entry is not None:
                out.append(entry)
        return out

    def set_aside(self, line: str, why: str) -> None:
        """Keep an entry that cannot be replayed where an operator finds it; say so loudly."""
        with self.rejected_path.open("a", encoding="utf-8", errors="replace") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        log.critical("a spooled escalation could not be replayed (%s); set aside in %s for an operator",
                     why, self.rejected_path)

    def clear(self, done: int) -> None:
        """Drop the first `done` lines (replayed or set aside), keeping any appended meanwhile."""
        rest = self.lines()[done:]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(line + "\n" for line in rest), encoding="utf-8", errors="replace")
        os.replace(tmp, self.path)


def read_entry(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None
