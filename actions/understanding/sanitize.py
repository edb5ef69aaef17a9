"""Clean what people type before anything reads it: markup, control characters, odd spacing.

Used by the NLU pipeline (bot/components.py) so "<b>what is mastocytosis</b>" is understood as
the question it contains, and huge messages are cut to a length the assistant answers.
"""

from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 1000
# What an empty message becomes in the NLU pipeline: Rasa's DIET crashes on a message with no
# tokens, so the pipeline sees this placeholder and the safety net turns it into a fallback.
EMPTY_MESSAGE = "(empty message)"
# Set on the NLU's parse of a message that was longer than MAX_MESSAGE_CHARS once cleaned.
TRUNCATED_KEY = "truncated"
# A real tag starts with a letter (or "/" and a letter, or "!--"): "<20" and "<3" are not tags.
TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,300})?/?|!--[^<>]{0,300}--)>")
SPACE = re.compile(r"\s+")


def clean_text(text: str, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Normalise Unicode (NFKC), drop markup tags and control characters, collapse spaces, cap."""
    text = unicodedata.normalize("NFKC", text or "")
    text = TAG.sub(" ", text)
    text = "".join(
        ch for ch in text if not unicodedata.category(ch).startswith("C") or ch in "\n\t"
    )
    return SPACE.sub(" ", text).strip()[:max_chars].rstrip()


def is_empty_message(text: str | None) -> bool:
    """True for a message with nothing in it once cleaned (or the pipeline's placeholder)."""
    cleaned = clean_text(text or "")
    return not cleaned or cleaned == EMPTY_MESSAGE
