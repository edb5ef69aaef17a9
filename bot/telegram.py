"""The assistant on Telegram: Rasa's Telegram channel, made safe and readable.

Changes to `rasa.core.channels.telegram`: the Bot API base URL is configurable (`api_url`, so
tests use a fake API on loopback); the webhook is registered with a throw-away Bot, because Rasa's
`asyncio.run(set_webhook)` leaves the kept Bot's HTTP session on a closed loop ("Event loop is
closed" on the first update); the bot's username is checked once at start-up instead of calling
`getMe` on every update; replies go out as escaped HTML (links, paragraphs, inline keyboards,
at most 4,096 characters per message: bot/telegram_format.py); updates that carry no text from a
user (edits, stickers, polls, malformed JSON: bot/telegram_updates.py) are ignored without a reply
and without a 5xx, and button presses are acknowledged and answered.

The webhook path is public, so an update is accepted only with the secret Telegram was given at
`setWebhook` (`secret_token`, from TELEGRAM_SECRET_TOKEN or made at each start): Telegram sends it
back in a header with every update, anything else gets 403 before it can reach a conversation.
Updates then go through `bot.channels.guarded`, as REST and socket.io messages do: the text is
capped at its `MAX_MESSAGE_CHARS`, and a failure while answering gets its apology.

`python -m bot.telegram_credentials BASE TARGET` writes BASE's channels plus the block that turns
this channel on to TARGET; `make run` does that, and passes TARGET to Rasa, only when
TELEGRAM_ACCESS_TOKEN is set.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import Methods, TelegramAPIServer
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import guarded
from bot.telegram_format import inline_keyboard, split_message
from bot.telegram_updates import IncomingMessage, read_update
from bot.tokens import TELEGRAM_SECRET_TOKEN

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
# Where each credential comes from (named in errors).
ENV_VARS = {
    "access_token": "TELEGRAM_ACCESS_TOKEN",
    "verify": "TELEGRAM_VERIFY",
    "webhook_url": "TELEGRAM_WEBHOOK_URL",
    "api_url": "TELEGRAM_API_URL",
}
# Read from the environment by `from_credentials`, not through the credentials block
# (bot/telegram_credentials.py): Rasa refuses a `${...}` whose variable is unset, and unset means
# "make a new one at each start".
SECRET_TOKEN_ENV = "TELEGRAM_SECRET_TOKEN"
SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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
