"""Recognise a question the intent classifier mistook for small talk.

"how long would that go on for?" shares "go" and "for" with "gotta go" and "bye for now", and
the classifier can call it goodbye; the assistant would then say goodbye to someone who asked a
question. A message that opens like a question and has a few words of its own is not small
talk, whatever the classifier's score: bot/intent_guards.py's ScopeGuard takes the small-talk
intent out of its ranking, and the next intent (usually a question intent) answers it.
"""

from __future__ import annotations

import re

# Greetings are left alone: "how are you doing today?" opens like a question and is a greeting.
SMALL_TALK_INTENTS = frozenset({"goodbye", "thanks", "affirm", "deny"})
QUESTION_OPENING = re.compile(
    r"^\s*(?:(?:ok|okay|so|and|but|hi|hello|thanks|thank you)[,!.]?\s+)?"
    r"(?:how|what|why|when|where|which|who|whose|is|are|was|were|can|could|does|do|did|will|"
    r"would|should|shall|has|have|may|might)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z']+")
MIN_WORDS = 5  # "is that all?" and "can I go now?" stay small talk


def is_question_not_small_talk(text: str) -> bool:
    """True if the text opens like a question and has more words than a pleasantry."""
    return bool(QUESTION_OPENING.search(text)) and len(WORD.findall(text)) >= MIN_WORDS
