"""Who a Telegram chat is to the service: `tg:<chat_id>` is a private chat's person key.

The conventions are fixed (other code and stored rows rely on them): a private chat's person
key is `tg:{chat_id}`, and a person enrolling from it gets the id `tg{chat_id}`.
"""

from __future__ import annotations

from typing import Any

CHAT_KEY_PREFIX = "tg:"
NO_CHAT_KEY = "tg:none"
"""Updates that belong to no chat (inline queries, polls) share this key; they are ignored."""


def chat_key(chat_id: int) -> str:
    """Raises ValueError for a chat id that is not an integer: Telegram's always are, so the
    update is forged, and its "id" (any text, any length) must not become a key, a recipient
    or a log line. The inbox sets such an update aside as unreadable."""
    return f"{CHAT_KEY_PREFIX}{telegram_id(chat_id)}"


def new_person_id(chat_id: int) -> str:
    return f"tg{telegram_id(chat_id)}"


def telegram_id(value: int) -> int:
    if type(value) is not int:  # not bool either
        raise ValueError("a chat id that is not an integer (a forged update)")
    return value


def chat_id_of(key: str | None) -> int | None:
    """The Telegram chat id behind a person key, or None when the key is not a Telegram chat."""
    if not key or not key.startswith(CHAT_KEY_PREFIX):
        return None
    raw = key[len(CHAT_KEY_PREFIX):]
    try:
        return int(raw)
    except ValueError:
        return None


def is_group_chat(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


def chat_key_of_payload(payload: dict[str, Any]) -> str:
    """The chat an update belongs to, from its raw JSON (before any parsing can fail).

    Used to order updates per chat; a private chat's id is the user's id, so a button press
    is ordered with its presser's own messages (whatever message it claims to come from).
    """
    for field in ("message", "edited_message", "channel_post", "edited_channel_post",
                  "my_chat_member", "chat_member", "chat_join_request", "business_message"):
        chat = _get(payload, field, "chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return chat_key(chat["id"])
    callback = payload.get("callback_query")
    if isinstance(callback, dict):
        chat = _get(callback, "message", "chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int) and chat.get("type") != "private":
            return chat_key(chat["id"])
    for value in payload.values():
        user = value.get("from") if isinstance(value, dict) else None
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return chat_key(user["id"])
    return NO_CHAT_KEY


def _get(payload: dict[str, Any], *path: str) -> Any:
    value: Any = payload
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
