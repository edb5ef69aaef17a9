"""The assistant on Telegram: Rasa's Telegram channel, made safe and readable.

Changes to `rasa.core.channels.telegram`: the Bot API base URL is configurable (`api_url`, so
tests use a fake API on loopback); the webhook is registered with a throw-away Bot, because Rasa's
`asyncio.run(set_webhook)` leaves the kept Bot's HTTP session on a closed loop ("Event loop is
closed" on the first update); the bot's username is checked once at start-up instead of calling
`getMe` on every update; replies go out as escaped HTML (links, paragraphs, inline keyboards,
at most 4,096 characters per message); updates that carry no text from a user (edits, stickers,
polls, malformed JSON) are ignored without a reply and without a 5xx, and button presses are
acknowledged and answered.

The webhook path is public, so an update is accepted only with the secret Telegram was given at
`setWebhook` (`secret_token`, from TELEGRAM_SECRET_TOKEN or made at each start): Telegram sends it
back in a header with every update, anything else gets 403 before it can reach a conversation.
Updates then go through `bot.channels.guarded`, as REST and socket.io messages do: the text is
capped at its `MAX_MESSAGE_CHARS`, and a failure while answering gets its apology.

`python -m bot.telegram BASE TARGET` writes BASE's channels plus the Telegram block to TARGET;
`make run` does that, and passes TARGET to Rasa, only when TELEGRAM_ACCESS_TOKEN is set.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import html
import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.bot.api import Methods, TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import guarded
from bot.tokens import TELEGRAM_SECRET_TOKEN

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
MESSAGE_LIMIT = 4096  # characters per message, as Telegram counts them (UTF-16 code units)
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback_data
# Telegram commands a user can type, and what the assistant reads them as ("/forget" deletes the
# conversation; named here so that "/forget@bot_name" is read as it too).
COMMANDS = {"/start": "/greet", "/help": "/ask_capabilities", "/forget": "/forget"}
# Where each credential comes from (named in errors).
ENV_VARS = {
    "access_token": "TELEGRAM_ACCESS_TOKEN",
    "verify": "TELEGRAM_VERIFY",
    "webhook_url": "TELEGRAM_WEBHOOK_URL",
    "api_url": "TELEGRAM_API_URL",
}
# Read from the environment by `from_credentials`, not through the block below: Rasa refuses a
# `${...}` whose variable is unset, and unset means "make a new one at each start".
SECRET_TOKEN_ENV = "TELEGRAM_SECRET_TOKEN"
SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CREDENTIALS_BLOCK = """
# Telegram (bot/telegram.py). Added by `make run` only when TELEGRAM_ACCESS_TOKEN is set; Rasa
# fills in the ${...} values from the environment at start-up, so no secret is written here.
# TelegramInput reads TELEGRAM_SECRET_TOKEN from the environment itself (it may be unset).
bot.telegram.TelegramInput:
  access_token: ${TELEGRAM_ACCESS_TOKEN}
  verify: ${TELEGRAM_VERIFY}
  webhook_url: ${TELEGRAM_WEBHOOK_URL}
  api_url: ${TELEGRAM_API_URL}
