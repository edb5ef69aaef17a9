"""The assistant's input channels: Rasa's REST and socket.io channels, hardened.

`RestInput` refuses what Rasa's own REST channel turns into a 500 or a shared conversation: a
body that is not a JSON object, a missing or non-string "sender" or "message" (Rasa files a
message without a sender under one conversation, "default"), a content type other than JSON (a
"simple" cross-origin POST that CORS would not stop), a body over 1 MB. Each gets a 4xx that says
what is wrong. Both channels cut a message to `MAX_MESSAGE_CHARS` before it reaches the tracker
(the NLU reads at most 1,000 cleaned characters of it anyway), and answer with
`bot.resilience.UNAVAILABLE_REPLY` rather than silence when handling a message fails.

`WebChatInput` also ignores socket.io message events that are not objects, treats a text that
is not a string as empty, and refuses websocket connections from browser origins that are not
in CORS_ORIGINS. And it fixes the socket.io channel on Python 3.11: Sanic 21.12 (Rasa 3.6's web
server) passes bare coroutines to `asyncio.wait` in its websocket code, which Python 3.11 forbids
("Passing coroutines is forbidden"): the websocket dies after the handshake and the widget never
connects. Later Sanic releases wrap each awaitable in a task first; `_wait_wrapping_coroutines`
does the same, for Sanic's websocket module only.

Importing this module (credentials.yml names both channels) applies that fix,
`bot.resilience.install()`, `bot.speedups.install()` and `bot.session.install()`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from types import SimpleNamespace
from typing import Any

import sanic.server.websockets.impl as sanic_websockets
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage, PayloadTooLarge, SanicException
from sanic.request import Request

from bot import resilience, session, speedups

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
MAX_BODY_BYTES = 1_000_000
MAX_SENDER_CHARS = 128
_PAYLOAD = "validated_payload"
# Browser origins allowed to use Rasa: space-separated, "*" for any. The Makefile exports it and
# passes it to `rasa run --cors`, which covers HTTP; WebChatInput checks websockets with it too.
CORS_ENV = "CORS_ORIGINS"

_asyncio_wait = asyncio.wait


async def _wait_wrapping_coroutines(awaitables: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
    return await _asyncio_wait([asyncio.ensure_future(a) for a in awaitables], *args, **kwargs)


sanic_websockets.asyncio = SimpleNamespace(**{**vars(asyncio), "wait": _wait_wrapping_coroutines})
resilience.install()
speedups.install()
session.install()


class UnsupportedMediaType(SanicException):
    status_code = 415


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[None]]:
    """A message handler that caps the text's length and answers even when handling fails."""
    answering = resilience.answer_even_on_failure(on_new_message)

    async def handle(message: UserMessage) -> None:
        if not isinstance(message.text, str):
            message.text = ""
        message.text = message.text[:MAX_MESSAGE_CHARS]
        await answering(message)

    return handle


def validated_payload(request: Request) -> dict[str, Any]:
    """The request's JSON object, once its shape is checked; raises a 4xx error if it is wrong."""
    if _PAYLOAD in vars(request.ctx):
        return getattr(request.ctx, _PAYLOAD)
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("send the message as JSON (Content-Type: application/json)")
    if len(request.body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the request body is over {MAX_BODY_BYTES:,} bytes")
    payload = request.json
    if not isinstance(payload, dict):
        raise InvalidUsage('send a JSON object: {"sender": "...", "message": "..."}')
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip() or not sender.isprintable():
        raise InvalidUsage('"sender" must be a non-empty string of printable characters')
    if len(sender) > MAX_SENDER_CHARS:
        raise InvalidUsage(f'"sender" must be at most {MAX_SENDER_CHARS} characters')
    if not isinstance(payload.get("message"), str):
        raise InvalidUsage('"message" must be a string')
    if not isinstance(payload.get("metadata", {}), dict | None):
        raise InvalidUsage('"metadata" must be a JSON object')
    if not isinstance(payload.get("input_channel", ""), str | None):
        raise InvalidUsage('"input_channel" must be a string')
    setattr(request.ctx, _PAYLOAD, payload)
    return payload


class RestInput(RasaRestInput):
    """Rasa's REST channel (`/webhooks/rest/webhook`) with its requests checked first."""

    async def _extract_sender(self, req: Request) -> str:
        return validated_payload(req)["sender"]

    def _extract_message(self, req: Request) -> str:
        return validated_payload(req)["message"]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(guarded(on_new_message))
        blueprint.after_server_stop(close_kept_sessions)
        return blueprint


async def close_kept_sessions(_app: Any, _loop: Any) -> None:
    """Sanic listener: close the action server's connections, kept between calls (speedups)."""
    await speedups.close_kept_sessions()


def allowed_origins() -> list[str] | None:
    """The browser origins in CORS_ORIGINS, or None when any origin may connect."""
    origins = os.environ.get(CORS_ENV)
    if origins is None or "*" in origins.split():
        return None
    return origins.split()


class WebChatInput(SocketIOInput):
    """Rasa's SocketIOInput with the Python 3.11 fix, a length cap and a reply on failure.

    Browsers do not apply CORS to websockets, so `rasa run --cors` alone would let a page from
    any origin chat through this channel; a connection from a page whose origin is not in
    CORS_ORIGINS is refused here. Clients that are not browsers send no origin and may connect.
    """

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(guarded(on_new_message))
        self._check_messages()
        origins = allowed_origins()
        if origins is not None:
            self._refuse_other_origins(origins)
        return blueprint

    def _check_messages(self) -> None:
        """Rasa fails on a message that is not an object, or whose text or metadata is odd."""
        namespace = self.namespace or "/"
        handle_message = self.sio.handlers[namespace][self.user_message_evt]

        async def handle_checked_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                logger.warning("socket.io: ignored a %r event that is not an object", type(data))
                return
            if not isinstance(data.get("message"), str):
                data = {**data, "message": ""}
            if not isinstance(data.get(self.metadata_key, {}), dict | None):
                data = {key: value for key, value in data.items() if key != self.metadata_key}
            await handle_message(sid, data)

        self.sio.on(self.user_message_evt, handle_checked_message, namespace=namespace)

    def _refuse_other_origins(self, origins: list[str]) -> None:
        namespace = self.namespace or "/"
        connect = self.sio.handlers[namespace]["connect"]

        async def connect_if_allowed(sid: str, environ: dict, auth: dict | None = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if origin and origin not in origins:
                logger.warning("socket.io: refused a connection from origin %r", origin)
                return False
            return await connect(sid, environ, auth)

        self.sio.on("connect", connect_if_allowed, namespace=namespace)
