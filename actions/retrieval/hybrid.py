"""Hybrid retrieval: dense similarity plus BM25, re-ranked by the topic the NLU recognised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from actions.knowledge_base.documents import Chunk
from actions.knowledge_base.index import KnowledgeIndex
from actions.understanding.words import tokenize

# Which knowledge topic each question intent is about; the retriever favours chunks on that topic.
INTENT_TOPICS: dict[str, str] = {
    "ask_what_is": "overview",
    "ask_mast_cells": "mast_cells",
    "ask_causes": "causes",
    "ask_genetics": "genetics",
    "ask_symptoms": "symptoms",
    "ask_skin_signs": "skin",
    "ask_types": "types",
    "ask_diagnosis": "diagnosis",
    "ask_treatment": "treatment",
    "ask_triggers": "triggers",
    "ask_anaphylaxis": "anaphylaxis",
    "ask_prognosis": "prognosis",
    "ask_prevalence": "prevalence",
    "ask_children": "children",
    "ask_related_conditions": "related",
    "ask_living_with": "living",
}

MODES = ("hybrid", "dense", "lexical")
MAX_KEPT_TERMS = 1024  # entity values whose mentions `term_scores` keeps


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its combined `score` and the two signals behind it."""

    chunk: Chunk
    score: float
    dense: float
    lexical: float


