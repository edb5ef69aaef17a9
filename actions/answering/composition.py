"""Compose a short, sourced answer from the sentences that answer the question, or abstain.

The sentences come from the best passages (`candidate_sentences`); each is scored by its
embedding's cosine with the question (computed when the index is built) plus its overlap with
the question's focus words. The answer puts the best sentence first and the rest in reading
order, at most `max_sentences`, and cites the sources of the passages the sentences came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from actions.answering.answerability import ABSTAINED, ANSWERED, PARTIAL, Assessment
from actions.knowledge_base.documents import is_emergency_steps
from actions.retrieval.hybrid import Hit
from actions.understanding.words import stems_of, tokenize

# Between an answer and its sources: a paragraph break in Markdown, but not the "\n\n" on which
# Rasa's output channels split a reply into separate messages (sources stay with their answer).
SOURCES_BREAK = "\n \n"
ABSTAIN_TEXT = (
    "I don't know that: I could not find it in the sources I rely on, and I would rather not guess."
)
FOCUS_WEIGHT = 0.15  # a sentence naming every focus word gains this much over its cosine
RANK_PENALTY = 0.05  # per place a passage is below the best one
HEADING_SHARE = 0.5  # a focus word in the passage's heading counts half as much as in the sentence
OFF_SUBJECT_PENALTY = 0.15  # a sentence on smoldering SM, for a question on aggressive SM
SAID_PENALTY = 0.1  # a passage the last answer was made of, for a follow-up
KEEP_WITHIN = 0.1  # sentences of other passages this close to the best one's score are kept
PASSAGE_MARGIN = 0.15  # passages this close to the best one's score give sentences
# The chunk id suffixes actions/knowledge_base/documents.py writes ("-1", "-x").
CHUNK_PART = re.compile(r"(?:-(\d+))?(?:-x)*")
# A sentence that opens by pointing back ("It is not licensed for mastocytosis") cannot open an
# answer alone: the sentences before it in its passage, up to `MAX_LEAD_IN`, come first.
LEANS_BACK = re.compile(
    r"^(?:it|its|they|their|them|these|this|those|that|such|both|he|she|however|but|also|"
    r"for (?:that|this) reason|in (?:that|this) case)\b",
    re.IGNORECASE,
)
MAX_LEAD_IN = 2


@dataclass(frozen=True)
class Answer:
    """What the assistant says, and which chunks and sources it said it from."""

    text: str
    sources: list[dict[str, str]] = field(default_factory=list)
    chunk_ids: list[str] = field(default_factory=list)
    nearest: list[str] = field(default_factory=list)  # an abstention's closest chunks
    outcome: str = ANSWERED
    missing: str = ""
    query: str = ""  # what was searched to find it
    referent: str | None = None  # what "it" stood for in the reading answered, if not the thread's
    names: tuple[str, ...] = ()  # tests, drugs and conditions the answer's opening names
    heading: str = ""  # the heading of the passage the answer opens with

    @property
    def abstained(self) -> bool:
        return self.outcome == ABSTAINED


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved passage, with its score for this question."""

    sentence: str
    score: float
    hit_rank: int
    position: int
    hit: Hit


SentencesOf = Callable[[Hit], tuple[list[str], np.ndarray]]


def _normalise(sentence: str) -> str:
    return re.sub(r"\W+", " ", sentence.lower()).strip()


def not_again(hits: list[Hit], said: Iterable[str]) -> list[Hit]:
    """The hits re-ranked with the passages of the last answer `SAID_PENALTY` lower.

    A follow-up asks for something more: "will she grow out of it?" after "what is urticaria
    pigmentosa?" is not answered by the passage that said what it is, however much both name it.
    """
    said = set(said)
    if not said:
        return hits
    lowered = [replace(h, score=h.score - SAID_PENALTY) if h.chunk.id in said else h for h in hits]
    return sorted(lowered, key=lambda h: -h.score)


def passage_hits(hits: list[Hit], limit: int = 3) -> list[Hit]:
    """Where sentences come from: the best hit and those scoring nearly as well."""
    best = hits[0].score
    return [hit for hit in hits[:limit] if best - hit.score <= PASSAGE_MARGIN]


