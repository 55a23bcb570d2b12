"""The pure parts of bot.telegram, property-tested: untrusted input never crashes or slips through."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, Update

from bot.errors import ConfigError
from bot.telegram.channel import api_urls
from bot.telegram.chats import NO_CHAT_KEY, chat_id_of, chat_key, chat_key_of_payload
from bot.telegram.inbound import INVALID_BUTTON, interpret, read
from bot.telegram.keyboard import fit_callback_data, inline_keyboard
from bot.telegram.ratelimit import RateLimiter
from bot.telegram.sender import split_text
from bot.telegram.webhook import check_secret, parse_listen

BOT = Bot("123:abc")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20)


@given(st.dictionaries(st.sampled_from(["message", "callback_query", "edited_message", "my_chat_member",
                                        "update_id", "inline_query", "x"]), json_values, max_size=4))
def test_chat_key_of_any_json_never_fails(payload: dict[str, Any]) -> None:
    key = chat_key_of_payload(payload)
    assert key == NO_CHAT_KEY or chat_id_of(key) is not None


def _message(chat_id: int, **content: Any) -> dict[str, Any]:
    return {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "A"}, **content}


@given(st.text(max_size=5000), st.integers(min_value=1, max_value=2**40))
@settings(max_examples=60)
def test_any_text_becomes_an_inbound_within_the_limit(text: str, chat_id: int) -> None:
    meaning = interpret(Update.de_json({"update_id": 1, "message": _message(chat_id, text=text)}, BOT), 4000)
    if text.strip():
        assert meaning.action == "inbound" and meaning.inbound is not None
        assert meaning.inbound.text == text[:4000]
        assert meaning.truncated == (len(text) > 4000)
        assert meaning.inbound.chat_key == f"tg:{chat_id}" and meaning.inbound.new_id == f"tg{chat_id}"
    else:
        assert meaning.action in ("note", "ignore")


ids = st.integers(min_value=-2**40, max_value=2**40)
plain_updates = st.fixed_dictionaries({
    "update_id": st.integers(min_value=0, max_value=2**31),
    "message": st.fixed_dictionaries({
        "message_id": ids, "date": st.integers(min_value=0, max_value=2**31), "text": st.text(max_size=50),
        "chat": st.fixed_dictionaries({"id": ids, "type": st.sampled_from(["private", "group", "channel"])},
                                      optional={"first_name": st.text(max_size=5)}),
        "from": st.fixed_dictionaries({"id": ids, "is_bot": st.booleans(), "first_name": st.text(max_size=5)},
                                      optional={"username": st.text(max_size=5), "is_premium": st.booleans()}),
    })})
FIELDS = [("update_id",), ("edited_message",), ("message",), ("message", "message_id"), ("message", "date"),
          ("message", "text"), ("message", "caption"), ("message", "entities"), ("message", "chat"),
          ("message", "chat", "id"), ("message", "chat", "type"), ("message", "chat", "title"),
          ("message", "from"), ("message", "from", "id"), ("message", "from", "is_bot"),
          ("message", "from", "first_name"), ("message", "from", "language_code")]
changes = st.lists(st.tuples(st.sampled_from(FIELDS), st.just(None) | json_values), max_size=2)
"""A field of the update set to another JSON value, or removed (None)."""


def _changed(update: dict[str, Any], edits: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    for path, value in edits:
        *parents, name = path
        target: Any = update
        for parent in parents:
            target = target.get(parent) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return update


def assert_read_as_ptb_reads_it(payload: dict[str, Any]) -> None:
    """The same meaning, or both refuse the update (PTB cannot parse it)."""
    try:
        expected = interpret(Update.de_json(copy.deepcopy(payload), BOT), 30)
    except Exception:
        expected = None
    try:
        meaning = read(payload, BOT, 30)
    except Exception:
        meaning = None
    assert meaning == expected


@given(plain_updates, changes)
@settings(max_examples=400)
def test_reading_an_update_from_json_means_what_ptb_reads_in_it(
        update: dict[str, Any], edits: list[tuple[tuple[str, ...], Any]]) -> None:
    """`read` skips PTB's objects for plain text messages: it must mean exactly what PTB's
    parse means, and leave every other update (and every malformed one) to PTB."""
    assert_read_as_ptb_reads_it(_changed(update, edits))


@pytest.mark.parametrize("field", FIELDS, ids=".".join)
@pytest.mark.parametrize("value", [None, True, 7, "7", [], {}, {"id": 5}], ids=repr)
def test_a_plain_text_message_with_one_field_changed_is_read_as_ptb_reads_it(
        field: tuple[str, ...], value: Any) -> None:
    update = {"update_id": 1, "message": _message(5, text="hello")}
    assert_read_as_ptb_reads_it(_changed(update, [(field, value)]))


def test_a_plain_text_message_is_read_without_ptb(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any) -> Update:
        raise AssertionError("parsed by PTB")

    monkeypatch.setattr(Update, "de_json", refuse)
    meaning = read({"update_id": 1, "message": _message(7, text="hello " * 10)}, BOT, 30)
    # the whole text goes on (triage reads all of it); `truncated` says the dialogue keeps less
    assert meaning.inbound is not None and meaning.inbound.text == "hello " * 10
    assert (meaning.action, meaning.chat_key, meaning.chat_id, meaning.truncated) == ("inbound", "tg:7", 7, True)


@given(st.text(min_size=1, max_size=100))
def test_callback_data_is_passed_on_only_if_it_fits(data: str) -> None:
    update = {"update_id": 1, "callback_query": {
        "id": "q", "chat_instance": "c", "data": data, "from": {"id": 5, "is_bot": False, "first_name": "A"},
        "message": _message(5, text="question")}}
    meaning = interpret(Update.de_json(update, BOT), 4000)
    assert meaning.callback_query_id == "q"
    if len(data.encode()) <= 64:
        assert meaning.inbound is not None and meaning.inbound.press == data
    else:
        assert meaning.action == "ignore" and meaning.callback_answer == INVALID_BUTTON


def test_a_press_claiming_another_chat_is_forged() -> None:
    update = {"update_id": 1, "callback_query": {
        "id": "q", "chat_instance": "c", "data": "d:1:0:0",
        "from": {"id": 6, "is_bot": False, "first_name": "B"}, "message": _message(5, text="question")}}
    meaning = interpret(Update.de_json(update, BOT), 4000)
    assert meaning.action == "ignore" and meaning.callback_answer == INVALID_BUTTON
    assert chat_key_of_payload(update) == chat_key(6)


@given(st.text(max_size=300))
def test_fitted_callback_data_is_a_prefix_of_at_most_64_bytes(data: str) -> None:
    fitted = fit_callback_data(data)
    assert len(fitted.encode()) <= 64 and data.startswith(fitted)


def test_keyboard_skips_malformed_buttons() -> None:
    markup = inline_keyboard([[{"label": "A", "data": "a"}, {"label": "", "data": "b"}, "junk"],
                              "not a row", [{"data": "x"}]])
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["A"]]
    assert inline_keyboard([]) is None


@given(st.text(alphabet=st.sampled_from("ab\n"), max_size=3000), st.integers(min_value=10, max_value=500))
def test_split_text_keeps_every_character_in_parts_that_fit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(len(part) <= limit for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_keeps_the_window_and_the_chat_interval() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_second=30, chat_interval_s=1.0, group_interval_s=3.0, margin_s=0.0, clock=clock)
    for chat in range(30):
        assert limiter.ready_at(chat) == 0.0
        limiter.done(asyncio.run(limiter.acquire(chat)))
    assert limiter.ready_at(99) == 1.0  # 31st message: next second
    assert limiter.ready_at(5) == 1.0  # same chat: one second after its answer
    clock.now = 1.0
    limiter.done(asyncio.run(limiter.acquire(-100)))
    assert limiter.ready_at(-100) == 4.0  # a group: 20 per minute


def test_rate_limiter_pauses_one_chat_then_everyone_on_a_flood() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_second=30, chat_interval_s=1.0, margin_s=0.0, clock=clock)
    assert not limiter.too_many_requests(1, 5.0)
    assert limiter.ready_at(1) == 5.0 and limiter.ready_at(2) == 0.0
    limiter.too_many_requests(2, 5.0)
    assert limiter.too_many_requests(3, 5.0)
    assert limiter.ready_at(4) == 5.0


async def test_an_urgent_send_goes_before_those_waiting_for_the_overall_window() -> None:
    limiter = RateLimiter(per_second=10, chat_interval_s=1.0, margin_s=0.0)
    granted: list[int] = []
    window_full = asyncio.Event()

    async def send(chat: int, urgent: bool = False) -> None:
        limiter.done(await limiter.acquire(chat, urgent=urgent))
        granted.append(chat)
        if len(granted) == 10:
            window_full.set()

    bulk = [asyncio.create_task(send(chat)) for chat in range(30)]
    await window_full.wait()  # the first second's ten went; twenty wait
    reply = asyncio.create_task(send(999, urgent=True))
    await asyncio.sleep(0)
    waiting_before = len(granted)
    await reply
    assert granted.index(999) <= waiting_before + 1
    await asyncio.gather(*bulk)
    assert sorted(granted) == [*range(30), 999]


def test_api_urls_accept_both_forms() -> None:
    assert api_urls("https://api.telegram.org/bot") == ("https://api.telegram.org/bot",
                                                        "https://api.telegram.org/file/bot")
    assert api_urls("http://localhost:8081/") == ("http://localhost:8081/bot", "http://localhost:8081/file/bot")


def test_webhook_settings_are_checked() -> None:
    assert parse_listen("0.0.0.0:8443") == ("0.0.0.0", 8443)
    assert parse_listen("[::]:80") == ("::", 80)
    for bad in ("8443", "host:", "host:99999", "host:http"):
        with pytest.raises(ConfigError):
            parse_listen(bad)
    assert check_secret("abc-DEF_123") == "abc-DEF_123"
    for bad_secret in (None, "", "has space", "x" * 257, "ünïcode"):
        with pytest.raises(ConfigError):
            check_secret(bad_secret)
