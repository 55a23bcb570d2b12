"""What goes into the outbox: a message's row, and the priorities the sender takes them by.

Handlers queue messages in their transaction (bot.storage.queued); the sender delivers them,
in another transaction, after it commits (bot.telegram.sender).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

PRIORITY_CRISIS = 0
"""First out of the door."""
PRIORITY_ALERT = 2
PRIORITY_NORMAL = 5
PRIORITY_BULK = 8


def message(recipient: str, text: str, now: datetime, *, buttons: list[list[dict[str, str]]] | None = None,
            kind: str = "message", priority: int = PRIORITY_NORMAL, severity: str | None = None,
            patient_id: str | None = None, alert_id: int | None = None, photo_path: str | None = None,
            not_before: datetime | None = None) -> dict[str, Any]:
    """A new outbox row's values: every column but the id, so one INSERT takes them all."""
    return {
        "recipient": recipient, "kind": kind, "text": text, "buttons": buttons or [],
        "conversation_id": None, "priority": priority, "severity": severity,
        "patient_id": patient_id, "alert_id": alert_id, "photo_path": photo_path,
        "photo": Path(photo_path).read_bytes() if photo_path else None,
        "status": "pending", "attempts": 0, "parts_sent": 0,
        "next_attempt_at": max(not_before or now, now), "created_at": now,
    }
