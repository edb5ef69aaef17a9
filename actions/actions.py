"""Rasa custom actions: thin adapters between the tracker and the question-answering service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering.answerability import PARTIAL
from actions.clarify import (
    DID_YOU_MEAN,
    QUESTION_LABELS,
    TOPIC_MENU,
    did_you_mean_buttons,
    topic_menu_buttons,
)
from actions.events import (
    SLOT_PENDING_QUESTION,
    SLOT_TOPIC,
    SLOT_UNANSWERED,
    answer_topic,
    answers,
    conversation_state,
    names_a_gap_or_answers,
    said_anything,
    slot_changes,
    state_events,
    unanswered_record,
)
from actions.retrieval.hybrid import INTENT_TOPICS
from actions.service import get_service
from actions.understanding.context import latest_subject
from actions.understanding.intents import (
    FALLBACK_INTENT,
    PERSONAL_ADVICE_INTENT,
    retrieval_intent,
)
from actions.understanding.planner import plan_query
from actions.understanding.sanitize import (
    MAX_MESSAGE_CHARS,
    TRUNCATED_KEY,
    clean_text,
    is_empty_message,
)
from actions.understanding.scope import (
    FOLLOW_UP,
    OTHER,
    decide_scope,
    domain_entity_types,
    is_about_care,
)
from actions.understanding.thread import after_answer
from actions.understanding.turn_kind import (
    ABOUT_ASSISTANT,
    split_acknowledgement,
)

logger = logging.getLogger(__name__)

FEEDBACK_BUTTONS = [
    {"title": "👍 Helpful", "payload": "/feedback_positive"},
    {"title": "👎 Not helpful", "payload": "/feedback_negative"},
]
TRUNCATED_NOTE = (
    f"Your message was long, so I read only its first {MAX_MESSAGE_CHARS:,} characters. "
    "Short questions get the best answers."
)
# After "I can't recommend doses ...": what follows is general, not advice for this person.
GENERAL_ONLY = "Here is the general information I can give: "
YOU_ARE_WELCOME = "You're welcome."
EMPTY_QUESTION_REPLY = (
    "I didn't catch a question there. What would you like to know about mastocytosis?"
)


class ActionAnswerQuestion(Action):
    """Answers a question intent from the knowledge base, naming the sources it used."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message
        intent, confidence = retrieval_intent(message)
        question = question_text(tracker, intent)
        if message.get(TRUNCATED_KEY):
            dispatcher.utter_message(text=TRUNCATED_NOTE)
        if not question:
            dispatcher.utter_message(text=EMPTY_QUESTION_REPLY)
            return []
        typed = question == message.get("text")  # not a pressed button's pending question
        entities = (message.get("entities") or []) if typed else []
        service = get_service()
        kind = await asyncio.to_thread(service.turn_kind, question)
        if typed:
            thanks = await asyncio.to_thread(
                split_acknowledgement, question, service.turn_kinds, kind
            )
            if thanks and not service.reads_as_words(question):
                thanks = None  # "zzz qqq" is no thanks, whatever the classifier makes of it
            if thanks and not thanks[1]:  # thanks inside a longer message, and no question
                dispatcher.utter_message(response="utter_you_are_welcome")
                return []
            if thanks:  # thanks, then a question: both are answered
                dispatcher.utter_message(text=YOU_ARE_WELCOME)
                question, entities = after_thanks(question, entities, thanks[1])
                kind = await asyncio.to_thread(service.turn_kind, question)
        state = conversation_state(tracker)
        plan = plan_query(
            question,
            entities,
            state,
            latest_subject(tracker.events, tracker.current_slot_values()),
            spell_out=typed,
            kind=kind.name,
        )
        answer = await asyncio.to_thread(service.answer, plan, intent, confidence)
        logger.info(
            "intent %s, turn %s (%.2f): %s from %s",
            intent,
            kind.name,
            kind.confidence,
            answer.outcome,
            answer.chunk_ids,
        )
        logger.debug("standalone question %r", answer.query)
        unsure = (message.get("intent") or {}).get("name") == FALLBACK_INTENT
        if answer.abstained and unsure and not answer.missing:
            return clarify(dispatcher, tracker, question)
        if answer.abstained:
            dispatcher.utter_message(text=answer.text)
            return [
                *slot_changes(tracker, {SLOT_PENDING_QUESTION: None}),
                SlotSet(SLOT_UNANSWERED, unanswered_record(plan.question, answer)),
            ]
        personal = (message.get("intent") or {}).get("name") == PERSONAL_ADVICE_INTENT
        text = GENERAL_ONLY + answer.text if personal else answer.text
        dispatcher.utter_message(text=text, buttons=FEEDBACK_BUTTONS)
        topic = INTENT_TOPICS.get(intent or "") or answer_topic(answer.chunk_ids)
        events = [
            *slot_changes(tracker, {SLOT_PENDING_QUESTION: None, SLOT_TOPIC: topic}),
            *state_events(tracker, after_answer(plan, answer, intent)),
        ]
        if answer.outcome == PARTIAL:
            events.append(SlotSet(SLOT_UNANSWERED, unanswered_record(plan.question, answer)))
        return events

    async def answer_as_follow_up(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        keep: Callable[[dict[str, Any]], bool],
    ) -> list[dict[str, Any]] | None:
        """Answer the message as a question, and say it only if an event passes `keep`.

        For actions whose intent is not a question ("give me some examples", "what about
        food?") but whose message may follow up the last answer; None if nothing was said.
        """
        answered = CollectingDispatcher()
        events = await ActionAnswerQuestion.run(self, answered, tracker, domain)
        if not any(keep(event) for event in events):
            return None
        dispatcher.messages.extend(answered.messages)
        return events


