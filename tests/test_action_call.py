"""bot/action_call.py: an action call carries what the actions read, as Rasa would send it."""

from __future__ import annotations

import random

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from actions.understanding.context import latest_subject
from bot.action_call import action_call_format, events_for_actions
from tests.test_recent_history import DOMAIN, conversation, question

SUBJECTS = {
    "form": ["indolent systemic mastocytosis", None],
    "gene": ["KIT"],
    "drug": ["avapritinib"],
}


def tracker_of(events: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("alice", events, DOMAIN.slots)


@pytest.fixture
def action() -> RemoteAction:
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    return RemoteAction("action_answer_question", endpoint)


def test_the_call_is_rasas_with_only_the_latest_slot_events_and_the_current_turn(action) -> None:
    tracker = tracker_of([*conversation(4), *question(4)[:2]])  # turn 4 under way
    body = action_call_format(action, tracker, DOMAIN)
    full = tracker.current_state(EventVerbosity.ALL)
    sent = body["tracker"]
    assert {k: v for k, v in sent.items() if k != "events"} == {
        k: v for k, v in full.items() if k != "events"
    }
    assert body["next_action"] == "action_answer_question" and "domain" not in body
    kinds = [event["event"] for event in sent["events"]]
    turn = kinds.index("user")
    assert set(kinds[:turn]) == {"slot"} and kinds.count("user") == 1
    assert sent["events"][turn:] == full["events"][-len(sent["events"]) + turn :]
    before = full["events"][: len(full["events"]) - len(sent["events"]) + turn]
    latest = {e["name"]: e for e in before if e["event"] == "slot"}
    assert sent["events"][:turn] == [e for e in before if latest.get(e.get("name")) is e]
    assert len(latest) < len([e for e in before if e["event"] == "slot"])  # some left out


def test_a_slot_set_again_in_this_turn_is_sent_only_from_this_turn() -> None:
    events = [
        UserUttered("first", {"name": "ask_treatment"}),
        SlotSet("form", "cutaneous mastocytosis"),
        SlotSet("topic", "treatment"),
        SlotSet("form", "indolent systemic mastocytosis"),
        ActionExecuted("action_listen"),
        UserUttered("second", {"name": "ask_treatment"}),
        SlotSet("form", "smouldering systemic mastocytosis"),
    ]
    assert events_for_actions(events) == [events[2], *events[5:]]


def test_without_a_user_message_every_event_is_sent(action) -> None:
    tracker = tracker_of([ActionExecuted("action_listen"), BotUttered("hi")])
    assert len(action_call_format(action, tracker, DOMAIN)["tracker"]["events"]) == 2


@pytest.mark.parametrize("seed", range(20))
def test_the_subject_named_last_is_the_same(seed: int) -> None:
    generator = random.Random(seed)
    events = list(conversation(0))
    for number in range(generator.randint(1, 12)):
        events += [UserUttered(f"question {number}", {"name": "ask_treatment"})]
        for _ in range(generator.randint(0, 2)):
            name = generator.choice(sorted(SUBJECTS))
            events.append(SlotSet(name, generator.choice(SUBJECTS[name])))
        events += [ActionExecuted("action_answer_question"), BotUttered("answer")]
        events += [SlotSet("topic", f"topic {number}"), ActionExecuted("action_listen")]
    tracker = tracker_of(events)
    full = tracker.current_state(EventVerbosity.ALL)
    sent = [event.as_dict() for event in events_for_actions(tracker.events)]
    assert latest_subject(sent, full["slots"]) == latest_subject(full["events"], full["slots"])
