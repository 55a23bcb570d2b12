"""Libraries' debug lines (which quote messages sent and received) stay out of the logs unless
an operator turns LOG_CONTENT on; the bot's own lines and everyone's warnings stay in."""

from __future__ import annotations

import subprocess
import sys

from bot import PROJECT_ROOT

SCRIPT = """
import logging, sys
from bot import logs
logs.configure("DEBUG", content=sys.argv[1] == "on")
logging.getLogger("telegram.Bot").debug("Calling Bot API endpoint sendMessage with text zqxj")
logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot123:zqxj/sendMessage")
logging.getLogger("telegram.ext.Updater").warning("network trouble")
logging.getLogger("bot.service").debug("outbox 7: sent")
"""


def logged(content: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, content], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stderr


def test_by_default_libraries_quote_nothing() -> None:
    out = logged("off")
    assert "zqxj" not in out
    assert "network trouble" in out and "outbox 7: sent" in out


def test_an_operator_can_turn_content_on() -> None:
    assert "zqxj" in logged("on")
