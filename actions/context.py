"""Carry the form of mastocytosis under discussion into follow-up questions.

"What is ISM?" then "how is it treated?" should retrieve treatment of indolent systemic
mastocytosis. The `form` slot remembers the last form named; a follow-up that names none and
reads like a follow-up (a pronoun, "what about ...", or only a few words) is searched with it.
"""

from __future__ import annotations

import re

from actions.retrieval import tokenize

FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|so|what about|how about|and what about)\b|\b(?:it|its|it's|that|this|they|"
    r"them|their|those|these|one)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_TOKENS = 3


def is_follow_up(question: str) -> bool:
    """True if the question leans on earlier turns (a pronoun, "what about", or very short)."""
    return bool(FOLLOW_UP.search(question)) or len(tokenize(question)) <= SHORT_QUESTION_TOKENS


def contextual_query(
    question: str, forms_in_message: list[str], remembered_form: str | None
) -> str:
    """The text to retrieve with: the question, plus the remembered form for a follow-up."""
    if forms_in_message or not remembered_form or not is_follow_up(question):
        return question
    return f"{question} ({remembered_form})"