def after_thanks(
    text: str, entities: list[dict[str, Any]], question: str
) -> tuple[str, list[dict[str, Any]]]:
    """The question that follows thanks in `text`, and its entities with offsets into it."""
    start = text.rfind(question)
    kept = [
        {**e, "start": e["start"] - start, "end": e["end"] - start}
        for e in entities
        if isinstance(e.get("start"), int) and isinstance(e.get("end"), int) and e["start"] >= start
    ]
    return question, kept


def question_text(tracker: Tracker, intent: str | None) -> str:
    """The question to answer: the message, or for a pressed button the question it clarifies."""
    text = clean_text(tracker.latest_message.get("text") or "")
    if is_empty_message(text):
        return ""
    if text.startswith("/"):
        pending = tracker.get_slot(SLOT_PENDING_QUESTION)
        return pending or QUESTION_LABELS.get(intent or "", "")
    return text


def clarify(
    dispatcher: CollectingDispatcher, tracker: Tracker, question: str
) -> list[dict[str, Any]]:
    """First miss: "Did you mean ...?" with buttons. Second miss in a row: the topic menu."""
    if tracker.get_slot(SLOT_PENDING_QUESTION):
        dispatcher.utter_message(text=TOPIC_MENU, buttons=topic_menu_buttons())
        return [SlotSet(SLOT_PENDING_QUESTION, None)]
    ranking = tracker.latest_message.get("intent_ranking") or []
    dispatcher.utter_message(text=DID_YOU_MEAN, buttons=did_you_mean_buttons(ranking))
    return [SlotSet(SLOT_PENDING_QUESTION, question)]


class ActionThanks(ActionAnswerQuestion):
    """Thanks, and a question if the message goes on to ask one ("great, thanks. and friction?")."""

    def name(self) -> str:
        return "action_thanks"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = clean_text(tracker.latest_message.get("text") or "")
        thanks = await asyncio.to_thread(split_acknowledgement, text, get_service().turn_kinds)
        if thanks and thanks[1]:  # the answer action says the thanks, then answers
            return await ActionAnswerQuestion.run(self, dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_you_are_welcome")
        return []


class ActionShowTopics(ActionAnswerQuestion):
    """Says what the assistant can do, with a button for every topic it knows.

    "give me some examples" or "what are they looking for in it?" after an answer read like a
    request for help to the NLU; when the conversation has an answer to follow up and the
    message is not about the assistant itself (its turn kind), it is answered as a follow-up if
    that finds an answer.
    """

    def name(self) -> str:
        return "action_show_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = clean_text(tracker.latest_message.get("text") or "")
        answered = conversation_state(tracker).answered
        kind = await asyncio.to_thread(get_service().turn_kind, text) if answered else None
        if kind is not None and kind.name != ABOUT_ASSISTANT:
            events = await self.answer_as_follow_up(dispatcher, tracker, domain, answers)
            if events is not None:
                return events
        dispatcher.utter_message(response="utter_capabilities", buttons=topic_menu_buttons())
        return []


class ActionOutOfScope(ActionAnswerQuestion):
    """Says what the assistant covers, unless the message follows up the last answer.

    "what about food?" after a question on triggers, or "is it approved in Europe too?" after
    one on avapritinib, read like small talk or another subject on their own, and the NLU calls
    them out of scope. When the conversation has an answer to follow up, the message is a
    follow-up, names no other disease, and shares a word with the knowledge files (so "what about
    football?" stays out of scope) or asks what no knowledge base can know ("is there one in
    leeds?"), it is searched as a follow-up of the last question, with the stricter threshold
    retrieval uses without a question intent. A follow-up gets whatever that finds: an answer, the
    missing part, or "I don't know that"; a question no one can know, an answer or the gap only.
    Otherwise the reply is the usual statement of what the assistant covers.
    """

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = clean_text(tracker.latest_message.get("text") or "")
        entities = tracker.latest_message.get("entities") or []
        service = get_service()
        cannot_know = await asyncio.to_thread(service.unknowable_kind, text)
        answered = conversation_state(tracker).answered
        continues = answered and (await asyncio.to_thread(service.turn_kind, text)).continues
        scope = decide_scope(
            text,
            domain_entity_types(tracker.latest_message.get("text") or "", entities),
            follows_an_answer=continues,
            # "is there one in leeds?" after a question on specialists: a gap to name
            knows_words=lambda t: service.knows_words(t) or cannot_know is not None,
        )
        # "is dr patel at addenbrookes any good?" or "how long is the wait at St James's?" after an
        # answer: a question no one can answer (a named doctor, or one about care), said as such
        # rather than called another subject (a pizza place near me stays out of scope)
        unknowable = (
            scope != OTHER
            and cannot_know is not None
            and (cannot_know.kind == "named" or is_about_care(text))
        )
        if scope == FOLLOW_UP or (unknowable and answered):
            # A follow-up ("how long should she stay afterwards?") is ours even when the
            # knowledge lacks its answer: that is said, not that it is another subject.
            keep = said_anything if scope == FOLLOW_UP else names_a_gap_or_answers
            events = await self.answer_as_follow_up(dispatcher, tracker, domain, keep)
            if events is not None:
                return events
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
