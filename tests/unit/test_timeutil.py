"""Reading times of day and time zones the way patients type them (onboarding, /time)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.conditions import evaluate
from bot.timeutil import day_and_time, is_valid_zone, parse_hhmm, resolve_zone


@pytest.mark.parametrize(("typed", "meant"), [
    ("07:30", time(7, 30)), ("7:30", time(7, 30)), ("7.30", time(7, 30)), ("7", time(7, 0)),
    ("7am", time(7, 0)), ("7 a.m.", time(7, 0)), ("7:30 pm", time(19, 30)), ("7PM", time(19, 0)),
    ("12am", time(0, 0)), ("12pm", time(12, 0)), ("19h30", time(19, 30)), ("19h", time(19, 0)),
    ("0:00", time(0, 0)), (" 23:59 ", time(23, 59)),
])
def test_a_time_of_day_is_read_as_people_type_it(typed: str, meant: time) -> None:
    assert parse_hhmm(typed) == meant


@pytest.mark.parametrize("typed", ["24:00", "13pm", "0am", "9ish", "nine", "7:60", "", "7:3", "::", "1234"])
def test_what_is_not_a_time_of_day_is_none(typed: str) -> None:
    assert parse_hhmm(typed) is None


@given(st.text(max_size=20))
def test_any_text_is_a_time_or_none_never_an_error(text: str) -> None:
    parsed = parse_hhmm(text)
    assert parsed is None or isinstance(parsed, time)


@pytest.mark.parametrize(("typed", "zone_name"), [
    ("Europe/Madrid", "Europe/Madrid"), ("europe/madrid", "Europe/Madrid"), ("Madrid", "Europe/Madrid"),
    ("new york", "America/New_York"), ("  Berlin ", "Europe/Berlin"), ("utc", "UTC"),
    ("buenos aires", "America/Argentina/Buenos_Aires"), ("kolkata", "Asia/Kolkata"),
])
def test_a_city_or_zone_name_is_its_time_zone(typed: str, zone_name: str) -> None:
    assert resolve_zone(typed) == zone_name


@pytest.mark.parametrize("typed", ["Atlantis", "", "../etc/passwd", "Europe/Londn", "x" * 200])
def test_what_is_not_a_time_zone_is_none(typed: str) -> None:
    assert resolve_zone(typed) is None


@given(st.text(max_size=40))
def test_any_text_resolves_to_a_real_zone_or_none(text: str) -> None:
    resolved = resolve_zone(text)
    assert resolved is None or is_valid_zone(resolved)


def test_a_condition_can_check_what_was_typed() -> None:
    assert evaluate({"var": "text", "is": "timezone"}, {"text": "Sydney"})
    assert not evaluate({"var": "text", "is": "timezone"}, {"text": "somewhere warm"})
    assert evaluate({"var": "text", "is": "time"}, {"text": "6pm"})
    assert not evaluate({"var": "text", "is": "time"}, {"text": "after lunch"})
    assert not evaluate({"var": "text", "is": "colour"}, {"text": "red"})
    assert not evaluate({"var": "text", "is": "time"}, {})


@pytest.mark.parametrize(("locale", "shown"), [
    ("en", "18:30 on Mon 04 May"), ("de", "Mo., 4. Mai, um 18:30 Uhr"), ("fr", "18:30 on Mon 04 May"),
])
def test_a_day_and_time_in_the_patients_language(locale: str, shown: str) -> None:
    assert day_and_time(datetime(2026, 5, 4, 18, 30), locale) == shown
