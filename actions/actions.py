"""Rasa custom actions: thin adapters between the tracker and the question-answering service."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.service import get_service, retrieval_intent

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
EMPTY_QUESTION_REPLY = (
    "I didn't catch a question there. What would you like to know about mastocytosis?"
)


def entity_terms(tracker: Tracker) -> list[str]:
    """Entity values of the latest message (canonical values after synonym mapping)."""
    return [
        str(e.get("value")) for e in tracker.latest_message.get("entities", []) if e.get("value")
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
        intent = retrieval_intent(tracker.latest_message)
        answer = get_service().answer(question, intent=intent, terms=entity_terms(tracker))
        logger.info("answered %r (intent %s) from %s", question[:80], intent, answer.chunk_ids)
        dispatcher.utter_message(text=answer.text)
        return []
