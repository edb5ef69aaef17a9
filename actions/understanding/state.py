"""What a conversation is about after its last answer: one typed, frozen state.

The planner (actions/understanding/planner.py) reads it to understand a follow-up; the action
(actions/actions.py) only converts it to and from the named slots below, as rasa-sdk's knowledge
base actions keep theirs (`knowledge_base_last_object`, ...). A restart or `/forget` clears it,
because it lives only in those slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ConversationState:
    """What the last answer was about, and what a follow-up may lean on.

    Attributes:
        last_question: the last answered question as it was searched (a follow-up with its
            thread: "and in children? (causes)").
        thread: the last question that stood on its own; follow-ups belong to it.
        subject: the form, drug, test or condition the thread is about, if it named one.
        referent: what a later "it" stands for when that is not the subject.
        mentions: (value, entity kind) pairs named in the thread, oldest first, so that "that
            mutation" is the gene named last.
        thread_topics: the thread's words its answer used ("anaesthesia"); None for a state written
            before topics were kept (its follow-ups lean on the thread's focus words).
        last_named: the tests, drugs and conditions the last answer opened with ("does it hurt?"
            after "how is SM diagnosed?" can mean the bone marrow biopsy).
        last_heading: the heading of the passage the last answer opened with.
        last_passages: the chunk ids the last answer was made of.
        last_sources: the URLs the last answer cited (a rating is stored with them).
        question_kind: the intent the last question was answered under.
        age_group: who the conversation is about, when a message said it ("children",
            "babies", "pregnancy"); follow-ups that do not say it are read as about them.
    """

    last_question: str = ""
    thread: str = ""
    subject: str | None = None
    referent: str | None = None
    mentions: tuple[tuple[str, str], ...] = ()
    thread_topics: tuple[str, ...] | None = None
    last_named: tuple[str, ...] = ()
    last_heading: str = ""
    last_passages: tuple[str, ...] = ()
    last_sources: tuple[str, ...] = ()
    question_kind: str | None = None
    age_group: str | None = None

    @property
    def answered(self) -> bool:
        """Whether anything has been answered yet in this conversation."""
        return bool(self.thread or self.last_question)

    def to_slots(self) -> dict[str, Any]:
        """The slot values that hold this state (lists, not tuples: slots are JSON)."""
        return {field.name: _to_json(getattr(self, field.name)) for field in fields(self)}

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> ConversationState:
        """The state the slots hold; a conversation with no answer yet gives the empty state."""
        values: dict[str, Any] = {}
        for field in fields(cls):
            value = slots.get(field.name)
            if value is None:
                continue
            if field.name == "mentions":
                value = tuple(tuple(pair) for pair in value if len(pair) == 2)
            elif isinstance(value, list):
                value = tuple(str(item) for item in value)
            values[field.name] = value
        return cls(**values)


# The slots, in bot/domain.yml, that hold the state: one per field, named as the field.
STATE_SLOTS = tuple(field.name for field in fields(ConversationState))


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value