def candidate_sentences(
    hits: list[Hit],
    sentences_of: SentencesOf,
    query_embedding: np.ndarray,
    focus: Iterable[str],
    off_subject: Callable[[str], bool] | None = None,
) -> list[Candidate]:
    """Every sentence of the passage hits, scored against the question, without repeats.

    `off_subject` tells a sentence about another form of mastocytosis than the one asked about
    (actions/retrieval/forms.py); such a sentence loses `OFF_SUBJECT_PENALTY`.
    """
    focus_stems = set(tokenize(" ".join(focus)))
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for rank, hit in enumerate(passage_hits(hits)):
        sentences, embeddings = sentences_of(hit)
        # The heading says what the whole passage is about ("Outlook for advanced ...").
        heading = focus_stems & stems_of(hit.chunk.heading)
        cosines = embeddings @ query_embedding if len(embeddings) else [hit.dense] * len(sentences)
        for position, (sentence, cosine) in enumerate(zip(sentences, cosines, strict=True)):
            key = _normalise(sentence)
            if key in seen:
                continue
            seen.add(key)
            named = focus_stems & stems_of(sentence)
            overlap = (len(named) + HEADING_SHARE * len(heading - named)) / max(len(focus_stems), 1)
            score = float(cosine) + FOCUS_WEIGHT * overlap - RANK_PENALTY * rank
            if off_subject is not None and off_subject(sentence):
                score -= OFF_SUBJECT_PENALTY
            candidates.append(Candidate(sentence, score, rank, position, hit))
    return candidates


def choose_sentences(candidates: list[Candidate], max_sentences: int) -> list[Candidate]:
    """The best sentence first, then the others that address the question, in reading order.

    A best sentence that points back ("It is not licensed ...") opens after the sentences of its
    passage it points to (`lead_in`).

    A passage is written to be read whole, and a sentence that states the answer (a number, a
    list) is often less like the question than one that repeats it, so the best sentence's own
    passage is kept whole. One other passage, of the same section, may add sentences nearly as
    good as the best: an answer made of sentences from unrelated passages reads as a mash-up
    (the outlook of smouldering SM beside advice on searching for trials), which a patient cannot
    tell from an answer.
    """
    if max_sentences <= 0:
        raise ValueError("max_sentences must be positive")
    if not candidates:
        return []
    # The emergency steps are never chosen by their score: they come with their passage and the
    # sentence that says when they apply (`with_emergency_steps`), and never open an answer.
    ranked = sorted(
        (c for c in candidates if not is_emergency_steps(c.sentence)), key=lambda c: -c.score
    )
    if not ranked:
        return []
    best = ranked[0]

    section = best.hit.chunk.section

    def close(candidate: Candidate) -> bool:
        own = candidate.hit is best.hit
        return own or best.score - candidate.score <= KEEP_WITHIN

    def reading_order(candidate: Candidate) -> tuple[bool, int, int, int]:
        chunk = candidate.hit.chunk
        part = chunk_part(chunk.id, chunk.section)
        other = chunk.section != section
        return (other, candidate.hit_rank if other else 0, part, candidate.position)

    lead = [*lead_in(best, candidates, min(MAX_LEAD_IN, max_sentences - 1)), best]
    taken = {id(c) for c in lead}
    near = [c for c in ranked[1:] if id(c) not in taken and close(c)]
    other = next(
        (c.hit for c in near if c.hit is not best.hit and c.hit.chunk.section == section), None
    )
    kept = [c for c in near if c.hit is best.hit or c.hit is other][: max_sentences - len(lead)]
    return with_emergency_steps([*lead, *sorted(kept, key=reading_order)])


def with_emergency_steps(chosen: list[Candidate]) -> list[Candidate]:
    """The chosen sentences, plus the emergency steps when a passage they come from carries them.

    A passage that tells someone to act on a reaction is never shown without the whole sequence
    (knowledge/shared/emergency-steps.md), nor the steps without the sentence that says when they
    apply ("If a child becomes pale or floppy, treat it as anaphylaxis:"). They follow the chosen
    sentence of their passage that comes before them, so the answer still opens with what was asked.
    """
    if any(is_emergency_steps(c.sentence) for c in chosen):
        return chosen
    for candidate in chosen:
        hit = candidate.hit
        sentences = list(hit.chunk.meta.get("sentences") or [])
        at = next((n for n, s in enumerate(sentences) if is_emergency_steps(s)), None)
        if at is None:
            continue
        block = [Candidate(sentences[at], candidate.score, candidate.hit_rank, at, hit)]
        said = {c.sentence for c in chosen}
        if at > 0 and sentences[at - 1].endswith(":") and sentences[at - 1] not in said:
            block.insert(
                0, Candidate(sentences[at - 1], candidate.score, candidate.hit_rank, at - 1, hit)
            )
        own = [n for n, c in enumerate(chosen) if c.hit is hit]
        before = [n for n in own if chosen[n].position < block[0].position]
        place = (before or own)[-1] + 1
        return [*chosen[:place], *block, *chosen[place:]]
    return chosen


