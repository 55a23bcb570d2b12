"""Logging that keeps what people write out of the logs.

The bot's own log lines never carry a message's text, a name or an answer (tests check every
path). Libraries are another matter: at DEBUG, python-telegram-bot logs each Bot API call with
its parameters (the text of every message sent) and each update received, httpx each request
URL (which holds the bot token), SQLAlchemy and asyncpg statements. So below WARNING their lines
are dropped, whatever LOG_LEVEL says, unless an operator turns on LOG_CONTENT explicitly.
"""

from __future__ import annotations

import logging
from pathlib import Path

LIBRARIES = ("telegram", "httpx", "httpcore", "sqlalchemy", "asyncpg", "aiosqlite", "tornado", "apscheduler")
"""Loggers whose debug and info lines can quote content or secrets."""
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class WithoutContent(logging.Filter):
    """Drops libraries' lines below WARNING (their warnings and errors still show)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(LIBRARIES)


def configure(level: str, log_file: Path | None = None, content: bool = False) -> None:
    """The process's logging: to `log_file` or stderr, at `level`, without content unless
    `content` (LOG_CONTENT=on)."""
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: a host that set up logging keeps its own
        handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        root.setLevel(level)
    if not content:
        for handler in root.handlers:
            if not any(isinstance(f, WithoutContent) for f in handler.filters):
                handler.addFilter(WithoutContent())
