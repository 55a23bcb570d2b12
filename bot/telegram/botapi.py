"""The Bot the channel uses: PTB's ExtBot, plus a text send that reads only the new id.

Why: `Bot.send_message` builds a full `telegram.Message` (with its Chat, User and keyboard
objects) from Telegram's answer, and the sender needs only `message_id` from it. Building
it was 15% of the bot process's CPU under load (py-spy, bench/e2e_bench.py at 500 updates/s),
more than the whole HTTP request. `send_text` posts the same request through PTB's own
`_post` (which every Bot method uses: defaults, the request class, the error mapping to
`telegram.error`, timeouts), and reads the id from the JSON.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import ExtBot


class TelegramBot(ExtBot[None]):
    async def send_text(self, chat_id: int, text: str,
                        reply_markup: InlineKeyboardMarkup | None = None, paid_broadcast: bool = False) -> int:
        """`sendMessage`; the new message's id. Errors raise as from `send_message`."""
        data: dict[str, Any] = {"chat_id": chat_id, "text": text, "reply_markup": reply_markup}
        if paid_broadcast:
            data["allow_paid_broadcast"] = True
        result = await self._post("sendMessage", data)
        try:
            return int(result["message_id"])
        except (TypeError, KeyError, ValueError) as exc:
            raise TelegramError(f"sendMessage answered without a message id: {str(result)[:200]}") from exc