"""

# A Markdown link to a web page, as actions/answer.py writes sources: [title](https://...).
_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://(?:[^\s()<>]|\([^\s()<>]*\))+)\)")
_WHITESPACE_LINE = re.compile(r"\n[ \t]+\n")  # actions/answer.py's SOURCES_BREAK
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


class TelegramOutput(RasaTelegramOutput):
    """Sends replies as Telegram HTML, with buttons as an inline keyboard under the text."""

    def __init__(self, access_token: str, api_url: str = TELEGRAM_API_URL) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_message(text):
            await self._send_html(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = split_message(text) or ["Choose one:"]
        for part in parts[:-1]:
            await self._send_html(recipient_id, part)
        await self._send_html(recipient_id, parts[-1], inline_keyboard(buttons))

    async def _send_html(
        self, recipient_id: str, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        await self.send_message(
            recipient_id,
            text,
            parse_mode="HTML",
            disable_web_page_preview=True,  # no preview card for the source links
            reply_markup=markup,
        )


class TelegramInput(RasaTelegramInput):
    """Receives updates at /webhooks/telegram/webhook; see the module docstring."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        values = {key: str(credentials.get(key) or "").strip() for key in ENV_VARS}
        required = ("access_token", "verify", "webhook_url")
        missing = [ENV_VARS[key] for key in required if not values[key]]
        if missing:
            raise RasaException(f"Telegram is enabled, but these are empty: {', '.join(missing)}.")
        return cls(
            values["access_token"],
            values["verify"],
            values["webhook_url"],
            api_url=values["api_url"] or TELEGRAM_API_URL,
            secret_token=os.environ.get(SECRET_TOKEN_ENV, "").strip() or None,
        )

    def __init__(
        self,
        access_token: str,
        verify: str,
        webhook_url: str,
        api_url: str = TELEGRAM_API_URL,
        secret_token: str | None = None,
    ) -> None:
        """`secret_token`: what Telegram must send with each update; None makes a random one."""
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.api_url = api_url
        self.secret_token = secret_token or secrets.token_urlsafe(32)
        if not TELEGRAM_SECRET_TOKEN.fullmatch(self.secret_token):
            raise RasaException(
                f"{SECRET_TOKEN_ENV} must be 1-256 characters of A-Z, a-z, 0-9, _ and -."
            )

    def get_output_channel(self) -> TelegramOutput:
        """A new Bot: its HTTP session is made on the event loop that first uses it."""
        return TelegramOutput(self.access_token, self.api_url)

    async def register_webhook(self) -> None:
        """Check the token belongs to the bot named in `verify`, then point its webhook here."""
        bot = self.get_output_channel()
        try:
            me = await bot.get_me()
            if (me.username or "").lower() != self.verify.lstrip("@").lower():
                raise RasaException(
                    f"TELEGRAM_ACCESS_TOKEN belongs to @{me.username}, "
                    f"not to TELEGRAM_VERIFY={self.verify!r}."
                )
            # aiogram 2.15 (Rasa 3.6's pin) predates setWebhook's secret_token parameter.
            await bot.request(
                Methods.SET_WEBHOOK, {"url": self.webhook_url, "secret_token": self.secret_token}
            )
        except (TelegramAPIError, TimeoutError) as error:
            raise RasaException(f"Could not set the Telegram webhook: {error}") from error
        finally:
            await bot.session.close()

    def is_from_telegram(self, request: Request) -> bool:
        """Whether the update carries the secret only Telegram was given (in constant time)."""
        given = request.headers.get(SECRET_TOKEN_HEADER) or ""
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        asyncio.run(self.register_webhook())  # Rasa builds its channels before its loop runs
        out_channel = self.get_output_channel()
        handle_message = guarded(on_new_message)
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            await out_channel.session.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_from_telegram(request):
                logger.warning("Telegram: refused an update without the secret token")
                return response.text("forbidden", status=403)
            try:
                update = json.loads(request.body)
            except ValueError:
                return response.text("malformed JSON", status=400)
            incoming = read_update(update)
            if incoming is None:
                return response.text("ignored")
            metadata = self.get_metadata(request)
            await self._answer(incoming, out_channel, handle_message, metadata)
            return response.text("success")

        return telegram_webhook

    async def _answer(
        self,
        incoming: IncomingMessage,
        out_channel: TelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        metadata: dict[str, Any] | None,
    ) -> None:
        """Acknowledge a button press, then let Rasa answer.

        `on_new_message` already apologises for a failure; one that remains (the apology could
        not be sent) is logged, not returned as a 5xx: Telegram would deliver the update again.
        """
        if incoming.callback_query_id:
            try:
                await out_channel.answer_callback_query(incoming.callback_query_id)
            except TelegramAPIError as error:
                logger.warning("Telegram: could not acknowledge a button press: %s", error)
        message = UserMessage(
            incoming.text,
            out_channel,
            str(incoming.chat_id),
            input_channel=self.name(),
            metadata=metadata,
        )
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("Telegram: could not answer chat %s", incoming.chat_id)


def write_credentials(base: Path, target: Path) -> None:
    """`base` (Rasa's other channels) plus the Telegram block, written to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(base.read_text("utf-8").rstrip("\n") + "\n" + CREDENTIALS_BLOCK, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a credentials file with Telegram enabled.")
    parser.add_argument("base", type=Path, help="credentials file with the other channels")
    parser.add_argument("target", type=Path, help="where to write it with the Telegram block")
    args = parser.parse_args()
    write_credentials(args.base, args.target)


if __name__ == "__main__":
    main()
