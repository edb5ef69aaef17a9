"""What a Telegram update asks the assistant to answer: a user's text, or a pressed button.

Anything else (edited messages, stickers and other media, channel posts, polls, malformed
updates) is read as nothing to answer. Telegram commands (`/start`, `/help`, `/forget`) are read
as the intents they stand for. Used by bot/telegram.py's webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Telegram commands a user can type, and what the assistant reads them as ("/forget" deletes the
# conversation; named here so that "/forget@bot_name" is read as it too).
COMMANDS = {"/start": "/greet", "/help": "/ask_capabilities", "/forget": "/forget"}


@dataclass(frozen=True)
class IncomingMessage:
    """What the assistant answers: a user's text, or the payload of a button they pressed."""

    chat_id: int
    text: str
    callback_query_id: str | None = None


def _int_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _chat_id(message: Any) -> int | None:
    chat = message.get("chat") if isinstance(message, dict) else None
    return _int_id(chat.get("id")) if isinstance(chat, dict) else None


def _as_command(text: str) -> str:
    """`/start`, `/help`, `/forget` (also `/start@bot_name`, `/start x`) as our intents."""
    name = text.strip().split(maxsplit=1)[0].split("@", 1)[0].lower()
    return COMMANDS.get(name, text)


def _button_press(query: dict[str, Any]) -> IncomingMessage | None:
    data, query_id = query.get("data"), query.get("id")
    sender = query.get("from")
    chat_id = _chat_id(query.get("message")) or (
        _int_id(sender.get("id")) if isinstance(sender, dict) else None
    )
    if not (isinstance(data, str) and data.strip() and isinstance(query_id, str)):
        return None
    if chat_id is None:
        return None
    return IncomingMessage(chat_id, data, callback_query_id=query_id)


def read_update(update: Any) -> IncomingMessage | None:
    """The text a Telegram update asks the assistant to answer, or None.

    None for anything else: edited messages, stickers and other media, channel posts, polls,
    malformed updates.
    """
    if not isinstance(update, dict):
        return None
    if isinstance(update.get("callback_query"), dict):
        return _button_press(update["callback_query"])
    message = update.get("message")
    chat_id = _chat_id(message)
    if chat_id is None:
        return None
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    return IncomingMessage(chat_id, _as_command(text))
