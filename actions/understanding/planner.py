"""What to search for: one pure function from a message and the conversation so far to a plan.

`plan_query` takes plain data (the question, the NLU's entities, what the last answer was about,
the subject named last, and the message's turn kind, actions/understanding/turn_kind.py) and
returns the standalone question to retrieve with (actions/understanding/standalone.py), the
subject of the question and its focus words. The action (actions/actions.py) and every
evaluation script call it, so they cannot drift apart.

Whether a message continues the conversation is its turn kind, learnt from examples; a message
that names a subject of its own continues it only if it also points back. Follow-ups lean on
the *thread*: the last question that stood on its own.

- "it", "that mutation" or "is that ...?" is written as what it stands for: the subject the
  thread asked about ("does it hurt?" -> "does bone marrow biopsy hurt?"), or the entity of
  that kind named last ("that mutation" -> "D816V");
- an ellipsis ("side effects?", "what about food?") is searched with the thread's subject and
  its topic words (the thread's words its answer used), so "side effects?" after "what's the
  treatment for smoldering SM?" is about the treatment, not the outlook;
- "what about X?" / "and in children?" asks the last question again about X, written as one
  question ("what causes mastocytosis in children?");
- a follow-up with a topic of its own ("can I still do sport with it?") also gets a reading
  without the thread, which the service keeps if it answers the message better;
- "it" may also be a test, drug or condition the last answer named ("does it hurt?" after an
  answer on how SM is confirmed is also read as "does bone marrow biopsy hurt?");
- a message about the person already discussed ("what should we avoid doing with her?") is read
  alone first, with the thread's reading as the other one;
- a question that stands on its own starts a new thread and drops the old subject; without a
  subject of its own it also gets the thread's reading ("what can be done to prevent a bad
  reaction?" after wasp stings).

actions/understanding/thread.py's `remember` gives what the next message's plan needs of an
answered one: the conversation state (actions/understanding/state.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from actions.understanding.context import POINTS_BACK, SUBJECT_ENTITIES
from actions.understanding.focus import ATTRIBUTES, focus_words
from actions.understanding.references import (
    WITH_IT,
    named_heading,
    referent_of,
    resolve_reference,
)
from actions.understanding.standalone import (
    age_group_of,
    own_group,
    standalone_question,
    with_group,
)
from actions.understanding.state import ConversationState
from actions.understanding.thread import MAX_THREAD_CHARS, asking_sentence, read_alone, thread_words
from actions.understanding.turn_kind import (
    ABOUT_PERSON,
    CONTINUES,
    NEW_QUESTION,
    SAME_QUESTION_ABOUT,
)
from actions.understanding.words import stem, tokenize

MAX_MENTIONS = 8
MAX_NAMED_READINGS = 2


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
    topics: tuple[str, ...] = ()  # the thread's words its answer used ("anaesthesia")
    referent: str | None = None  # what "it" stands for next: the subject the thread asked about
    mentions: tuple[tuple[str, str], ...] = ()  # (value, entity) named in the thread, oldest first
    # A follow-up with a topic of its own ("can I still do sport with it?" after "what is a
    # mast cell?") read without the thread; the service keeps it if it answers the message better.
    alternatives: tuple[str, ...] = ()
    # "it" read as a test, drug or condition the last answer named ("does bone marrow biopsy
    # hurt?" after an answer on how SM is confirmed): (reading, what "it" stands for in it).
    named_readings: tuple[tuple[str, str], ...] = ()
    asks: str = ""  # the sentence of the message that asks ("what should his school know?")
    said: tuple[str, ...] = ()  # the chunks the last answer was made of (a follow-up wants more)
    kind: str = NEW_QUESTION  # the turn's kind (actions/understanding/turn_kind.py)
    age_group: str | None = None  # who the conversation is about: "children", "babies", ...
    typed: str = ""  # the message as typed (its embedding came with it from the NLU)


# A device is not its medicine: "epipen", "adrenaline auto-injector", "nasal spray".
DEVICE = re.compile(r"pens?\b|auto-?injectors?|injectors?|spray|inhaler", re.IGNORECASE)


def expand_entities(text: str, entities: list[dict[str, Any]]) -> str:
    """The text with each entity written as its canonical value.

    "what is ISM" becomes "what is indolent systemic mastocytosis", "the skin one" becomes "the
    cutaneous mastocytosis". The embedding model knows the full names far better than
    abbreviations and nicknames (benchmark recall@1 0.863 -> 0.875). A name that already holds its
    value stays as written: "baseline tryptase" is more than "tryptase". `entities` are the NLU's
    entities of `text` (their offsets index it).
    """
    expanded = text
    for entity in sorted(entities, key=lambda e: e.get("start", -1), reverse=True):
        start, end, value = entity.get("start"), entity.get("end"), entity.get("value")
        if not isinstance(start, int) or not isinstance(end, int) or not value:
            continue
        typed = text[start:end]
        if re.search(rf"\b{re.escape(str(value))}\b", typed, re.IGNORECASE):
            continue
        # "ISM" is written as its name; "adrenaline pen" keeps what it says ("epinephrine" alone
        # would lose the pen) with the name after it
        spelt = f"{typed} ({value})" if DEVICE.search(typed) else str(value)
        expanded = expanded[:start] + spelt + expanded[end:]
    return expanded


def joined(names: list[str]) -> str | None:
    """Several subjects as one ("cetirizine and omalizumab"), each once; None for none."""
    return " and ".join(dict.fromkeys(name for name in names if name)) or None


def named_subjects(entities: list[dict[str, Any]]) -> list[str]:
    """Canonical values of the form, gene, drug, condition and test entities a message names."""
    values = [str(e["value"]) for e in entities if e.get("entity") in SUBJECT_ENTITIES]
    return list(dict.fromkeys(v for v in values if v))


def plan_query(
    text: str,
    entities: list[dict[str, Any]] | None = None,
    state: ConversationState | None = None,
    remembered_subject: str | None = None,
    spell_out: bool = True,
    kind: str = NEW_QUESTION,
) -> QueryPlan:
    """Plan the search for one message.

    Args:
        text: the question (cleaned).
        entities: the NLU's entities of `text`.
        state: what the last answer was about (actions/understanding/state.py); None or an
            empty state at the start of a conversation.
        remembered_subject: the form, gene or drug named last in the conversation.
        spell_out: write entities as their canonical values (False for a pressed button's text,
            whose entities do not index it).
        kind: the message's turn kind (actions/understanding/turn_kind.py): whether it leans on
            the thread, asks its question again, or is about the person already discussed.
    """
    entities = entities or []
    question = expand_entities(text, entities) if spell_out else text
    named = named_subjects(entities)
    conversation = state if state is not None and state.answered else None
    thread = conversation.thread or conversation.last_question if conversation else ""
    group = age_group_of(entities, state)
    # The subject named long ago counts only when nothing has been answered since: after "what
    # causes mastocytosis?", "is it inherited?" is about mastocytosis, not an earlier ISM.
    # The slots already hold this message's own entities: a subject it names is not an earlier one.
    if remembered_subject in named:
        remembered_subject = None
    previous_subject = conversation.subject if conversation else remembered_subject
    # A question that names its own subject stands alone, unless it points back ("how many
    # adults with SM have that mutation?") or asks the last question again ("what about ASM?").
    again = kind == SAME_QUESTION_ABOUT
    leans_back = bool(POINTS_BACK.search(text)) or again
    # "what should we avoid doing with her?" continues with the person, perhaps not the topic.
    # "will she grow out of it?" points back as well: a follow-up of the thread.
    someone = kind == ABOUT_PERSON and not POINTS_BACK.search(text)
    follow_up = kind in CONTINUES and (not named or leans_back)
    focus = tuple(focus_words(text))
    terms = tuple(dict.fromkeys(str(e["value"]) for e in entities if e.get("value")))
    named_now = [
        (str(e["value"]), str(e["entity"]))
        for e in sorted(entities, key=lambda e: e.get("start") or 0)
        if e.get("entity") in SUBJECT_ENTITIES and e.get("value")
    ]
    if not follow_up or not (thread or previous_subject):
        # "what can be done to prevent a bad reaction?" after a question on wasp stings stands
        # alone, and may still mean the stings: the thread's reading is the other one.
        topics = (conversation.thread_topics or ()) if conversation else ()
        anchor = " ".join(w for w in (previous_subject, *topics) if w)
        in_thread = f"{question} ({anchor})" if anchor and conversation and not named else None
        return QueryPlan(
            question=question,
            query=question,
            subject=joined(named),
            focus=focus,
            thread=question[:MAX_THREAD_CHARS],
            follow_up=False,
            terms=terms,
            referent=referent_of(text, entities),
            mentions=tuple(named_now[-MAX_MENTIONS:]),
            alternatives=(in_thread,) if in_thread else (),
            asks=asking_sentence(question),
            kind=kind,
            age_group=group,
            typed=text,
        )
    # "that mutation" leans on the thread's subject; "what about ASM?" names a new one.
    new_subject = bool(named) and again
    if leans_back and not new_subject:
        subject = joined([str(previous_subject or ""), *named])
    else:
        subject = joined(named) or previous_subject or None
    earlier = conversation.referent if conversation else remembered_subject
    # In a thread with no subject, "it" may be the one thing the last answer was about ("how long
    # do i keep doing it?" after the passage on venom immunotherapy), for this message only.
    # "can i still do sport with it?" lives with the condition, not with the last passage's thing.
    lives_with = bool(WITH_IT.search(question))
    thing = earlier or (None if previous_subject or lives_with else named_heading(conversation))
    # "how is that different from the indolent kind?" compares: "it" stays the thread's subject.
    referent = (referent_of(text, entities) if new_subject else None) or earlier
    before = list(conversation.mentions) if conversation else []
    mentions = tuple([*before, *named_now][-MAX_MENTIONS:])
    topics = tuple((conversation.thread_topics or ()) if conversation else ())
    kept_subject = None if new_subject else previous_subject
    # Older conversations stored no topics: their follow-ups lean on the thread's focus words.
    if conversation and conversation.thread_topics is not None:
        anchor = " ".join(w for w in (kept_subject, *topics) if w)
    else:
        anchor = thread_words(thread, previous_subject) if thread else str(previous_subject)
    resolved = (
        resolve_reference(question, thing, [list(m) for m in mentions])
        if leans_back and not new_subject
        else None
    )
    # "is it inherited?" written as "is indolent systemic mastocytosis inherited?" stands on its
    # own: it names the subject and asks its own kind of fact, which replaces the one the thread
    # asked ("treatments"), so the thread's topics are not searched with it.
    # "what about children?" asks the last question again, which may itself have followed up
    # the thread ("what treatments are there for it?"): its standalone form, as answered
    last_asked = (conversation.last_question if conversation else "") or thread
    query = standalone_question(
        question,
        last_asked,
        again=again,
        resolved=resolved,
        anchor=anchor,
        old_subject=previous_subject,
        new_subject=joined(named) if new_subject else None,
        new_group=own_group(entities),
        group=group,
    )
    # "what should I tell his daycare?" after a question on biopsies asks about something new.
    # "what about in children?" asks the thread's question about a population: no new topic.
    populations = [str(e.get("value")) for e in entities if e.get("entity") == "population"]
    named_words = set(tokenize(" ".join([*named, *populations])))
    own_topic = any(
        stem(word.lower()) not in ATTRIBUTES and not set(tokenize(word)) <= named_words
        for word in focus
    )
    alone = read_alone(question)
    alternatives = (alone,) if own_topic and not resolved and not new_subject else ()
    named_readings = tuple(
        (reading, name)
        for name in (conversation.last_named if conversation else ())
        if leans_back
        and not new_subject
        and name != earlier
        and (reading := resolve_reference(question, name, [])) not in (None, resolved)
    )[:MAX_NAMED_READINGS]
    if someone:  # read on its own first; the thread's reading must answer it better
        query, alternatives = with_group(question, group), (query,)
    carried = previous_subject if not (new_subject or someone) else None
    terms = tuple(dict.fromkeys([*terms, *([carried] if carried else [])]))
    return QueryPlan(
        question=question,
        query=query,
        subject=subject,
        focus=focus,
        thread=thread or anchor,
        follow_up=True,
        terms=terms,
        topics=topics,
        referent=referent,
        mentions=mentions,
        alternatives=tuple(a for a in alternatives if a != query),
        named_readings=named_readings,
        said=conversation.last_passages if conversation else (),
        asks=asking_sentence(resolved or question),
        kind=kind,
        age_group=group,
        typed=text,
    )
