"""Recognise follow-up questions, and remember the subject named last.

Two kinds of follow-up lean on earlier turns (actions/understanding/planner.py decides what to
search):

- a pronoun or a very short question ("how is it treated?", "is that mutation inherited?",
  "side effects?");
- "what about ...?" / "and in ...?" ("what about children?", "and in pregnancy?"), which asks
  the previous question again about something else.
"""

from __future__ import annotations

import re

from actions.understanding.words import tokenize

FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|so|what about|how about|and what about)\b|\b(?:it|its|it's|that|this|they|"
    r"them|their|those|these|one)\b",
    re.IGNORECASE,
)
# "that mutation", "this drug", "it": the question points back at what was discussed.
POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|that|this|those|these|they|them|their)\b", re.IGNORECASE
)
# "what can we do at home to make her skin less bad?": someone already being talked about.
REFERS_TO_SOMEONE = re.compile(r"\b(?:he|she|him|her|his|hers|we|our|us)\b", re.IGNORECASE)
SAME_QUESTION_ABOUT = re.compile(
    r"^\s*(?:and|or|but)?\s*(?:what|how)\s+about\b|^\s*(?:and|or)\s+(?:in|for|with|during|if)\b"
    r"|^\s*(?:same|is it the same)\s+(?:for|in|with)\b"
    # "and systemic mastocytosis specifically?": "and" with a few words and no question of its own
    r"|^\s*(?:and|or)\s+(?!(?:what|how|why|when|where|who|which|is|are|can|could|does|do|did|"
    r"will|would|should|i|my)\b)(?:[\w'-]+\s*){1,5}[?.!]*\s*$",
    re.IGNORECASE,
)
SHORT_QUESTION_TOKENS = 3
SUBJECT_SLOTS = ("form", "gene", "drug")
# Entities that say what a question is about, so what its follow-ups are about.
SUBJECT_ENTITIES = (*SUBJECT_SLOTS, "condition", "test")


# A question about mastocytosis itself ("what causes mastocytosis?") is not about the form
# discussed before, however short it is.
MASTOCYTOSIS_WORDS = r"mastocytosis|masto|mastocitosis"  # the condition's name, as people write it
ABOUT_MASTOCYTOSIS_ITSELF = re.compile(rf"\b(?:{MASTOCYTOSIS_WORDS})\b", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """True if the question leans on earlier turns (a pronoun, "what about", or very short)."""
    if FOLLOW_UP.search(question):
        return True
    short = len(tokenize(question)) <= SHORT_QUESTION_TOKENS
    return short and not ABOUT_MASTOCYTOSIS_ITSELF.search(question)


def continues_conversation(question: str) -> bool:
    """A follow-up, or a message about someone the conversation is already about."""
    return is_follow_up(question) or bool(REFERS_TO_SOMEONE.search(question))


# "give me some examples", "tell me more": more of what was just said.
MORE_OF_IT = re.compile(r"\b(?:examples?|more|details?|elaborate)\b", re.IGNORECASE)


# "what can you do?", "show me the menu", "what should I ask?": a question about the assistant.
ABOUT_THE_ASSISTANT = re.compile(
    r"\b(?:you|u|ya|bot|chat|menu|topics?|options?|features|capabilit\w*|instructions?|help|"
    r"ask|use this|start|cover|info|information|subjects?|offer|here)\b",
    re.IGNORECASE,
)


def asks_about_the_last_answer(question: str) -> bool:
    """True if a message after an answer asks about it rather than about the assistant.

    "give me some examples", "what are they looking for in it?" or "what would be the next
    step?": it points back, asks for more, or asks something without naming the assistant.
    """
    return bool(
        POINTS_BACK.search(question)
        or MORE_OF_IT.search(question)
        or not ABOUT_THE_ASSISTANT.search(question)
    )


def asks_previous_question_again(question: str) -> bool:
    """True for "what about children?", "and in pregnancy?": the last question, about X."""
    return bool(SAME_QUESTION_ABOUT.search(question))


def latest_subject(events: list[dict], slots: dict[str, object]) -> str | None:
    """The form, gene or drug named most recently: the last of those slots to be set."""
    for event in reversed(events):
        if event.get("event") == "slot" and event.get("name") in SUBJECT_SLOTS:
            value = slots.get(event["name"])
            if isinstance(value, str) and value:
                return value
    return None
