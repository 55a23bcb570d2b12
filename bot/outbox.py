"""What goes into the outbox: a message's row, and the priorities the sender takes them by.

Handlers queue messages in their transaction (bot.storage.queued); the sender delivers them,
in another transaction, after it commits (bot.telegram.sender).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

# Lower goes first (bot.telegram.sender claims by priority, then by how long a row has been due;
# one recipient's rows by priority, then in the order queued). A person who just did
# something waits for nobody but a crisis; a morning's check-ins wait for everyone.
PRIORITY_CRISIS = 0
"""The safety response, the safety question, crisis alerts: first out of the door."""
PRIORITY_REPLY = 1
"""Answers to what a person just did: a message, a button press, a command."""
PRIORITY_ALERT = 2
"""Clinicians' routine alerts."""
PRIORITY_SCHEDULED = 5
"""What the programme sends on its own: check-ins, exercises, reminders, digests."""
PRIORITY_BULK = 8
"""A clinician's message to a whole group."""
PRIORITY_STRANGER = 9
"""Replies to people who are not enrolled; the sender also gives them only a few of its
sending slots (bot.telegram.sender.STRANGER_SLOTS), so a flood of them cannot crowd out
patients. A crisis from a stranger is PRIORITY_CRISIS all the same."""


def message(recipient: str, text: str, now: datetime, *, buttons: list[list[dict[str, str]]] | None = None,
            kind: str = "message", priority: int = PRIORITY_SCHEDULED, severity: str | None = None,
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
