"""What a follow-up takes from the conversation: the thread's words and what an answer leaves.

`remember` turns an answered plan into the conversation state; `thread_words` and
`topic_words` say which of the thread's words a follow-up is searched with; `asking_sentence`
finds the sentence of a message that asks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from actions.understanding.context import POINTS_BACK
from actions.understanding.focus import ATTRIBUTES, WORD, focus_words
from actions.understanding.state import ConversationState
from actions.understanding.words import STOPWORDS, stem, tokenize

if TYPE_CHECKING:
    from actions.answering.composition import Answer
    from actions.understanding.planner import QueryPlan


def thread_words(thread: str, subject: str | None) -> str:
    """What a follow-up is searched with: the thread's subject and focus words.

    "what's the treatment for smoldering SM?" gives "smoldering systemic mastocytosis
    treatment": the subject keeps retrieval on the right form, the other words on the right kind
    of fact, without the thread's filler.
    """
    words = [w for w in focus_words(thread) if not subject or w.lower() not in subject.lower()]
    return " ".join([subject, *words] if subject else words) or thread


def topic_words(thread: str, subject: str | None, passages: str) -> tuple[str, ...]:
    """The thread's words that its answer also uses: what the thread was about.

    "I have SM and I'm booked for a hip replacement. is general anaesthesia safe for me?",
    answered from the passage on surgery, gives ("anaesthesia", "safe"): "booked" and "hip" are
    the person's circumstances, and carried into every follow-up they would pull retrieval back
    to whatever passage mentions them. A thread of only generic words ("what is a mast cell?")
    keeps its plain content words ("mast", "cell").
    """
    used = set(tokenize(passages))
    words = focus_words(thread) or [w for w in WORD.findall(thread) if w.lower() not in STOPWORDS]
    named = set(tokenize(subject or ""))
    found = [
        w for w in words if (stems := set(tokenize(w))) and stems <= used and not stems <= named
    ]
    return tuple(dict.fromkeys(found))


def _unique(words: list[str]) -> tuple[str, ...]:
    """Each word once, whatever its case ("Travel" from a heading, "travel" from a question)."""
    kept: dict[str, str] = {}
    for word in words:
        kept.setdefault(word.lower(), word)
    return tuple(kept.values())


MAX_THREAD_CHARS = 200  # a long first message is cut before it is carried into follow-ups
MAX_TOPICS = 6


def read_alone(question: str) -> str:
    """A follow-up's reading without the thread: a question about mastocytosis in general."""
    return f"{question} (mastocytosis)"


def remember(
    plan: QueryPlan,
    passages: str,
    named: tuple[str, ...] = (),
    referent: str | None = None,
    searched: str = "",
    heading: str = "",
) -> ConversationState:
    """What the next message's plan needs of this answered one: the conversation state.

    `named` are the tests, drugs and conditions the answer opened with, which a later "it" may
    stand for; `referent` is what "it" stood for in the reading that was answered, when that was
    one of the last answer's names rather than the thread's subject. `searched` is the reading
    that was answered: a follow-up answered without the thread ("he also has knee surgery next
    month, what should he tell the hospital?" after a question on wine) starts a thread of its
    own, so "would he need to take anything beforehand?" is about the surgery. `heading` is the
    answer's passage's heading: the topic of a thread whose words name none ("can you take both
    at the same time?" answered from the passage on antihistamines), so "and for kids?" stays on it.
    """
    alone = plan.follow_up and searched in (plan.question, read_alone(plan.question))
    thread = plan.question[:MAX_THREAD_CHARS] if alone else plan.thread
    if plan.follow_up and not alone:
        # the thread's topics, and what this follow-up asked that its answer used ("what are the
        # major and minor criteria?" adds "criteria" for "so how many do you need?")
        added = topic_words(plan.question, plan.subject, passages)
        topics = _unique([*plan.topics, *added])[:MAX_TOPICS]
    else:
        topics = topic_words(thread, plan.subject, passages)
    if not topics and heading:
        topics = topic_words(heading, plan.subject, heading)[:MAX_TOPICS]
    return ConversationState(
        last_question=searched,
        thread=thread,
        subject=plan.subject,
        referent=referent or plan.referent,
        mentions=plan.mentions,
        thread_topics=tuple(topics),
        last_named=tuple(named),
        last_heading=heading,
        age_group=plan.age_group,
    )


def after_answer(plan: QueryPlan, answer: Answer, intent: str | None) -> ConversationState:
    """The conversation state once `answer` has answered `plan` under `intent`."""
    state = remember(plan, answer.text, answer.names, answer.referent, answer.query, answer.heading)
    return replace(
        state,
        last_passages=tuple(answer.chunk_ids),
        last_sources=tuple(source["url"] for source in answer.sources),
        question_kind=intent,
    )


SENTENCE_END = re.compile(r"(?<=[?!.])\s+")


def asking_sentence(question: str) -> str:
    """The sentence of a message that asks: its last question, or else its last sentence.

    "my son is 6 and has urticaria pigmentosa. what should his school know?" asks about school;
    the form is the context, which retrieval already used to find the passages.
    """
    sentences = [s for s in SENTENCE_END.split(question.strip()) if len(tokenize(s)) > 0]
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    return (asking or sentences or [question])[-1]


def asked_words(question: str, words: list[str]) -> list[str]:
    """Those of `words` that the sentence that asks holds, unless it leans on the rest.

    "my son has mastocytosis and needs his tonsils out. is a general anaesthetic safe for him?"
    asks about the anaesthetic: the tonsils are why, and never what the answer lacks. "I take
    CBD oil. is it safe?" points back ("it"), and "my doctor suggested rupatadine. what are the
    side effects?" asks only a kind of fact, so every word of the message counts.
    """
    asking = asking_sentence(question)
    own_topic = any(stem(w.lower()) not in ATTRIBUTES for w in focus_words(asking))
    if asking.strip() == question.strip() or POINTS_BACK.search(asking) or not own_topic:
        return words
    inside = set(tokenize(asking))
    return [word for word in words if set(tokenize(word)) & inside]
