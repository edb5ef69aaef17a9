"""Rasa custom actions: thin adapters between the tracker and the question-answering service."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import (
    DID_YOU_MEAN,
    QUESTION_LABELS,
    TOPIC_MENU,
    did_you_mean_buttons,
    topic_menu_buttons,
)
from actions.context import contextual_query
from actions.sanitize import clean_text, is_empty_message
from actions.service import FALLBACK_INTENT, entity_values, get_service, retrieval_intent

logger = logging.getLogger(__name__)

SLOT_FORM = "form"
SLOT_PENDING_QUESTION = "pending_question"
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
        if not question:
            dispatcher.utter_message(text=EMPTY_QUESTION_REPLY)
            return []
        query = contextual_query(
            question, entity_values(message, SLOT_FORM), tracker.get_slot(SLOT_FORM)
        )
        answer = get_service().answer(query, intent, entity_values(message), confidence)
        logger.info("answered %r (intent %s) from %s", query[:80], intent, answer.chunk_ids)
        unsure = (message.get("intent") or {}).get("name") == FALLBACK_INTENT
        if answer.abstained and unsure:
            return clarify(dispatcher, tracker, question)
        dispatcher.utter_message(text=answer.text)
        return [SlotSet(SLOT_PENDING_QUESTION, None)]


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


class ActionShowTopics(Action):
    """Says what the assistant can do, with a button for every topic it knows."""

    def name(self) -> str:
        return "action_show_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_capabilities", buttons=topic_menu_buttons())
        return []
