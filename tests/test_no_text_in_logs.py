"""No message text, name or answer in any log line, at any level: a distinctive text is sent
through the paths a message takes (everyday, concern, rupture, the safety question, a crisis,
a clinician's note) and the logs are searched for it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

MARK = "zqxj"  # in every text below; no log line may carry it


async def test_what_people_write_never_reaches_the_logs(
    scenario: Any, seed: dict[str, Any], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seed["patients"][0]["name"] = f"Maria {MARK}"
    t = await scenario([
        {"seed": seed},
        {"as": "patient:p1", "text": f"feeling fine today {MARK}"},
        {"as": "patient:p1", "text": f"i have not slept for days and feel hopeless {MARK}"},
        {"as": "patient:p1", "text": f"this programme is useless and you never listen {MARK}"},
        {"advance": "PT2H"},
        {"as": "patient:p1", "text": f"i am going to kill myself tonight {MARK}"},
        {"as": "clinician:c1", "press": "I'm on it"},
        {"as": "clinician:c1", "text": f"called her, she is with her sister {MARK}"},
        {"advance": "PT1H"},
    ])
    assert t.status == 0 and any(MARK in line["text"] for line in t.lines)  # it did go through
    assert caplog.records, "the scenario logged nothing at all: the check would prove nothing"
    assert MARK not in caplog.text  # messages, arguments and tracebacks alike
