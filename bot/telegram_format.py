"""Replies as Telegram messages: escaped HTML, Markdown links as links, at most 4,096 characters.

Everything a reply may contain is escaped (`&`, `<`, `>`), so neither a user's message nor the
knowledge text can add markup; the Markdown source links actions/answering/composition.py writes
become `<a>`
links. A reply too long for one message is split between paragraphs, sentences or words, never
inside a link or an HTML entity. Buttons become an inline keyboard. Used by bot/telegram.py.
"""

from __future__ import annotations

import html
import logging
import re
from itertools import accumulate
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # characters per message, as Telegram counts them (UTF-16 code units)
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback_data

# A Markdown link to a web page, as actions/answering/composition.py writes sources: [title](https://...).
_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://(?:[^\s()<>]|\([^\s()<>]*\))+)\)")
_WHITESPACE_LINE = re.compile(r"\n[ \t]+\n")  # actions/answering/composition.py's SOURCES_BREAK
_WORDS = re.compile(r"\S+\s*|\s+")
_PARAGRAPH_END = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?]\s+$")


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _link(match: re.Match[str]) -> str:
    title, url = match.groups()
    return f'<a href="{html.escape(url, quote=True)}">{_escape(title)}</a>'


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def to_telegram_html(text: str) -> str:
    """Telegram HTML for a reply: any markup in it shown as text, Markdown web links as links."""
    parts: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        parts += [_escape(text[last : match.start()]), _link(match)]
        last = match.end()
    return "".join([*parts, _escape(text[last:])])


def _atoms(text: str, limit: int) -> list[str]:
    """Telegram HTML in pieces a message may end after: words, and whole links.

    A link too long for one message is left as escaped text.
    """
    atoms: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        atoms += [_escape(word) for word in _WORDS.findall(text[last : match.start()])]
        link = _link(match)
        words = [link] if telegram_length(link) <= limit else _WORDS.findall(match.group(0))
        atoms += [link] if words == [link] else [_escape(word) for word in words]
        last = match.end()
    return atoms + [_escape(word) for word in _WORDS.findall(text[last:])]


def _hard_split(atom: str, limit: int) -> list[str]:
    """An escaped word longer than a message, cut by character but never inside an entity."""
    pieces = [""]
    for char in re.findall(r"&[#\w]+;|.", atom, flags=re.DOTALL):
        if telegram_length(pieces[-1] + char) > limit:
            pieces.append("")
        pieces[-1] += char
    return pieces


def _cut(atoms: list[str]) -> int:
    """Where to end a full message: after a paragraph or sentence in its second half, or last."""
    ends = list(accumulate(telegram_length(atom) for atom in atoms))
    for ending in (_PARAGRAPH_END, _SENTENCE_END):
        for index in range(len(atoms) - 1, -1, -1):
            if ends[index] < ends[-1] / 2:
                break
            if ending.search(html.unescape(atoms[index])):
                return index + 1
    return len(atoms)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Telegram HTML messages of at most `limit` characters each.

    Messages end between paragraphs, sentences or words, never inside a link or an HTML entity.
    """
    text = _WHITESPACE_LINE.sub("\n\n", text.strip())
    pieces = [
        piece
        for atom in _atoms(text, limit)
        for piece in ([atom] if telegram_length(atom) <= limit else _hard_split(atom, limit))
    ]
    messages: list[list[str]] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        length = telegram_length(piece)
        if size + length > limit:
            cut = _cut(current)
            messages.append(current[:cut])
            current = current[cut:]
            size = sum(telegram_length(atom) for atom in current)
            if size + length > limit:
                messages.append(current)
                current, size = [], 0
        current.append(piece)
        size += length
    messages.append(current)
    return [joined for atoms in messages if (joined := "".join(atoms).strip())]


def inline_keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """One button per row (the topic labels are long); a button's payload is sent back."""
    markup = InlineKeyboardMarkup()
    for button in buttons:
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or title)
        if button.get("url"):
            markup.row(InlineKeyboardButton(title, url=str(button["url"])))
        elif title and 0 < len(payload.encode()) <= CALLBACK_DATA_LIMIT:
            markup.row(InlineKeyboardButton(title, callback_data=payload))
        else:
            logger.warning("Telegram: button %r left out (no title, or payload too long)", title)
    return markup if markup.inline_keyboard else None
