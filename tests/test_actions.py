"""The custom action with real Rasa SDK objects: a fake model on test data, then the real thing."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as actions_module
from actions.actions import (
    ActionAnswerQuestion,
    ActionOutOfScope,
    ActionShowTopics,
)
from actions.answering.composition import SOURCES_BREAK, abstain
from actions.feedback import ActionRecordFeedback
from actions.service import QuestionAnswerer
from actions.settings import load_settings
from actions.understanding.planner import expand_entities
from actions.understanding.sanitize import MAX_MESSAGE_CHARS
from actions.understanding.state import STATE_SLOTS, ConversationState
from tests.conftest import real_classifiers


def tracker_for(
    text: str, intent: str = "ask_what_is", entities: list | None = None, slots: dict | None = None
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
    }
    slots = slots or {}
    events = [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]
    events.append({"event": "user", "text": text, "parse_data": message})
    return Tracker("tester", slots, message, events, False, None, {}, "action_listen")


def run_tracker(tracker: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerQuestion().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def run_action(text: str, intent: str = "ask_what_is", entities: list | None = None) -> list[str]:
    messages, events = run_tracker(tracker_for(text, intent, entities))
    assert "pending_question" not in {event["name"] for event in events}  # it was not set
    return [message["text"] for message in messages]


@pytest.fixture
def fake_service(
    monkeypatch, knowledge_dir: Path, tmp_path: Path, fake_embedder
) -> QuestionAnswerer:
    settings = replace(load_settings(), knowledge_dir=knowledge_dir, index_dir=tmp_path / "index")
    service = QuestionAnswerer(settings, embedder=fake_embedder)
    # the classifiers production reads messages with (the real embedding model)
    service.turn_kinds, service.unknowable = real_classifiers()
    monkeypatch.setattr(actions_module, "get_service", lambda: service)
    return service


def test_action_answers_with_the_passage_and_its_source(fake_service) -> None:
    [reply] = run_action("How should I clean a gizmo?", intent="ask_treatment")
    assert "dry cloth" in reply
    assert "[Gizmo Guide](https://example.org/gizmos)" in reply


@pytest.fixture
def answer_spy(fake_service, monkeypatch) -> dict:
    """Records what the action asks the service, then lets the service answer."""
    seen: dict = {}
    original = fake_service.answer

    def spy(plan, intent=None, confidence=0.0):
        seen.update(question=plan.query, intent=intent, terms=list(plan.terms))
        return original(plan, intent, confidence)

    monkeypatch.setattr(fake_service, "answer", spy)
    return seen


def test_action_passes_intent_and_entities_to_retrieval(answer_spy) -> None:
    run_action("widgets?", "ask_types", [{"entity": "form", "value": "copper widget"}])
    assert answer_spy == {"question": "widgets?", "intent": "ask_types", "terms": ["copper widget"]}


@pytest.mark.parametrize("text", ["   ", "(empty message)"])
def test_empty_message_gets_a_clear_reply(answer_spy, text: str) -> None:
    [reply] = run_action(text)
    assert "didn't catch a question" in reply
    assert answer_spy == {}


def test_huge_message_is_truncated_not_fatal(answer_spy) -> None:
    [reply] = run_action("gizmo " * 5000)
    assert len(answer_spy["question"]) == MAX_MESSAGE_CHARS
    assert reply


@pytest.fixture(scope="module")
def real_service() -> QuestionAnswerer:
    service = QuestionAnswerer(load_settings())
    service.warm_up()
    return service


@pytest.mark.model
def test_real_model_names_kit_for_causes(real_service, monkeypatch) -> None:
    monkeypatch.setattr(actions_module, "get_service", lambda: real_service)
    [reply] = run_action("What causes mastocytosis?", intent="ask_causes")
    assert "KIT" in reply
    assert "](https://" in reply.split(SOURCES_BREAK)[-1]


@pytest.mark.model
def test_real_model_abstains_off_topic(real_service, monkeypatch) -> None:
    monkeypatch.setattr(actions_module, "get_service", lambda: real_service)
    [reply] = run_action("What is the capital of Peru?", intent="ask_what_is")
    assert reply.startswith("I don't know that")


def test_low_confidence_question_uses_the_best_real_intent(answer_spy) -> None:
    tracker = tracker_for("gizmo?", intent="nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "ask_treatment", "confidence": 0.35},
    ]
    asyncio.run(ActionAnswerQuestion().run(CollectingDispatcher(), tracker, {}))
    assert answer_spy["intent"] == "ask_treatment"


def test_follow_up_is_searched_with_the_remembered_form(answer_spy) -> None:
    tracker = tracker_for("how is it treated?", "ask_treatment", slots={"form": "copper widget"})
    asyncio.run(ActionAnswerQuestion().run(CollectingDispatcher(), tracker, {}))
    assert answer_spy["question"] == "how is copper widget treated?"


def test_a_question_naming_its_own_form_ignores_the_remembered_one(answer_spy) -> None:
    entities = [{"entity": "form", "value": "gizmo"}]
    tracker = tracker_for("how is a gizmo treated?", "ask_treatment", entities, {"form": "widget"})
    asyncio.run(ActionAnswerQuestion().run(CollectingDispatcher(), tracker, {}))
    assert answer_spy["question"] == "how is a gizmo treated?"
    assert answer_spy["terms"] == ["gizmo"]


def test_confident_question_intent_lowers_the_abstain_threshold(fake_service) -> None:
    settings = fake_service.settings
    assert fake_service.abstain_threshold("ask_treatment", 0.95) == settings.abstain_below_confident
    assert fake_service.abstain_threshold("ask_treatment", 0.5) == settings.abstain_below
    assert fake_service.abstain_threshold("greet", 0.99) == settings.abstain_below


UNSURE_RANKING = [
    {"name": "nlu_fallback", "confidence": 0.4},
    {"name": "greet", "confidence": 0.3},
    {"name": "ask_treatment", "confidence": 0.2},
    {"name": "ask_symptoms", "confidence": 0.1},
]


def unsure_tracker(text: str, pending: str | None = None) -> Tracker:
    tracker = tracker_for(text, "nlu_fallback", slots={"pending_question": pending})
    tracker.latest_message["intent_ranking"] = UNSURE_RANKING
    return tracker


def test_unsure_and_unanswerable_asks_did_you_mean_then_offers_topics(fake_service) -> None:
    [prompt], events = run_tracker(unsure_tracker("zzz qqq"))
    assert prompt["text"].startswith("I'm not sure I understood")
    assert [b["payload"] for b in prompt["buttons"]] == ["/ask_treatment", "/ask_symptoms", "/deny"]
    assert events == [SlotSet("pending_question", "zzz qqq")]

    [menu], events = run_tracker(unsure_tracker("still zzz", pending="zzz qqq"))
    assert menu["text"].startswith("I still couldn't find")
    assert len(menu["buttons"]) == 16
    assert events == [SlotSet("pending_question", None)]


def test_unsure_but_answerable_just_answers(fake_service) -> None:
    [answer], events = run_tracker(unsure_tracker("how should I clean a gizmo"))
    assert "dry cloth" in answer["text"]
    assert "pending_question" not in {event["name"] for event in events}  # it was not set
    [answer], events = run_tracker(unsure_tracker("how should I clean a gizmo", "gizmo?"))
    assert "dry cloth" in answer["text"]
    assert events[0] == SlotSet("pending_question", None)


def test_only_slots_that_change_are_set(fake_service) -> None:
    question = "How should I clean a gizmo?"
    _, events = run_tracker(tracker_for(question, "ask_treatment"))
    names = [event["name"] for event in events]
    assert names[0] == "topic" and names[-1] == "last_question"  # the record of an answer, last
    assert set(names) <= {"topic", *STATE_SLOTS}
    slots = {event["name"]: event["value"] for event in events}
    again = tracker_for(question, "ask_treatment", slots={**slots})
    _, events = run_tracker(again)
    names = [event["name"] for event in events]
    assert "topic" not in names and "question_kind" not in names  # unchanged: not set again
    assert names[-1] == "last_question"  # set on every answer
    _, events = run_tracker(
        tracker_for(question, "ask_treatment", slots={"topic": "triggers", "pending_question": "x"})
    )
    assert events[:2] == [SlotSet("pending_question", None), SlotSet("topic", "treatment")]


def test_pressed_button_answers_the_pending_question(answer_spy) -> None:
    tracker = tracker_for(
        "/ask_treatment", "ask_treatment", slots={"pending_question": "gizmo care?"}
    )
    run_tracker(tracker)
    assert answer_spy["question"] == "gizmo care?" and answer_spy["intent"] == "ask_treatment"
    run_tracker(tracker_for("/ask_treatment", "ask_treatment"))
    assert answer_spy["question"] == "How mastocytosis is treated"


def test_topics_are_offered_as_buttons() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShowTopics().run(dispatcher, tracker_for("help", "ask_capabilities"), {}))
    [message] = dispatcher.messages
    assert message["response"] == "utter_capabilities"
    assert {"title": "How mastocytosis is treated", "payload": "/ask_treatment"} in message[
        "buttons"
    ]


def test_an_answer_offers_rating_buttons_and_remembers_what_it_said(fake_service) -> None:
    [answer], events = run_tracker(tracker_for("How should I clean a gizmo?", "ask_treatment"))
    assert [b["payload"] for b in answer["buttons"]] == ["/feedback_positive", "/feedback_negative"]
    slots = {event["name"]: event["value"] for event in events}
    assert slots["topic"] == "treatment"
    assert slots["last_question"] == "How should I clean a gizmo?"
    assert slots["last_passages"][0].startswith("beta#cleaning-a-gizmo")
    assert slots["last_sources"][0] == "https://example.org/gizmos"
    assert slots["question_kind"] == "ask_treatment" and slots["thread"] == slots["last_question"]


def test_an_abstention_has_no_rating_buttons_and_keeps_the_last_answer(fake_service) -> None:
    [reply], events = run_tracker(tracker_for("zzz qqq", "ask_treatment"))
    assert reply["text"].startswith("I don't know that") and not reply.get("buttons")
    assert [event["name"] for event in events] == ["unanswered"]  # nothing else changes
    [unanswered] = [event["value"] for event in events if event["name"] == "unanswered"]
    assert unanswered["outcome"] == "abstained" and unanswered["question"] == "zzz qqq"
    assert unanswered["nearest"] and unanswered["nearest"][0].split("#")[0] in {"alpha", "beta"}
    assert not {event["name"] for event in events} & set(STATE_SLOTS)


def test_what_about_asks_the_last_question_again_and_keeps_it(answer_spy) -> None:
    last = state_slots("how is a widget treated?", last_passages=("a#b",))
    tracker = tracker_for("what about in sheds?", "ask_living_with", slots=last)
    _, events = run_tracker(tracker)
    # the standalone question: the last one asked again about sheds
    assert answer_spy["question"] == "how is a widget treated in sheds?"
    remembered = {e["name"]: e["value"] for e in events}
    assert remembered["thread"] == "how is a widget treated?"  # the next follow-up leans on it
    assert remembered["last_question"] == "how is a widget treated in sheds?"  # what was searched


def test_a_pronoun_follow_up_uses_the_subject_named_last(answer_spy) -> None:
    slots = {"form": "indolent systemic mastocytosis", "gene": "KIT D816V"}
    run_tracker(tracker_for("is that mutation inherited?", "ask_genetics", slots=slots))
    assert answer_spy["question"] == "is KIT D816V inherited?"


def state_slots(question: str, **fields) -> dict:
    """The slots of a conversation whose last answer answered `question`."""
    return ConversationState(last_question=question, **fields).to_slots()


LAST_ANSWER = state_slots(
    "how is a gizmo cleaned?",
    last_passages=("beta#cleaning-a-gizmo",),
    last_sources=("https://example.org/gizmos",),
)


def rate(text: str, intent: str, last: dict | None = LAST_ANSWER) -> tuple[list[dict], list]:
    tracker = tracker_for(text, intent, slots={**(last or {}), "topic": "treatment"})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRecordFeedback().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_a_rating_is_stored_with_the_question_and_sources() -> None:
    [reply], [event] = rate("/feedback_positive", "feedback_positive")
    assert reply["text"].startswith("Thank you for the feedback")
    assert event == SlotSet(
        "feedback",
        {
            "rating": "helpful",
            "question": "how is a gizmo cleaned?",
            "topic": "treatment",
            "chunks": ["beta#cleaning-a-gizmo"],
            "sources": ["https://example.org/gizmos"],
            "comment": "",
        },
    )


def test_a_typed_complaint_is_kept_and_answered_with_topics() -> None:
    [reply], [event] = rate("that was wrong, it's about kids", "feedback_negative")
    assert "sorry" in reply["text"] and len(reply["buttons"]) == 16
    assert event["value"]["rating"] == "not helpful"
    assert event["value"]["comment"] == "that was wrong, it's about kids"


def test_nothing_to_rate_before_any_answer() -> None:
    [reply], events = rate("that was helpful", "feedback_positive", last=None)
    assert "Ask me a question" in reply["text"] and events == []


def test_entities_are_spelt_out_before_retrieval() -> None:
    ism = {"start": 8, "end": 11, "value": "indolent systemic mastocytosis"}
    kids = {"start": 15, "end": 19, "value": "children"}
    assert expand_entities("what is ISM in kids?", [ism, kids]) == (
        "what is indolent systemic mastocytosis in children?"
    )
    same = {"start": 8, "end": 16, "value": "tryptase"}
    assert expand_entities("what is Tryptase", [same]) == "what is Tryptase"
    assert expand_entities("what is ISM", [{"value": "x"}]) == "what is ISM"


def test_a_cut_message_is_answered_with_a_note_that_it_was_cut(fake_service) -> None:
    tracker = tracker_for("How should I clean a gizmo?", "ask_treatment")
    tracker.latest_message["truncated"] = True
    note, answer = run_tracker(tracker)[0]
    assert note["text"].startswith("Your message was long, so I read only its first 1,000")
    assert "dry cloth" in answer["text"]


def out_of_scope(text: str, last: dict | None) -> tuple[list[dict], list]:
    tracker = tracker_for(text, "out_of_scope", slots=last or {})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionOutOfScope().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


@pytest.mark.parametrize("text", ["and what about the hinge?", "should we oil her hinge?"])
def test_an_out_of_scope_follow_up_of_an_answer_is_answered(fake_service, text: str) -> None:
    messages, events = out_of_scope(text, LAST_ANSWER)
    assert "Oil the hinge" in messages[0]["text"]
    assert any(e["name"] == "last_question" for e in events)


def test_an_out_of_scope_follow_up_asking_the_unknowable_names_the_gap(fake_service) -> None:
    messages, events = out_of_scope("is there one in leeds?", LAST_ANSWER)
    assert messages[0]["text"].startswith("I can't know local services")
    record = next(e["value"] for e in events if e["name"] == "unanswered")
    assert record["missing"] == "local"


def test_an_unknowable_question_about_care_after_an_answer_names_the_gap(fake_service) -> None:
    messages, _ = out_of_scope("how long is the wait to see the specialist in leeds", LAST_ANSWER)
    assert messages[0]["text"].startswith("I can't know local services")


def test_an_out_of_scope_follow_up_the_knowledge_lacks_is_admitted(fake_service, monkeypatch):
    # It continues the conversation ("her"), so it is ours: the gap is said, not "another subject".
    monkeypatch.setattr(
        fake_service, "answer", lambda plan, intent=None, confidence=0.0: abstain([])
    )
    messages, events = out_of_scope("how long should her gizmo rest afterwards?", LAST_ANSWER)
    assert messages[0]["text"].startswith("I don't know that")
    assert any(e["name"] == "unanswered" for e in events)


def test_a_named_doctor_after_an_answer_is_said_to_be_unknowable(fake_service) -> None:
    messages, events = out_of_scope("is dr patel at addenbrookes any good", LAST_ANSWER)
    assert messages[0]["text"].startswith("I can't know anything about a named doctor")
    record = next(e["value"] for e in events if e["name"] == "unanswered")
    assert record["missing"] == "named"


@pytest.mark.parametrize(
    ("text", "last"),
    [
        ("and what about the hinge?", None),  # nothing to follow up
        ("can you recommend a good pizza place near me", LAST_ANSWER),  # local, not ours
        ("what about the football?", LAST_ANSWER),  # no word the knowledge base knows
        ("what about diabetes?", LAST_ANSWER),  # another disease
        ("who won the cup in 1998", LAST_ANSWER),  # not a follow-up
    ],
)
def test_other_out_of_scope_messages_get_the_statement_of_scope(fake_service, text, last) -> None:
    messages, events = out_of_scope(text, last)
    assert [m.get("response") for m in messages] == ["utter_out_of_scope"]
    assert events == []


def test_what_people_ask_is_logged_only_at_debug(fake_service, caplog) -> None:
    question = "How should I clean a gizmo with my private worry?"
    with caplog.at_level(logging.INFO, logger="actions"):
        run_action(question, intent="ask_treatment")
    assert "private worry" not in caplog.text
    assert "ask_treatment" in caplog.text and "beta#cleaning-a-gizmo" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="actions"):
        run_action(question, intent="ask_treatment")
    assert "private worry" in caplog.text


def show_topics(text: str, last: dict | None) -> list:
    tracker = tracker_for(text, "ask_capabilities", slots=last or {})
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShowTopics().run(dispatcher, tracker, {}))
    return dispatcher.messages


@pytest.mark.parametrize(
    "text", ["give me some examples of cleaning it", "what would the next step of cleaning be"]
)
def test_a_request_for_more_of_the_last_answer_is_answered_not_the_menu(fake_service, text) -> None:
    [message] = show_topics(text, LAST_ANSWER)
    assert "dry cloth" in message["text"]


@pytest.mark.parametrize(
    ("text", "last"),
    [
        ("give me some examples of cleaning it", None),
        ("what can you do", LAST_ANSWER),
        ("which topics do you know about", LAST_ANSWER),  # the assistant, not the last answer
    ],
)
def test_help_without_an_answer_to_follow_up_is_the_menu(fake_service, text, last) -> None:
    [message] = show_topics(text, last)
    assert message["response"] == "utter_capabilities"


def test_general_information_after_a_dose_request_is_said_to_be_general(
    fake_service, monkeypatch
) -> None:
    # "I can't recommend doses ..." comes first (bot/domain.yml); the answer says it is general
    [reply] = run_action("How much gizmo oil should I use?", intent="ask_personal_advice")
    assert reply.startswith("Here is the general information I can give: ")
    # ... and an admission that nothing is known is not introduced as information
    monkeypatch.setattr(fake_service, "answer", lambda *args, **kwargs: abstain([]))
    [reply] = run_action("How much gizmo oil should I use?", intent="ask_personal_advice")
    assert reply.startswith("I don't know that")


def test_thanks_then_a_question_gets_both_and_thanks_alone_a_welcome(fake_service) -> None:
    [thanks, answer] = run_action("great, thanks. How should I clean a gizmo?", "ask_treatment")
    assert thanks == "You're welcome." and "dry cloth" in answer
    messages, events = run_tracker(
        tracker_for("brilliant, that's exactly what I needed, I'll show this to my husband tonight")
    )
    assert [m.get("response") for m in messages] == ["utter_you_are_welcome"] and events == []


def test_the_thanks_intent_answers_a_question_after_the_thanks(fake_service) -> None:
    from actions.actions import ActionThanks

    dispatcher = CollectingDispatcher()
    tracker = tracker_for("thank you so much! how should I clean a gizmo?", "thanks")
    asyncio.run(ActionThanks().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"] == "You're welcome." and len(dispatcher.messages) == 2
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionThanks().run(dispatcher, tracker_for("thanks!", "thanks"), {}))
    assert [m.get("response") for m in dispatcher.messages] == ["utter_you_are_welcome"]
