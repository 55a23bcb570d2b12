"""coachbot: a Telegram coach bot for the work between human-led group sessions."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout the package runs from; default home of `dialogues/` and `content/`."""
