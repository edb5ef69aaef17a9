"""The question a stranger could answer without the conversation, for one follow-up.

The planner (actions/understanding/planner.py) decides what a follow-up leans on; this module
writes it out as one question, which retrieval, answerability and composition then read:

- the last question asked again about something else ("and in children?" after "what causes
  mastocytosis?") is that question with the new part: "what causes mastocytosis in children?";
  a new subject takes the old one's place ("what about ASM?" after "how is ISM treated?");
- a pronoun is written as what it stands for ("does it hurt?" -> "does bone marrow biopsy
  hurt?"), which the planner's `resolve_reference` does;
- an ellipsis ("side effects?") keeps its words, followed by what the thread was about in
  brackets: "side effects? (smouldering systemic mastocytosis treatment)";
- who the conversation is about ("children", "babies", "pregnancy") is added when the follow-up
  does not say it, so "can she have vaccines?" about a baby is searched as being about babies.
"""

from __future__ import annotations

import re
from typing import Any

from actions.understanding.state import ConversationState
from actions.understanding.thread import asking_sentence
from actions.understanding.words import tokenize

# Function words that open "and in children?", "what about ASM?", "is it the same for adults?":
# dropped to leave the part that is new.
CONNECTIVES = frozenset(
    "and or but so also what how about same is it the just then too as well".split()
)
# A new part that opens with one of these completes the old question ("... in children?").
PREPOSITIONS = frozenset(
    "in for with during if after before at on while when without among".split()
)
# The groups whose knowledge differs from the general: adults are the general case.
SPECIFIC_GROUPS = frozenset({"children", "babies", "pregnancy", "elderly"})
END = "?.! "
MAX_GROUP_WORDS = 3  # "pregnant women", "older adults": a group, not a question of its own


def own_group(entities: list[dict[str, Any]]) -> str | None:
    """The group of people a message names ("children"), if any."""
    own = [str(e["value"]) for e in entities if e.get("entity") == "population" and e.get("value")]
    return own[0] if own else None


def age_group_of(entities: list[dict[str, Any]], state: ConversationState | None) -> str | None:
    """Who the conversation is about: the group this message names, else the one named before."""
    return own_group(entities) or (state.age_group if state else None)


def new_part(question: str) -> str:
    """The message without the function words that open it: "and in children?" -> "in children"."""
    words = question.strip().rstrip(END).split()
    while words and words[0].lower().strip(",") in CONNECTIVES:
        words.pop(0)
    return " ".join(words)


def asked_again(
    question: str,
    last_asked: str,
    old_subject: str | None,
    new_subject: str | None,
    new_group: str | None,
) -> str | None:
    """The last question asked again with this message's new part, or None.

    The new part takes the old subject's place ("what about ASM?"), completes the question when
    it opens with a preposition ("and in children?") or is a group of people ("what about
    children?"). Anything else ("and what about going to the dentist?") is not rewritten.
    """
    asked = asking_sentence(last_asked).rstrip(END)
    part = new_part(question)
    if not asked or not part:
        return None
    if new_subject and old_subject:
        replaced = re.sub(re.escape(old_subject), new_subject, asked, flags=re.IGNORECASE)
        if replaced != asked:
            return f"{replaced}?"
    if part.split()[0].lower() in PREPOSITIONS:
        return f"{asked} {part}?"
    if new_group and len(part.split()) <= MAX_GROUP_WORDS:
        return f"{asked} in {part}?"
    return None


def with_anchor(question: str, anchor: str) -> str:
    """The question, then the anchor's words it does not already hold, in brackets."""
    held = set(tokenize(question))
    missing = [word for word in anchor.split() if not set(tokenize(word)) <= held]
    return f"{question} ({' '.join(missing)})" if missing else question


def with_group(question: str, group: str | None) -> str:
    """The question with who it is about, when that matters and the question does not say it."""
    if not group or group not in SPECIFIC_GROUPS:
        return question
    if set(tokenize(group)) & set(tokenize(question)):
        return question
    return f"{question} ({group})"


def standalone_question(
    question: str,
    last_asked: str,
    *,
    again: bool,
    resolved: str | None,
    anchor: str,
    old_subject: str | None,
    new_subject: str | None,
    new_group: str | None,
    group: str | None,
) -> str:
    """The follow-up `question` written to stand alone (see the module's docstring).

    `last_asked`: the last question answered, as it was searched; `again`: the message asks it
    again about something else; `resolved`: the
    message with its "it" written out, if that was possible; `anchor`: what the thread was about
    (its subject and topic words); `new_group`: a group of people the message names; `group`:
    who the conversation is about.
    """
    rewritten = (
        asked_again(question, last_asked, old_subject, new_subject, new_group) if again else None
    )
    if rewritten:
        kept = anchor if not new_subject else ""
        return with_group(with_anchor(rewritten, kept), group)
    if resolved:
        return with_group(resolved, group)
    return with_group(with_anchor(question, anchor), group)
