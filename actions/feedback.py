"""Ratings of the last answer: stored with its question and sources in the tracker store."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import topic_menu_buttons
from actions.events import SLOT_FEEDBACK, SLOT_TOPIC, conversation_state
from actions.understanding.sanitize import clean_text

RATINGS = {"feedback_positive": "helpful", "feedback_negative": "not helpful"}
THANKS_FOR_RATING = "Thank you for the feedback. What else would you like to know?"
SORRY_NOT_HELPFUL = (
    "Thank you for telling me, and I'm sorry that didn't help. You could ask it another way, or "
    "pick one of the topics below. For anything about your own care, your doctor or specialist "
    "is the best person to ask."
)
NOTHING_TO_RATE = "Thanks! Ask me a question about mastocytosis and you can rate my answer."


class ActionRecordFeedback(Action):
    """Stores a rating of the last answer, with its question and sources, in the tracker store.

    The rating is the `feedback` slot's value, so every rating is a slot event that
    scripts/feedback_summary.py can read back from the tracker store.
    """

    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rating = RATINGS.get((tracker.latest_message.get("intent") or {}).get("name") or "")
        last = conversation_state(tracker)
        if not rating or not last.answered:
            dispatcher.utter_message(text=NOTHING_TO_RATE)
            return []
        text = clean_text(tracker.latest_message.get("text") or "")
        record = {
            "rating": rating,
            "question": last.last_question,
            "topic": tracker.get_slot(SLOT_TOPIC),
            "chunks": list(last.last_passages),
            "sources": list(last.last_sources),
            # What the person typed, unless they pressed a button.
            "comment": "" if text.startswith("/") else text,
        }
        if rating == "helpful":
            dispatcher.utter_message(text=THANKS_FOR_RATING)
        else:
            dispatcher.utter_message(text=SORRY_NOT_HELPFUL, buttons=topic_menu_buttons())
        return [SlotSet(SLOT_FEEDBACK, record)]
