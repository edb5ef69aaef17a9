"""Compose a short, sourced answer from retrieved passages, or abstain when they are too weak."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from actions.retrieval import Hit

# Between an answer and its sources: a paragraph break in Markdown, but not the "\n\n" on which
# Rasa's output channels split a reply into separate messages (sources stay with their answer).
SOURCES_BREAK = "\n \n"
ABSTAIN_TEXT = (
    "I don't know that: I could not find it in the sources I rely on, and I would rather not guess."
)


@dataclass(frozen=True)
class Answer:
    """What the assistant says, and which chunks and sources it said it from."""

    text: str
    sources: list[dict[str, str]] = field(default_factory=list)
    chunk_ids: list[str] = field(default_factory=list)
    abstained: bool = False
    nearest: list[str] = field(default_factory=list)  # an abstention's closest chunks


def _normalise(sentence: str) -> str:
    return re.sub(r"\W+", " ", sentence.lower()).strip()


def select_hits(hits: list[Hit], close_margin: float = 0.04) -> list[Hit]:
    """The best hit, plus hits that score nearly as well on the same document, best first."""
    best = hits[0]
    chosen = [best]
    for hit in hits[1:]:
        same_doc = hit.chunk.meta.get("doc_id") == best.chunk.meta.get("doc_id")
        if same_doc and best.score - hit.score <= close_margin:
            chosen.append(hit)
    return chosen


def format_sources(sources: list[dict[str, str]], limit: int = 3) -> str:
    """Markdown links to the first `limit` sources (a file lists its main sources first)."""
    links = [f"[{source['title']}]({source['url']})" for source in sources[:limit]]
    label = "Source" if len(links) == 1 else "Sources"
    return f"{label}: " + "; ".join(links)


def compose_answer(hits: list[Hit], abstain_below: float, max_sentences: int = 5) -> Answer:
    """Answer from the best passages: no repeated sentence, `max_sentences` at most, sources."""
    if max_sentences <= 0:
        raise ValueError("max_sentences must be positive")
    if not hits or hits[0].dense < abstain_below:
        return abstain(hits)
    sentences: list[str] = []
    seen: set[str] = set()
    sources: list[dict[str, str]] = []
    used: list[str] = []
    for hit in select_hits(hits):
        fresh = [
            s
            for s in hit.chunk.meta.get("sentences", [hit.chunk.text])
            if _normalise(s) not in seen
        ]
        room = max_sentences - len(sentences)
        if not fresh or room <= 0:
            continue
        for sentence in fresh[:room]:
            seen.add(_normalise(sentence))
            sentences.append(sentence)
        used.append(hit.chunk.id)
        sources.extend(s for s in hit.chunk.sources if s not in sources)
    text = " ".join(sentences) + SOURCES_BREAK + format_sources(sources)
    return Answer(text=text, sources=sources, chunk_ids=used)


def abstain(hits: list[Hit]) -> Answer:
    """Say plainly that the answer is not known, and offer the nearest topics instead."""
    titles: list[str] = []
    for hit in hits[:3]:
        if hit.chunk.title not in titles:
            titles.append(hit.chunk.title)
    text = ABSTAIN_TEXT
    if titles:
        text += " Topics I can help with that may be close: " + "; ".join(titles) + "."
    text += " For questions about your own situation, please ask your doctor or specialist."
    return Answer(text=text, abstained=True, nearest=[hit.chunk.id for hit in hits[:3]])