def join_sentences(sentences: list[str]) -> str:
    """Sentences as one paragraph, with the numbered emergency steps on lines of their own."""
    text = ""
    for sentence in sentences:
        steps = is_emergency_steps(sentence)
        if text:
            text += "\n" if steps or text.endswith("\n") else " "
        text += sentence + ("\n" if steps else "")
    return text.rstrip("\n")


def lead_in(best: Candidate, candidates: list[Candidate], limit: int) -> list[Candidate]:
    """The sentences a best sentence that points back needs before it, in reading order.

    "It is not licensed for mastocytosis, so it is used off-label" opens with what "it" is:
    "Omalizumab (Xolair) is an antibody that ...".
    """
    own = {c.position: c for c in candidates if c.hit is best.hit}
    lead: list[Candidate] = []
    first = best
    while LEANS_BACK.match(first.sentence) and len(lead) < limit:
        before = own.get(first.position - 1)
        if before is None or is_emergency_steps(before.sentence):
            break  # the steps come only with their own lead-in (`with_emergency_steps`)
        lead.insert(0, before)
        first = before
    return lead


def chunk_part(chunk_id: str, section: str) -> int:
    """Which chunk of its section a chunk is: 0 for "x#heading", 2 for "x#heading-2"."""
    match = CHUNK_PART.fullmatch(chunk_id[len(section) :]) if chunk_id.startswith(section) else None
    return int(match.group(1)) if match and match.group(1) else 0


def format_sources(sources: list[dict[str, str]], limit: int = 3) -> str:
    """Markdown links to the first `limit` sources (a file lists its main sources first)."""
    links = [f"[{source['title']}]({source['url']})" for source in sources[:limit]]
    label = "Source" if len(links) == 1 else "Sources"
    return f"{label}: " + "; ".join(links)


def compose_answer(
    chosen: list[Candidate], assessment: Assessment, about: str, nearest: list[Hit]
) -> Answer:
    """The reply for an assessed question: an answer, a partial answer, or an abstention."""
    if assessment.outcome == ABSTAINED or not chosen:
        return abstain(nearest, assessment)
    sources: list[dict[str, str]] = []
    used: list[str] = []
    for candidate in chosen:
        if candidate.hit.chunk.id not in used:
            used.append(candidate.hit.chunk.id)
            sources.extend(s for s in candidate.hit.chunk.sources if s not in sources)
    body = join_sentences([candidate.sentence for candidate in chosen])
    about = about or chosen[0].hit.chunk.heading.lower()
    if assessment.outcome == PARTIAL:
        body = f"{gap_sentence(assessment)} What I can tell you about {about}: {body}"
    return Answer(
        text=body + SOURCES_BREAK + format_sources(sources),
        sources=sources,
        chunk_ids=used,
        outcome=assessment.outcome,
        missing=assessment.missing or (assessment.unknowable.kind if assessment.unknowable else ""),
        heading=chosen[0].hit.chunk.heading,
    )


def gap_sentence(assessment: Assessment) -> str:
    """One sentence naming what is missing, or what the assistant cannot know."""
    if assessment.unknowable:
        known = assessment.unknowable
        return f"I can't know {known.what}: {known.where}."
    return f"I don't have information on {assessment.missing}."


def abstain(hits: list[Hit], assessment: Assessment | None = None) -> Answer:
    """Say plainly what is not known, and offer the nearest topics instead."""
    titles: list[str] = []
    for hit in hits[:3]:
        if hit.chunk.title not in titles:
            titles.append(hit.chunk.title)
    if assessment and (assessment.missing or assessment.unknowable):
        text = gap_sentence(assessment)
        if not assessment.unknowable:
            text = text[:-1] + " in the sources I rely on, and I would rather not guess."
    else:
        text = ABSTAIN_TEXT
    if titles:
        text += " Topics I can help with that may be close: " + "; ".join(titles) + "."
    text += " For questions about your own situation, please ask your doctor or specialist."
    missing = ""
    if assessment:
        missing = assessment.missing or (
            assessment.unknowable.kind if assessment.unknowable else ""
        )
    return Answer(
        text=text,
        nearest=[hit.chunk.id for hit in hits[:3]],
        outcome=ABSTAINED,
        missing=missing,
    )
