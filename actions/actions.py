"""Rasa custom actions: thin adapters between the tracker and the question-answering service."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import contextual_query
from actions.service import get_service, retrieval_intent

logger = logging.getLogger(__name__)

SLOT_FORM = "form"
MAX_QUESTION_CHARS = 1000
EMPTY_QUESTION_REPLY = (
    "I didn't catch a question there. What would you like to know about mastocytosis?"
)


def entity_values(tracker: Tracker, entity: str | None = None) -> list[str]:
    """Entity values of the latest message (canonical after synonym mapping), of one type or all."""
    return [
        str(e["value"])
        for e in tracker.latest_message.get("entities", [])
        if e.get("value") and entity in (None, e.get("entity"))
    ]


class ActionAnswerQuestion(Action):
    """Answers a question intent from the knowledge base, naming the sources it used."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()[:MAX_QUESTION_CHARS]
        if not question:
            dispatcher.utter_message(text=EMPTY_QUESTION_REPLY)
            return []
        intent, confidence = retrieval_intent(tracker.latest_message)
        query = contextual_query(
            question, entity_values(tracker, SLOT_FORM), tracker.get_slot(SLOT_FORM)
        )
        answer = get_service().answer(query, intent, entity_values(tracker), confidence)
        logger.info("answered %r (intent %s) from %s", query[:80], intent, answer.chunk_ids)
        dispatcher.utter_message(text=answer.text)
        return []
