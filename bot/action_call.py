"""What Rasa sends the action server with a custom action call: what the actions read, no more.

Rasa 3.6 sends the whole tracker, with every event of the conversation, and its whole domain, to
run any custom action, and the action server then embedded the message again although Rasa's NLU
had just done so. `install()` replaces `RemoteAction._action_call_format`, which builds the call:

- **The events are the current turn's** (from the latest user message on) **and, before it,
  each slot's latest event**, in their order. The actions read the latest message, the slots,
  and, to find the subject named last (actions/understanding/context.py), the order in which the
  slots were
  last set; an action that needs more of the conversation must read it from the tracker store.
  Everything else in the tracker (the slots, the latest message, the latest action, the active
  loop ...) is sent as Rasa sends it. On a ten-turn conversation the call is 11 kB instead of
  28, and a question costs 1.1 ms less CPU in Rasa and 0.5 ms in the action server; sending
  each slot's latest event rather than all of them (every answer sets three slots, and an
  answer's `last_answer` is most of a call) takes the call at turn 10 from 16 kB to 7.
  A call for a tracker without a user message carries every event.
- **The domain** goes only to the actions that ask for it in the domain (`send_domain`), because
  bot/endpoints*.yml turn on Rasa's own `enable_selective_domain`; no action here asks.
- **The message's embedding**, which bot/components.py's featurizer keeps here
  (`remember_message_embedding`), is added under actions/knowledge_base/message_embedding.py's key,
  so the
  action server does not compute it again.

bot/speedups.py's `install()` calls `install()`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np
import rasa
from rasa.core.actions import action as rasa_actions
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from actions.knowledge_base import message_embedding

# Rasa's own, kept for comparison (tests/test_recent_history_in_rasa.py).
RASA_ACTION_CALL_FORMAT = rasa_actions.RemoteAction._action_call_format
REMEMBERED_MESSAGES = 256
_message_embeddings: OrderedDict[str, tuple[np.ndarray, str]] = OrderedDict()
_message_embeddings_lock = threading.Lock()


def remember_message_embedding(text: str, vector: np.ndarray, model: str) -> None:
    """Keep the NLU's vector of a message's text (the last REMEMBERED_MESSAGES texts)."""
    with _message_embeddings_lock:
        _message_embeddings[text] = (vector, model)
        _message_embeddings.move_to_end(text)
        while len(_message_embeddings) > REMEMBERED_MESSAGES:
            _message_embeddings.popitem(last=False)


def events_for_actions(events: Iterable[Event]) -> list[Event]:
    """Every event from the latest user message on, and before it each slot's latest event.

    In order: the slots named last are last, as `latest_subject` reads them.
    """
    events = list(events)
    users = [index for index, event in enumerate(events) if isinstance(event, UserUttered)]
    turn = users[-1] if users else 0
    last_set = {e.key: index for index, e in enumerate(events) if isinstance(e, SlotSet)}
    return [
        e
        for index, e in enumerate(events)
        if index >= turn or (isinstance(e, SlotSet) and last_set[e.key] == index)
    ]


def action_call_format(
    self: rasa_actions.RemoteAction, tracker: DialogueStateTracker, domain: Any
) -> dict[str, Any]:
    """The body of the call to run this custom action (Rasa's fields, fewer events)."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in events_for_actions(tracker.events)]
    body = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        body["domain"] = domain.as_dict()
    text = ((tracker.latest_message and tracker.latest_message.parse_data) or {}).get("text")
    with _message_embeddings_lock:
        known = _message_embeddings.get(text) if isinstance(text, str) else None
    if known is not None:
        body[message_embedding.REQUEST_KEY] = message_embedding.encode(text, *known)
    return body


def install() -> None:
    """Make Rasa build custom action calls with `action_call_format`; idempotent."""
    rasa_actions.RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]
