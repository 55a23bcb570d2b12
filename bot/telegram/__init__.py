"""The Telegram door: the only package that imports `telegram` (python-telegram-bot v22).

- `inbox`: every update is stored (unique on update_id) before it counts as received, then
  processed once, in order per chat, with PostgreSQL advisory locks across processes.
- `inbound`: what an update means for the service (`Inbound`), or a note, or nothing.
- `sender` (+ `ratelimit`, `keyboard`): delivers outbox rows within Telegram's limits
  (`limits`), with retries and a final status for every row.
- `polling` / `webhook`: the two ways updates arrive; `commands`: the "/" menus;
  `locking`: who may do what across processes; `chats`: Telegram chat <-> person key.
- `channel` runs it all as asyncio tasks; `runner` is `coachbot run`.
"""

import os
import sys

os.environ.setdefault("PTB_TIMEDELTA", "true")
"""Opt in to PTB's future time periods (timedelta), which also silences its deprecation
warning on every 429 (RetryAfter reads its own property while being built)."""

try:
    import sniffio  # noqa: F401
except ImportError:
    sys.modules["sniffio"] = None  # type: ignore[assignment]
    """httpcore tries `import sniffio` on every request and falls back to asyncio when it is
    missing; a failed import is not cached by Python, so each request searched sys.path again
    (a third of the sender's CPU). Recording the absence makes the fallback immediate."""
