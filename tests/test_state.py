"""actions/understanding/state.py: the conversation state, to and from its named slots."""

import yaml

from actions.settings import PROJECT_ROOT
from actions.understanding.planner import plan_query
from actions.understanding.state import STATE_SLOTS, ConversationState
from actions.understanding.thread import remember
from actions.understanding.turn_kind import FOLLOW_UP


def test_the_state_goes_to_its_slots_and_back_unchanged() -> None:
    state = ConversationState(
        last_question="does bone marrow biopsy hurt? (done)",
        thread="how is a bone marrow biopsy done?",
        subject="bone marrow biopsy",
        mentions=(("bone marrow biopsy", "test"),),
        thread_topics=("done",),
        last_named=("local anaesthetic",),
        last_passages=("diagnosis#bone-marrow-biopsy",),
        question_kind="ask_diagnosis",
    )
    slots = state.to_slots()
    assert set(slots) == set(STATE_SLOTS)
    assert slots["mentions"] == [["bone marrow biopsy", "test"]]  # JSON, as Rasa stores it
    assert ConversationState.from_slots(slots) == state


def test_every_field_has_its_slot_in_the_domain() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "bot" / "domain.yml").read_text())
    assert set(STATE_SLOTS) <= set(domain["slots"])
    assert "last_answer" not in domain["slots"]  # the untyped dict it replaced


def test_no_slots_is_a_conversation_with_nothing_answered() -> None:
    empty = ConversationState.from_slots({"form": "indolent systemic mastocytosis"})
    assert empty == ConversationState() and not empty.answered
    # the planner reads it as the start of a conversation
    assert plan_query("side effects?", [], empty) == plan_query("side effects?", [], None)


def test_an_answer_becomes_the_state_the_next_follow_up_reads() -> None:
    first = plan_query("how is a bone marrow biopsy done?", [])
    state = remember(first, "A bone marrow biopsy is done under local anaesthetic.")
    assert state.answered and state.thread == first.question
    restored = ConversationState.from_slots(state.to_slots())
    follow = plan_query("does it hurt?", [], restored, kind=FOLLOW_UP)
    assert follow.follow_up and "bone marrow biopsy" in follow.query
