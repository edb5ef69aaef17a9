"""Say something when the assistant cannot answer, instead of saying nothing.

Rasa 3.6 logs an error and sends the user nothing when a custom action fails (the action server
is down, restarting, too slow, or answered with an error). `install()` wraps
`RemoteAction.run` so that such a failure becomes one short reply, `UNAVAILABLE_REPLY`, sent
through whichever channel the message came in on; `answer_even_on_failure` does the same for an
error anywhere else while a message is handled. bot/channels.py (named in credentials.yml, so
Rasa imports it at start-up) calls `install()`.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.actions.action as rasa_actions
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event

logger = logging.getLogger(__name__)

UNAVAILABLE_REPLY = (
    "Sorry, I can't look that up right now – please try again in a minute. "
    "If this is an emergency, call your local emergency number."
)
# Rasa waits 5 minutes for an action by default; a user should hear back well before that
# (and before Sanic's own response timeout of 60 s ends a REST request with a 503).
ACTION_TIMEOUT_ENV = "ACTION_TIMEOUT_SECONDS"
DEFAULT_ACTION_TIMEOUT_SECONDS = 20

_INSTALLED_FLAG = "_answers_when_unavailable"


def action_timeout_seconds() -> int:
    """Seconds Rasa waits for the action server: ACTION_TIMEOUT_SECONDS, default 20."""
    value = int(os.environ.get(ACTION_TIMEOUT_ENV) or DEFAULT_ACTION_TIMEOUT_SECONDS)
    if value <= 0:
        raise ValueError(f"{ACTION_TIMEOUT_ENV} must be positive, not {value}")
    return value


def install() -> None:
    """Make every custom action answer `UNAVAILABLE_REPLY` when it cannot run; idempotent."""
    remote_run = rasa_actions.RemoteAction.run
    if getattr(remote_run, _INSTALLED_FLAG, False):
        return
    rasa_actions.DEFAULT_REQUEST_TIMEOUT = action_timeout_seconds()

    @functools.wraps(remote_run)
    async def run_or_apologise(
        self: rasa_actions.RemoteAction, *args: Any, **kwargs: Any
    ) -> list[Event]:
        try:
            return await remote_run(self, *args, **kwargs)
        except rasa_actions.ActionExecutionRejection:
            raise  # not a failure: the action declined, and Rasa picks another one
        except Exception as error:  # connection refused, timeout, HTTP 5xx, bad response
            logger.error("custom action %r failed (%s); told the user", self.name(), error)
            return [BotUttered(text=UNAVAILABLE_REPLY)]

    setattr(run_or_apologise, _INSTALLED_FLAG, True)
    rasa_actions.RemoteAction.run = run_or_apologise  # type: ignore[method-assign]


def answer_even_on_failure(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[None]]:
    """Wrap an input channel's message handler: an error while handling still gets a reply."""

    @functools.wraps(on_new_message)
    async def handle(message: UserMessage) -> None:
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("error while handling a message from %r", message.sender_id)
            await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE_REPLY)

    return handle
