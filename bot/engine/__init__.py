"""The dialogue engine: pure functions of (conversation, input, clock time) -> events."""
