"""What the engine decides; the service carries these out (outbox, records, flags, jobs).

Events are plain data so they can be logged, compared in tests and stored as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Button:
    label: str
    index: int


@dataclass(frozen=True)
class SendMessage:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    seq: int = 0
    """The conversation step the buttons belong to; a press for another step is stale."""


@dataclass(frozen=True)
class RecordAnswer:
    key: str
    value: Any


@dataclass(frozen=True)
class RaiseFlag:
    severity: str  # crisis | concern | rupture
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionnaireScored:
    questionnaire: str
    score: float
    raw: float
    band: str | None
    answers: dict[str, Any]


@dataclass(frozen=True)
class ScheduleDialogue:
    dialogue: str
    after: timedelta
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StartDialogue:
    dialogue: str
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DialogueFinished:
    dialogue: str


Event = (
    SendMessage
    | RecordAnswer
    | RaiseFlag
    | QuestionnaireScored
    | ScheduleDialogue
    | StartDialogue
    | DialogueFinished
)
