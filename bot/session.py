"""A reply to "/session_start", without a trip to the action server.

Rasa's own `action_session_start` starts a new session silently, so a person who types
"/session_start" hears nothing back. `install()` makes it say `utter_session_started` when the
session was started by that command, and stay silent when Rasa starts a session by itself (a new
conversation, or one idle for longer than `session_expiration_time`). It stays Rasa's built-in
action: a new conversation never waits for the action server, so an emergency typed as the first
message is answered at once even when the action server is down. bot/channels.py, which Rasa
imports at start-up, calls `install()`.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.actions import action as rasa_actions
from rasa.shared.core.events import Event

RESPONSE = "utter_session_started"
COMMAND = "/session_start"
_INSTALLED_FLAG = "_says_session_started"


def started_by_command(tracker: Any) -> bool:
    """True when the message being handled is the "/session_start" command itself."""
    latest = getattr(tracker, "latest_message", None)
    return bool(latest and (latest.text or "").strip() == COMMAND)


def install() -> None:
    """Wrap Rasa's ActionSessionStart.run once; idempotent."""
    start = rasa_actions.ActionSessionStart.run
    if getattr(start, _INSTALLED_FLAG, False):
        return

    @functools.wraps(start)
    async def run_and_say_so(
        self: rasa_actions.ActionSessionStart,
        output_channel: Any,
        nlg: Any,
        tracker: Any,
        domain: Any,
    ) -> list[Event]:
        events = await start(self, output_channel, nlg, tracker, domain)
        if not started_by_command(tracker):
            return events
        message = await nlg.generate(RESPONSE, tracker, output_channel.name())
        if not message:
            return events
        return [*events[:-1], rasa_actions.create_bot_utterance(message), events[-1]]

    setattr(run_and_say_so, _INSTALLED_FLAG, True)
    rasa_actions.ActionSessionStart.run = run_and_say_so  # type: ignore[method-assign]
