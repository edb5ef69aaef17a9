"""A conversation's recent turns and the slots they started from: all that a turn needs.

Rasa rebuilds a conversation's tracker from every stored event on each message, and then its
policies, the request to the action server and the saving go over every event again, so a
turn's cost grew with the length of the conversation (turn 200 took 2-4x as long as the first).
What decides a turn here reads only the latest turns and the slots: the RulePolicy's rules span
at most two turns, and the actions read the latest message, the slots and, to find the subject
named last (actions/understanding/context.py), the order of the latest slot events. The
MemoizationPolicy
compares the last five dialogue states, skipping turns that only rules predict, so its five can
reach further back; but here a rule decides every message, and a rule's prediction outranks it.

`recent_history(events, slots, keep_turns)` gives a shorter list of events that leads to the same
place: one SlotSet for each slot that holds a value where the kept part begins, in the order the
slots were last set (the original events, with their times), then the last `keep_turns` user
turns as they happened. Replaying it gives the same slots, latest message, latest action and the
same dialogue states for those turns. It gives None (keep everything) where a cut would not be
exact: a form (active loop) running, a paused conversation or a pending follow-up action at the
cut, or an undo event (/back, a rewind) among the kept turns, which could reach before it.

bot/cached_tracker_store.py keeps conversations in this form; the database keeps every event.
"""

from __future__ import annotations

from collections.abc import Iterable

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    AllSlotsReset,
    Event,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

UNDO_EVENTS = (ActionReverted, UserUtteranceReverted)


def user_turns(events: Iterable[Event]) -> int:
    """How many user messages the events hold."""
    return sum(isinstance(event, UserUttered) for event in events)


def cut_index(events: list[Event], keep_turns: int) -> int | None:
    """Where the last `keep_turns` user turns begin (with the action_listen before the first)."""
    if keep_turns < 1:
        raise ValueError(f"keep_turns must be at least 1, not {keep_turns}")
    starts = [index for index, event in enumerate(events) if isinstance(event, UserUttered)]
    if len(starts) <= keep_turns:
        return None
    cut = starts[-keep_turns]
    before = events[cut - 1]
    if isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN_NAME:
        cut -= 1
    return cut


def slots_as_set(tracker: DialogueStateTracker) -> list[SlotSet]:
    """One SlotSet per slot that holds other than its initial value, in the order last set."""
    last_set: dict[str, SlotSet] = {}
    for event in tracker.applied_events():  # starts after the latest restart or session start
        if isinstance(event, AllSlotsReset):
            last_set.clear()
        elif isinstance(event, SlotSet):
            last_set.pop(event.key, None)  # re-inserted: the dict's order is the order last set
            last_set[event.key] = event
    events = []
    for name, event in last_set.items():
        slot = tracker.slots.get(name)
        if slot is None or slot.value == slot.initial_value:
            continue
        same = event.value == slot.value
        events.append(event if same else SlotSet(name, slot.value, timestamp=event.timestamp))
    return events


def recent_history(
    events: list[Event], slots: Iterable[Slot], keep_turns: int
) -> list[Event] | None:
    """The slots as they stood, then the last `keep_turns` user turns; None if not exact."""
    cut = cut_index(events, keep_turns)
    if cut is None:
        return None
    kept = events[cut:]
    if any(isinstance(event, UNDO_EVENTS) for event in kept):
        return None
    before = DialogueStateTracker.from_events("", events[:cut], slots)
    if before.active_loop_name or before.is_paused() or before.followup_action:
        return None
    return [*slots_as_set(before), *kept]
