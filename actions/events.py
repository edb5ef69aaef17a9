"""What the actions write to the tracker: slot names, slot events, and which events answer.

`actions/actions.py` reads the tracker and dispatches; these helpers turn an answer into the
events that remember it, and tell which of an action's events said something.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.answering.composition import Answer
from actions.understanding.state import ConversationState

SLOT_PENDING_QUESTION = "pending_question"
SLOT_TOPIC = "topic"
# The conversation state (actions/understanding/state.py) lives in one slot per field; this one
# is set on every answer, so that its event marks one.
SLOT_LAST_QUESTION = "last_question"
SLOT_FEEDBACK = "feedback"
SLOT_UNANSWERED = "unanswered"


def slot_changes(tracker: Tracker, values: dict[str, Any]) -> list[dict[str, Any]]:
    """SlotSet events for the slots that `values` change; a slot keeping its value gets none.

    Rasa checks, applies, stores and, at every later prediction, replays each event; the
    records (`last_question`, `unanswered`, `feedback`) are always set, since each is a new one.
    """
    return [
        SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value
    ]


def conversation_state(tracker: Tracker) -> ConversationState:
    """What the conversation is about, from the slots that hold it."""
    return ConversationState.from_slots(tracker.current_slot_values())


def state_events(tracker: Tracker, state: ConversationState) -> list[dict[str, Any]]:
    """The slot events that store `state`: its changed slots, and always `last_question`."""
    values = state.to_slots()
    question = values.pop(SLOT_LAST_QUESTION)
    return [*slot_changes(tracker, values), SlotSet(SLOT_LAST_QUESTION, question)]


def answers(event: dict[str, Any]) -> bool:
    """An answer (the event that remembers it for follow-ups)."""
    return event.get("name") == SLOT_LAST_QUESTION


def said_anything(event: dict[str, Any]) -> bool:
    """An answer, a gap or an abstention: any reply the question got."""
    return answers(event) or event.get("name") == SLOT_UNANSWERED


def names_a_gap_or_answers(event: dict[str, Any]) -> bool:
    """An answer, or a statement of what exactly the knowledge base lacks."""
    if answers(event):
        return True
    return event.get("name") == SLOT_UNANSWERED and bool((event.get("value") or {}).get("missing"))


def unanswered_record(question: str, answer: Answer) -> dict[str, Any]:
    """What `make gaps` needs to know of a question the assistant could not answer."""
    nearest = answer.nearest or answer.chunk_ids
    return {
        "outcome": answer.outcome,
        "question": question,
        "missing": answer.missing,
        "nearest": nearest,
    }


def answer_topic(chunk_ids: list[str]) -> str | None:
    """The knowledge file an answer came from, as a fallback topic name."""
    return chunk_ids[0].split("#", 1)[0] if chunk_ids else None
