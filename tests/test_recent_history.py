"""bot/recent_history.py: the recent turns and the slots they started from replay like the whole."""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from actions.settings import PROJECT_ROOT
from actions.understanding.context import latest_subject
from bot.recent_history import cut_index, recent_history, user_turns

DOMAIN = Domain.load(str(PROJECT_ROOT / "bot" / "domain.yml"))
SUBJECTS = [("form", "indolent systemic mastocytosis"), ("drug", "midostaurin"), ("gene", "KIT")]


def question(number: int) -> list[Event]:
    """A question turn as Rasa stores it; every third names a subject, which sets its slot."""
    entities, slots = [], []
    if number % 3 == 0:
        name, value = SUBJECTS[number // 3 % len(SUBJECTS)]
        entities = [{"entity": name, "value": value, "start": 0, "end": 3}]
        slots = [SlotSet(name, value)]
    intent = {"name": "ask_treatment" if number % 2 else "ask_causes", "confidence": 0.9}
    return [
        UserUttered(f"question {number}", intent, entities),
        *slots,
        ActionExecuted("action_answer_question"),
        BotUttered(f"answer {number}"),
        SlotSet("pending_question", None),
        SlotSet("topic", f"topic {number}"),
        SlotSet("last_question", f"question {number}"),
        ActionExecuted("action_listen"),
    ]


def conversation(turns: int) -> list[Event]:
    start = [ActionExecuted("action_session_start"), SessionStarted()]
    return [*start, ActionExecuted("action_listen")] + [
        event for number in range(turns) for event in question(number)
    ]


def replayed(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("alice", events, DOMAIN.slots)


def action_server_view(tracker: DialogueStateTracker) -> tuple[object, ...]:
    """What the actions read of a tracker (actions/actions.py, actions/understanding/context.py)."""
    state = tracker.current_state(EventVerbosity.ALL)
    subject = latest_subject(state["events"], state["slots"])
    return state["slots"], state["latest_message"], subject


@pytest.mark.parametrize("turns", [7, 12, 40])
def test_the_recent_history_replays_to_the_same_place(turns: int) -> None:
    events = conversation(turns)
    history = recent_history(events, DOMAIN.slots, keep_turns=5)
    assert history is not None and user_turns(history) == 5
    whole, recent = replayed(events), replayed(history)
    assert action_server_view(recent) == action_server_view(whole)
    assert recent.latest_action == whole.latest_action
    assert recent.latest_bot_utterance == whole.latest_bot_utterance
    # Every dialogue state of the kept turns, after the first, as the policies see it.
    states = recent.past_states(DOMAIN)[1:]
    assert len(states) >= 10 and whole.past_states(DOMAIN)[-len(states) :] == states


def slots_set_before(history: list[Event]) -> list[str]:
    """The slots the history starts by setting, in order."""
    first_action = next(i for i, e in enumerate(history) if isinstance(e, ActionExecuted))
    return [event.key for event in history[:first_action]]


def test_the_slots_are_set_in_the_order_they_were_last_set() -> None:
    # Turn 0 names the form, turn 3 the drug (both still set at the cut), turn 6 the gene.
    events = conversation(7)
    history = recent_history(events, DOMAIN.slots, keep_turns=1)
    assert history is not None
    # pending_question is None, its initial value: not set at all.
    assert slots_set_before(history) == ["form", "drug", "topic", "last_question"]
    assert action_server_view(replayed(history)) == action_server_view(replayed(events))
    assert action_server_view(replayed(history))[2] == "KIT"


def test_slots_reset_before_the_cut_are_left_out() -> None:
    events = [*conversation(4), AllSlotsReset(), *question(4), *question(5)]
    history = recent_history(events, DOMAIN.slots, keep_turns=1)
    assert history is not None
    assert slots_set_before(history) == ["topic", "last_question"]
    assert replayed(history).slots["form"].value is None


def test_short_conversations_are_kept_whole() -> None:
    assert recent_history(conversation(5), DOMAIN.slots, keep_turns=5) is None
    assert cut_index(conversation(6), keep_turns=5) == 2 + 8  # the action_listen of turn 1


def test_an_undo_among_the_kept_turns_keeps_everything() -> None:
    back = [UserUttered("/back", {"name": "back"}), UserUtteranceReverted()]
    events = [*conversation(8), *back, ActionExecuted("action_listen")]
    assert recent_history(events, DOMAIN.slots, keep_turns=3) is None


def test_a_running_form_at_the_cut_keeps_everything() -> None:
    events = [*conversation(3), ActiveLoop("some_form"), *question(3), *question(4)]
    assert recent_history(events, DOMAIN.slots, keep_turns=2) is None


def test_keep_turns_must_be_positive() -> None:
    with pytest.raises(ValueError):
        cut_index(conversation(3), keep_turns=0)
