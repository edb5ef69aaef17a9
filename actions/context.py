"""Carry what is being discussed into follow-up questions.

Two kinds of follow-up lean on earlier turns:

- a pronoun or a very short question ("how is it treated?", "is that mutation inherited?",
  "prognosis?") keeps the question and adds what the last answered question was about: the
  form, gene, drug or test it named ("tryptase"), or, when it named none, that question itself
  ("what is hereditary alpha-tryptasemia?" for "how common is it?"). Without an answered
  question, the form, gene or drug last named (the `form`, `gene` and `drug` slots);
- "what about ...?" / "and in ...?" ("what about children?", "and in pregnancy?") asks the
  previous question again about something else, so it is searched together with that question.
"""

from __future__ import annotations

import re

from actions.retrieval import tokenize

FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|so|what about|how about|and what about)\b|\b(?:it|its|it's|that|this|they|"
    r"them|their|those|these|one)\b",
    re.IGNORECASE,
)
SAME_QUESTION_ABOUT = re.compile(
    r"^\s*(?:and|or|but)?\s*(?:what|how)\s+about\b|^\s*(?:and|or)\s+(?:in|for|with|during|if)\b"
    r"|^\s*(?:same|is it the same)\s+(?:for|in|with)\b",
    re.IGNORECASE,
)
POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|that|this|they|them|their|those|these)\b", re.IGNORECASE
)
SHORT_QUESTION_TOKENS = 3
SUBJECT_SLOTS = ("form", "gene", "drug")
# Entities that say what a question is about, so what its follow-ups are about.
SUBJECT_ENTITIES = (*SUBJECT_SLOTS, "test")


# A question about mastocytosis itself ("what causes mastocytosis?") is not about the form
# discussed before, however short it is.
ABOUT_MASTOCYTOSIS_ITSELF = re.compile(r"\b(?:mastocytosis|masto|mastocitosis)\b", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """True if the question leans on earlier turns (a pronoun, "what about", or very short)."""
    if FOLLOW_UP.search(question):
        return True
    short = len(tokenize(question)) <= SHORT_QUESTION_TOKENS
    return short and not ABOUT_MASTOCYTOSIS_ITSELF.search(question)


def asks_previous_question_again(question: str) -> bool:
    """True for "what about children?", "and in pregnancy?": the last question, about X."""
    return bool(SAME_QUESTION_ABOUT.search(question))


def follow_up_subject(
    question: str,
    names_a_subject: bool,
    remembered_subject: str | None,
    previous_subject: str | None = None,
    previous_question: str | None = None,
) -> str | None:
    """What a pronoun or short follow-up leans on, or None if the question stands alone.

    `names_a_subject`: the message itself names a form, gene, drug or test. In order of
    preference: `previous_subject`, what the last answered question named (or leaned on); for
    a question with a pronoun ("how common is it?"), `previous_question` itself, as searched;
    `remembered_subject`, the form, gene or drug named last in the conversation.
    """
    if names_a_subject or not is_follow_up(question):
        return None
    if previous_subject:
        return previous_subject
    if previous_question and POINTS_BACK.search(question):
        return previous_question
    return remembered_subject or None


def contextual_query(
    question: str,
    names_a_subject: bool,
    remembered_subject: str | None,
    previous_question: str | None = None,
    previous_subject: str | None = None,
) -> str:
    """The text to retrieve with: the question plus, for a follow-up, what it leans on.

    `previous_question`: the last question answered (as searched), which "what about X?" asks
    again; the other arguments as in `follow_up_subject`.
    """
    if not is_follow_up(question):
        return question
    if previous_question and asks_previous_question_again(question):
        return f"{question} ({previous_question})"
    subject = follow_up_subject(
        question, names_a_subject, remembered_subject, previous_subject, previous_question
    )
    return f"{question} ({subject})" if subject else question


def latest_subject(events: list[dict], slots: dict[str, object]) -> str | None:
    """The form, gene or drug named most recently: the last of those slots to be set."""
    for event in reversed(events):
        if event.get("event") == "slot" and event.get("name") in SUBJECT_SLOTS:
            value = slots.get(event["name"])
            if isinstance(value, str) and value:
                return value
    return None
