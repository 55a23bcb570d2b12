"""Transcript tests on the shipped dialogues and content (not the fixture project)."""

from __future__ import annotations

import pytest

import bot.engine.exercises  # noqa: F401  (registers the `exercise:` state kind)
from bot import PROJECT_ROOT
from bot.content.bundle import Bundle, build_bundle, collect_files
from tests.dialogues.chat import Chat

PATIENT = {"name": "Maria", "locale": "en", "timezone": "Europe/London", "checkin_time": "09:00"}


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return build_bundle(collect_files(
        [PROJECT_ROOT / "dialogues", PROJECT_ROOT / "content"], relative_to=PROJECT_ROOT))


@pytest.fixture
def chat(bundle: Bundle) -> Chat:
    return Chat(bundle, PATIENT)


@pytest.fixture
def chat_de(bundle: Bundle) -> Chat:
    return Chat(bundle, {**PATIENT, "locale": "de"})
