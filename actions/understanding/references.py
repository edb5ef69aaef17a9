"""What "it" stands for in a follow-up: pronouns, typed references and the last answer's thing.

The planner (actions/understanding/planner.py) writes a follow-up's "it" or "that mutation" as
what it stands for: the thread's subject, the entity of that kind named last, or the one thing
the last answer was about.
"""

from __future__ import annotations

import re
from typing import Any

from actions.understanding.state import ConversationState
from actions.understanding.thread import asking_sentence

# "it", "that mutation", "is that ...?" and "if those don't work" stand for the subject; "they"
# and "them" are as often the doctors or the spots, so they are left alone, and so is "it's"
# ("if it's normal").
REFERENCE = re.compile(
    r"\bit\b(?!')|\b(?:that|this) (?P<noun>mutation|gene|change|variant|drug|medicine|medication|"
    r"treatment|test|condition|disease|form|type|one)\b|(?<=\bis )(?:that|this)\b(?! why\b)"
    r"|\b(?:that|this|those|these)\b(?= (?:doesn'?t|don'?t|didn'?t|does not|do not|did not|"
    r"won'?t|will not|stops?|stopped|fails?|failed)\b)",
    re.IGNORECASE,
)
# "that mutation" is the gene named most recently, "this drug" the drug, whatever "it" is.
NOUN_KINDS = {
    **dict.fromkeys(("mutation", "gene", "change", "variant"), ("gene",)),
    **dict.fromkeys(("drug", "medicine", "medication", "treatment"), ("drug",)),
    "test": ("test",),
    **dict.fromkeys(("condition", "disease", "form", "type", "one"), ("form", "condition")),
}


# What "it" most likely stands for, when a message names several subjects: the test or related
# condition asked about before the form the person has ("I have ISM, do I need a bone marrow
# biopsy?" then "does it hurt?").
REFERENT_PRIORITY = ("form", "gene", "drug", "test", "condition")


def referent_of(text: str, entities: list[dict[str, Any]]) -> str | None:
    """The subject a later "it" refers to: one named in the sentence that asks, by priority."""
    subjects = [
        e
        for e in entities
        if e.get("entity") in REFERENT_PRIORITY and isinstance(e.get("start"), int)
    ]
    asking_from = text.rfind(asking_sentence(text))
    pool = [e for e in subjects if e["start"] >= asking_from] or subjects
    if not pool:
        return None
    best = max(pool, key=lambda e: (REFERENT_PRIORITY.index(e["entity"]), e["start"]))
    return str(best["value"])


MAX_HEADING_WORDS = 3
WITH_IT = re.compile(r"\bwith (?:it|this|that)\b", re.IGNORECASE)
# A heading that asks, or joins two topics, is not one thing a later "it" can stand for.
NOT_A_THING = re.compile(
    r"^(?:what|why|how|when|who|which|is|are|can|do|does)\b|\b(?:and|or)\b", re.I
)


def named_heading(state: ConversationState | None) -> str | None:
    """The last answer's heading when it names one thing ("Venom immunotherapy").

    "how long do i need to keep doing it?" after an answer from the passage on venom
    immunotherapy, in a thread about wasp stings that named no subject, is about the therapy.
    "Tattoos and piercings" or "What mast cells do" name no one thing.
    """
    heading = state.last_heading if state else ""
    words = heading.split()
    if not words or len(words) > MAX_HEADING_WORDS or NOT_A_THING.search(heading):
        return None
    return heading.lower()


def resolve_reference(
    question: str, subject: str | None, mentions: list[list[str]] | None = None
) -> str | None:
    """The question with its "it" or "that mutation" written as what it stands for.

    "it" is `subject`, the thread's referent; "that mutation" is the gene among `mentions` (the
    [value, entity] pairs named so far, oldest first) named most recently, so "how many adults
    with SM have that mutation?" after "what does the D816V mutation do to KIT?" is searched
    as "how many adults with SM have D816V?". Written in place rather than appended, the
    subject is not outweighed by the question's own words.
    """
    match = REFERENCE.search(question)
    if not match:
        return None
    kinds = NOUN_KINDS.get((match.group("noun") or "").lower())
    typed = [value for value, kind in mentions or [] if kinds and kind in kinds]
    meant = typed[-1] if typed else subject
    if not meant:
        return None
    return question[: match.start()] + meant + question[match.end() :]
