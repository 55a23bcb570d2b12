"""One error hierarchy for coachbot, so callers can catch by meaning, not by library."""


class CoachbotError(Exception):
    """Base of every error coachbot raises on purpose."""


class ConfigError(CoachbotError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class ContentError(CoachbotError):
    """Dialogue scripts or content files could not be loaded."""


class EngineError(CoachbotError):
    """The dialogue engine was asked to do something its scripts do not allow."""


class StaleButton(EngineError):
    """A button press that no longer matches the conversation it was shown for."""


class StorageError(CoachbotError):
    """The database could not be reached or refused a write."""


class TriageUnavailable(CoachbotError):
    """The NLU service did not answer in time; the safety layer still decides."""


class InputError(CoachbotError):
    """Input from outside (a simulator line, a command argument) is malformed."""
