"""Rasa's socket.io channel for the web chat widget, made to work on Python 3.11.

Sanic 21.12 (Rasa 3.6's web server) passes bare coroutines to `asyncio.wait` in its websocket
code, which Python 3.11 forbids ("Passing coroutines is forbidden"): the websocket dies after the
handshake and the widget never connects. Later Sanic releases wrap each awaitable in a task
first; `_wait_wrapping_coroutines` does the same, for Sanic's websocket module only. Importing
this module (credentials.yml names `bot.channels.WebChatInput`) applies it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import sanic.server.websockets.impl as sanic_websockets
from rasa.core.channels.socketio import SocketIOInput

_asyncio_wait = asyncio.wait


async def _wait_wrapping_coroutines(awaitables: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
    return await _asyncio_wait([asyncio.ensure_future(a) for a in awaitables], *args, **kwargs)


sanic_websockets.asyncio = SimpleNamespace(**{**vars(asyncio), "wait": _wait_wrapping_coroutines})


class WebChatInput(SocketIOInput):
    """Rasa's SocketIOInput, unchanged but for the Python 3.11 fix applied on import."""