class HybridRetriever:
    """Ranks chunks of a `KnowledgeIndex` for a query whose embedding the caller computed."""

    def __init__(
        self,
        index: KnowledgeIndex,
        dense_weight: float = 0.9,
        lexical_weight: float = 0.2,
        topic_boost: float = 0.05,
        term_boost: float = 0.03,
        max_term_share: float = 0.15,
        section_weight: float = 0.8,
    ) -> None:
        if len(index) == 0:
            raise ValueError("cannot retrieve from an empty index")
        if dense_weight < 0 or lexical_weight < 0 or dense_weight + lexical_weight == 0:
            raise ValueError("weights must be non-negative and not both zero")
        self.index = index
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.topic_boost = topic_boost
        self.term_boost = term_boost
        self.max_term_share = max_term_share
        self.section_weight = section_weight
        classifier = index.section_classifier
        columns = (
            {section: column for column, section in enumerate(classifier.classes)}
            if (classifier is not None)
            else {}
        )
        # Row i's section probability is column _section_columns[i] of the classifier's output:
        # every chunk of a long section gets the section's probability.
        self._section_columns = (
            np.array([columns[chunk.section] for chunk in index.chunks], dtype=np.int64)
            if columns and all(chunk.section in columns for chunk in index.chunks)
            else None
        )
        # The example questions grouped by the chunk they belong to, for `dense_scores`.
        self._by_owner = np.argsort(index.question_owner, kind="stable")
        self._owners, self._owner_starts = np.unique(
            index.question_owner[self._by_owner], return_index=True
        )
        # What `topic_scores` and `term_scores` computed, by topics and by term: they depend
        # on the chunks only, and the same few topics and entities come back question after
        # question.
        self._topic_boosts: dict[frozenset[str], np.ndarray] = {}
        self._term_mentions: dict[str, np.ndarray] = {}
        self._bm25 = bm25s.BM25()
        corpus_tokens = [tokenize(chunk.embedding_text()) or ["_"] for chunk in index.chunks]
        self._bm25.index(corpus_tokens, show_progress=False)
        self._texts = [chunk.embedding_text().lower() for chunk in index.chunks]

    def dense_scores(self, query_embedding: np.ndarray) -> np.ndarray:
        """Cosine similarity to each chunk: the better of its text and its example questions."""
        dense = self.index.corpus_embeddings @ query_embedding
        if len(self.index.question_embeddings):
            by_question = self.index.question_embeddings @ query_embedding
            # Each owner's best question (`np.maximum.at`, without its per-element cost).
            best = np.maximum.reduceat(by_question[self._by_owner], self._owner_starts)
            dense[self._owners] = np.maximum(dense[self._owners], best)
        return dense

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 scores scaled to [0, 1] by the best score for this query."""
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(len(self.index), dtype=np.float32)
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
        best = float(scores.max())
        return scores / best if best > 0 else scores

    def section_scores(self, query: str, query_embedding: np.ndarray) -> np.ndarray:
        """The section classifier's probability that each chunk answers the query (or zeros)."""
        if self._section_columns is None:
            return np.zeros(len(self.index), dtype=np.float32)
        classifier = self.index.section_classifier
        probabilities = classifier.predict_proba([query], query_embedding[None])[0]
        return probabilities[self._section_columns].astype(np.float32)

    def topic_scores(self, topics: Sequence[str]) -> np.ndarray:
        """Full boost when the chunk's primary topic matches, half when a secondary one does."""
        wanted = frozenset(topics)
        if wanted not in self._topic_boosts:
            self._topic_boosts[wanted] = self._topic_boosts_for(wanted)
        return self._topic_boosts[wanted]

    def _topic_boosts_for(self, wanted: frozenset[str]) -> np.ndarray:
        boosts = np.zeros(len(self.index), dtype=np.float32)
        for row, chunk in enumerate(self.index.chunks):
            if chunk.topics and chunk.topics[0] in wanted:
                boosts[row] = self.topic_boost
            elif wanted.intersection(chunk.topics):
                boosts[row] = self.topic_boost / 2
        boosts.flags.writeable = False  # shared by every later call with these topics
        return boosts

    def term_scores(self, terms: Iterable[str]) -> np.ndarray:
        """Boost chunks that mention the entities the NLU extracted (e.g. the form asked about).

        A term found in more than `max_term_share` of the chunks says little about which chunk
        answers ("systemic mastocytosis" is everywhere) and gets no boost.
        """
        boosts = np.zeros(len(self.index), dtype=np.float32)
        for term in {t.lower() for t in terms if t and t.strip()}:
            mentions = self._mentions(term)
            if mentions.mean() <= self.max_term_share:
                boosts += self.term_boost * mentions
        return boosts

    def _mentions(self, term: str) -> np.ndarray:
        """Which chunks mention `term` (lower case); kept for the next question naming it."""
        mentions = self._term_mentions.get(term)
        if mentions is None:
            mentions = np.array([term in text for text in self._texts])
            mentions.flags.writeable = False
            if len(self._term_mentions) >= MAX_KEPT_TERMS:
                self._term_mentions.clear()
            self._term_mentions[term] = mentions
        return mentions

    def retrieve(
        self,
        query: str,
        query_embedding: np.ndarray,
        topics: Sequence[str] = (),
        terms: Iterable[str] = (),
        top_k: int = 5,
        mode: str = "hybrid",
        section_text: str | None = None,
    ) -> list[Hit]:
        """Return the `top_k` best hits, best first. `mode` selects a baseline for evaluation.

        `section_text` is what the section classifier reads, if not the query.
        """
        if top_k <= 0:
            raise ValueError("top_k must be positive")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        terms = list(terms)
        query_embedding = np.asarray(query_embedding, dtype=np.float32)
        dense = self.dense_scores(query_embedding)
        # Canonical entity values ("pregnancy" for "pregnant", "epinephrine" for "epipen") let
        # BM25 match the wording of the knowledge files.
        lexical = self.lexical_scores(" ".join([query, *terms]))
        if mode == "dense":
            combined = dense
        elif mode == "lexical":
            combined = lexical
        else:
            combined = (
                self.dense_weight * dense
                + self.lexical_weight * lexical
                + self.section_weight * self.section_scores(section_text or query, query_embedding)
                + self.topic_scores(topics)
                + self.term_scores(terms)
            )
        order = np.argsort(-combined, kind="stable")[:top_k]
        return [
            Hit(self.index.chunks[i], float(combined[i]), float(dense[i]), float(lexical[i]))
            for i in order
        ]
