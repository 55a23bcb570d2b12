"""A chat with one dialogue through the Engine, written so tests read like a transcript:

    chat.start("daily_checkin", exercise="walking")
    chat.press("7")
    chat.send("slept well", intent="mood_good")
    assert "Thanks for checking in" in chat.last_text

No database, no Telegram: exactly what the service would send and store, as engine events.
"""

from __future__ import annotations

from typing import Any

from bot.content.bundle import Bundle
from bot.engine import events as ev
from bot.engine.engine import Conversation, Engine, Input, StepResult


class Chat:
    def __init__(self, bundle: Bundle, context: dict[str, Any], engine: Engine | None = None) -> None:
        self.bundle = bundle
        self.context = dict(context)
        self.engine = engine or Engine()
        self.conversation: Conversation | None = None
        self.replies: list[ev.SendMessage] = []
        """What the bot said in answer to the last thing the patient did."""
        self.transcript: list[str] = []
        self.answers: dict[str, Any] = {}
        self.flags: list[ev.RaiseFlag] = []
        self.scores: list[ev.QuestionnaireScored] = []
        self.started: list[ev.StartDialogue] = []
        self.scheduled: list[ev.ScheduleDialogue] = []
        self.matched = True
        self._prompt: ev.SendMessage | None = None

    # --- the patient's side -------------------------------------------------------------------

    def start(self, dialogue: str, **variables: Any) -> Chat:
        self.transcript.append(f"[start {dialogue}]")
        self._take(self.engine.start(self.bundle, dialogue, self.context, variables))
        return self

    def press(self, label: str) -> Chat:
        """Tap the button with this label on the latest message that has buttons."""
        prompt = self._prompt
        assert prompt is not None, "no buttons on screen"
        for row in prompt.buttons:
            for button in row:
                if button.label == label:
                    self.transcript.append(f"> [{label}]")
                    return self._step(Input(kind="press", index=button.index, seq=prompt.seq))
        raise AssertionError(f"no button {label!r}; buttons are {self.buttons}")

    def send(self, text: str, intent: str | None = None) -> Chat:
        self.transcript.append(f"> {text}")
        return self._step(Input(kind="text", text=text, intent=intent))

    def follow(self) -> Chat:
        """Start the dialogue this one handed over to, with its variables (as the service does)."""
        assert self.started, "the dialogue started nothing"
        handover = self.started.pop()
        return self.start(handover.dialogue, **handover.vars)

    def restart_engine(self) -> Chat:
        """A fresh engine (a restart or another process): the conversation is plain data."""
        self.engine = Engine()
        return self

    # --- what the patient sees ----------------------------------------------------------------

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.replies]

    @property
    def last_text(self) -> str:
        assert self.replies, "the bot said nothing"
        return self.replies[-1].text

    @property
    def buttons(self) -> list[str]:
        return [b.label for row in (self._prompt.buttons if self._prompt else []) for b in row]

    @property
    def state(self) -> str:
        assert self.conversation is not None
        return self.conversation.state

    @property
    def finished(self) -> bool:
        return self.conversation is not None and self.conversation.finished

    # --- plumbing -----------------------------------------------------------------------------

    def _step(self, step: Input) -> Chat:
        assert self.conversation is not None, "start a dialogue first"
        self._take(self.engine.handle(self.bundle, self.conversation, step, self.context))
        return self

    def _take(self, result: StepResult) -> None:
        self.conversation = result.conversation
        self.matched = result.matched
        self.replies = []
        for event in result.events:
            if isinstance(event, ev.SendMessage):
                self.replies.append(event)
                self.transcript.append(event.text)
                if event.buttons:
                    self._prompt = event
            elif isinstance(event, ev.RecordAnswer):
                self.answers[event.key] = event.value
            elif isinstance(event, ev.RaiseFlag):
                self.flags.append(event)
            elif isinstance(event, ev.QuestionnaireScored):
                self.scores.append(event)
            elif isinstance(event, ev.StartDialogue):
                self.started.append(event)
            elif isinstance(event, ev.ScheduleDialogue):
                self.scheduled.append(event)
        if self.finished:
            self._prompt = None

    def flag_severities(self) -> list[str]:
        return [f.severity for f in self.flags]
