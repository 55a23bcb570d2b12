"""A local append-only file for escalations the database could not take.

When a crisis message arrives while the database is down or too slow, the safety response is
sent directly and the escalation is written here (fsync'd). `replay` moves every entry into the
database once it answers again; each entry carries an idempotency key, so a crisis that did
reach the database after all is not alerted twice.
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
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        log.critical("escalation spooled to %s (database unavailable)", self.path)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                log.error("unreadable spool line kept aside: %r", line[:200])
        return out

    def clear(self, done: int) -> None:
        """Drop the first `done` entries (replayed), keeping any appended meanwhile."""
        lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True) if self.path.exists() else []
        rest = lines[done:]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(rest), encoding="utf-8")
        os.replace(tmp, self.path)
