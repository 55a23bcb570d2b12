"""Telegram's published limits, in one place (https://core.telegram.org/bots/faq)."""

from __future__ import annotations

GLOBAL_MESSAGES_PER_SECOND = 30
"""About 30 messages per second in total for one bot."""
PAID_BROADCAST_MESSAGES_PER_SECOND = 1000
"""With `allow_paid_broadcast`, up to 1,000 messages per second; Telegram charges Stars for
each message beyond the free 30 (bot.config TELEGRAM_PAID_BROADCAST)."""
PER_CHAT_INTERVAL_S = 1.0
"""About one message per second to any one chat."""
GROUP_MESSAGES_PER_MINUTE = 20
"""At most 20 messages per minute to one group chat."""
GROUP_INTERVAL_S = 60.0 / GROUP_MESSAGES_PER_MINUTE
MAX_MESSAGE_CHARS = 4096
"""Longest text of one message."""
MAX_CAPTION_CHARS = 1024
"""Longest caption of a photo."""
MAX_CALLBACK_DATA_BYTES = 64
"""callback_data is at most 64 bytes, and comes back from the client: untrusted."""
MAX_COMMAND_DESCRIPTION_CHARS = 256
"""setMyCommands: description of one command."""
