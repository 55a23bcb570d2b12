"""Outbox buttons `[[{"label", "data"}]]` -> an inline keyboard, within Telegram's 64 bytes."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.limits import MAX_CALLBACK_DATA_BYTES

log = logging.getLogger(__name__)


def fit_callback_data(data: str) -> str:
    """Callback data cut to 64 bytes at a character boundary.

    Data that long is a bug upstream (the service builds short data); sending the button
    truncated keeps the message, and the service answers the press as an invalid button
    because it checks every press against its own state.
    """
    encoded = data.encode("utf-8")
    if len(encoded) <= MAX_CALLBACK_DATA_BYTES:
        return data
    log.error("callback data longer than %d bytes was cut: %r", MAX_CALLBACK_DATA_BYTES, data[:80])
    return encoded[:MAX_CALLBACK_DATA_BYTES].decode("utf-8", errors="ignore")


def inline_keyboard(buttons: list[Any] | None) -> InlineKeyboardMarkup | None:
    """Rows of buttons; malformed entries are skipped (logged), an empty keyboard is None."""
    rows: list[list[InlineKeyboardButton]] = []
    for line in buttons or []:
        if not isinstance(line, list):
            log.error("outbox buttons: a row is not a list: %r", line)
            continue
        row = []
        for button in line:
            if not isinstance(button, dict) or not button.get("label") or not button.get("data"):
                log.error("outbox buttons: a button needs a label and data: %r", button)
                continue
            row.append(InlineKeyboardButton(str(button["label"]),
                                            callback_data=fit_callback_data(str(button["data"]))))
        if row:
            rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None
