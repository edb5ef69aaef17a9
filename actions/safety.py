"""Recognise a message describing anaphylaxis happening now, whatever the NLU model thinks.

A keyword safety net behind the `emergency` intent, applied in the NLU pipeline by
bot/components.py's IntentSafetyNet. The patterns want signs in the present ("my throat is closing",
"she's not breathing", "I'm having anaphylaxis") so that questions *about* anaphylaxis ("what are
the signs of anaphylaxis?") are still answered as questions.
"""

from __future__ import annotations

import re

_PERSON = r"(?:i|i'?m|i am|my \w+|he|she|they|he'?s|she'?s|they'?re|he is|she is|they are|we)"
EMERGENCY_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:can'?t|cannot|can not|unable to|struggling to|hard to) (?:breathe|breath|swallow)\b",
        r"\b(?:(?:my|his|her|their|our|your)(?: \w+'s)?|the \w+'s) "
        r"(?:throat|tongue|lips?|face|mouth|airway)\b"
        r"[^.?!]{0,30}\b(?:swell\w*|swollen|closing|closed|tight\w*|blocked)",
        r"\b(?:throat|airway) (?:is|feels|'s) (?:closing|closed|tight|swelling)",
        _PERSON + r" (?:is |are |has |have |just )?(?:having|going into|in) (?:an? )?"
        r"(?:anaphyla\w*|severe allergic reaction|allergic shock)",
        _PERSON + r" (?:is |are |has |have |just )?(?:passed out|collapsed|fainted|unconscious|"
        r"unresponsive|not breathing|turning blue|going blue)\b",
        r"\b(?:wheezing|gasping) (?:and|after|since)\b",
        r"\banaphyla\w* (?:right )?now\b",
        r"\bcall(?:ing)? (?:an ambulance|911|999|112)\b",
    )
)


# A story about a past reaction is a question, not an emergency ("he collapsed last summer").
PAST_EVENT = re.compile(
    r"\b(?:last (?:year|summer|winter|spring|autumn|month|week|time)|years? ago|months? ago|"
    r"weeks? ago|once|used to|in the past|as a child)\b",
    re.IGNORECASE,
)


def is_emergency(text: str) -> bool:
    """True if the text describes signs of anaphylaxis happening now."""
    if PAST_EVENT.search(text):
        return False
    return any(pattern.search(text) for pattern in EMERGENCY_PATTERNS)
