"""What to search for: one pure function from a message and the conversation so far to a plan.

`plan_query` takes plain data (the question, the NLU's entities, what the last answer was about,
the subject named last) and returns the query to retrieve with, the subject of the question and
its focus words. The action (actions/actions.py) and every evaluation script call it, so they
cannot drift apart.

Follow-ups lean on the *thread*: the last question that stood on its own.

- a pronoun or an ellipsis ("how is it treated?", "side effects?", "does it hurt?", "will she
  grow out of it?") is searched together with that question, so "side effects?" after "what's
  the treatment for smoldering SM?" is about the treatment, not the outlook;
- "what about X?" / "and in children?" asks that question again about X;
- a question that stands on its own (it names mastocytosis or a subject of its own, or is long
  enough to make sense alone) starts a new thread and drops the old subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.context import (
    POINTS_BACK,
    SUBJECT_ENTITIES,
    asks_previous_question_again,
    is_follow_up,
)
from actions.focus import focus_words

MAX_THREAD_CHARS = 200  # a long first message is cut before it is carried into follow-ups


@dataclass(frozen=True)
class QueryPlan:
    """What one message asks, and what to search for to answer it."""

    question: str  # the message with entities spelt out
    query: str  # what retrieval searches: the question, plus the thread for a follow-up
    subject: str | None  # the form, gene, drug or test the question is about, if any
    focus: tuple[str, ...]  # the words that say which fact is wanted ("side effects")
    thread: str  # the standing question this one belongs to, kept for the next follow-up
    follow_up: bool
    terms: tuple[str, ...] = ()  # entity values retrieval boosts: the message's, and the subject


def expand_entities(text: str, entities: list[dict[str, Any]]) -> str:
    """The text with each entity written as its canonical value.

    "what is ISM" becomes "what is indolent systemic mastocytosis", "the skin one" becomes "the
    cutaneous mastocytosis". The embedding model knows the full names far better than
    abbreviations and nicknames (benchmark recall@1 0.863 -> 0.875). `entities` are the NLU's
    entities of `text` (their offsets index it).
    """
    expanded = text
    for entity in sorted(entities, key=lambda e: e.get("start", -1), reverse=True):
        start, end, value = entity.get("start"), entity.get("end"), entity.get("value")
        if not isinstance(start, int) or not isinstance(end, int) or not value:
            continue
        if text[start:end].lower() != str(value).lower():
            expanded = expanded[:start] + str(value) + expanded[end:]
    return expanded


def named_subjects(entities: list[dict[str, Any]]) -> list[str]:
    """Canonical values of the form, gene, drug and test entities a message names, in order."""
    values = [str(e["value"]) for e in entities if e.get("entity") in SUBJECT_ENTITIES]
    return list(dict.fromkeys(v for v in values if v))


def thread_words(thread: str, subject: str | None) -> str:
    """What a follow-up is searched with: the thread's subject and focus words.

    "what's the treatment for smoldering SM?" gives "smoldering systemic mastocytosis
    treatment": the subject keeps retrieval on the right form, the other words on the right kind
    of fact, without the thread's filler.
    """
    words = [w for w in focus_words(thread) if not subject or w.lower() not in subject.lower()]
    return " ".join([subject, *words] if subject else words) or thread


def plan_query(
    text: str,
    entities: list[dict[str, Any]] | None = None,
    last_answer: dict[str, Any] | None = None,
    remembered_subject: str | None = None,
    spell_out: bool = True,
) -> QueryPlan:
    """Plan the search for one message.

    Args:
        text: the question (cleaned).
        entities: the NLU's entities of `text`.
        last_answer: what the last answer was about: its `thread` (or, from older
            conversations, `question`) and `subject`; None at the start of a conversation.
        remembered_subject: the form, gene or drug named last in the conversation.
        spell_out: write entities as their canonical values (False for a pressed button's text,
            whose entities do not index it).
    """
    entities = entities or []
    question = expand_entities(text, entities) if spell_out else text
    named = named_subjects(entities)
    thread = str((last_answer or {}).get("thread") or (last_answer or {}).get("question") or "")
    # The subject named long ago counts only when nothing has been answered since: after "what
    # causes mastocytosis?", "is it inherited?" is about mastocytosis, not an earlier ISM.
    previous_subject = (last_answer or {}).get("subject") if last_answer else remembered_subject
    # A question that names its own subject stands alone, unless it points back ("how many
    # adults with SM have that mutation?") or asks the last question again ("what about ASM?").
    leans_back = bool(POINTS_BACK.search(text)) or asks_previous_question_again(text)
    follow_up = is_follow_up(question) and (not named or leans_back)
    focus = tuple(focus_words(text))
    terms = tuple(dict.fromkeys(str(e["value"]) for e in entities if e.get("value")))
    if not follow_up or not (thread or previous_subject):
        subject = " ".join(named) or None
        thread = question[:MAX_THREAD_CHARS]
        return QueryPlan(question, question, subject, focus, thread, False, terms)
    # "that mutation" leans on the thread's subject; "what about ASM?" names a new one.
    if leans_back and not asks_previous_question_again(text):
        subject = previous_subject or " ".join(named) or None
    else:
        subject = " ".join(named) or previous_subject or None
    anchor = thread_words(thread, previous_subject) if thread else str(previous_subject)
    query = f"{question} ({anchor})"
    if subject and subject not in terms:
        terms = (*terms, subject)
    return QueryPlan(question, query, subject, focus, thread or anchor, True, terms)
