"""The question-answering service: embedder, index, retriever and composer, loaded once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from actions.answer import Answer, compose_answer
from actions.embedding import TextEmbedder
from actions.index import KnowledgeIndex, load_or_build_index
from actions.retrieval import INTENT_TOPICS, Hit, HybridRetriever
from actions.settings import Settings, default_model_path, load_settings

logger = logging.getLogger(__name__)


class QuestionAnswerer:
    """Answers a question from the knowledge base; call `warm_up()` before serving traffic."""

    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or TextEmbedder(settings.model_path or default_model_path())
        self.index: KnowledgeIndex | None = None
        self.retriever: HybridRetriever | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model and the index (building it if the knowledge changed); idempotent."""
        with self._lock:
            if self.retriever is not None:
                return
            started = time.perf_counter()
            self.embedder.warm_up()
            self.index, built = load_or_build_index(
                self.settings.knowledge_dir,
                self.settings.index_dir,
                self.embedder,
                self.settings.split_length,
                self.settings.split_overlap,
            )
            self.retriever = HybridRetriever(self.index)
            logger.info(
                "knowledge index %s %s: %d chunks in %.1f s",
                self.index.key,
                "built" if built else "loaded",
                len(self.index),
                time.perf_counter() - started,
            )

    def search(
        self,
        question: str,
        intent: str | None = None,
        terms: Iterable[str] = (),
        top_k: int | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        self.warm_up()
        assert self.retriever is not None
        query_embedding = self.embedder.embed([question])[0]
        topics = [INTENT_TOPICS[intent]] if intent in INTENT_TOPICS else []
        return self.retriever.retrieve(
            question,
            query_embedding,
            topics=topics,
            terms=terms,
            top_k=top_k or self.settings.top_k,
            mode=mode,
        )

    def knows_words(self, text: str) -> bool:
        """True if a word of `text` (stop words aside) occurs anywhere in the knowledge base."""
        self.warm_up()
        assert self.retriever is not None
        return self.retriever.knows_words(text)

    def abstain_threshold(self, intent: str | None, confidence: float) -> float:
        """Similarity a passage needs: lower when the NLU is sure this is a question we cover."""
        if intent in INTENT_TOPICS and confidence >= self.settings.confident_intent:
            return self.settings.abstain_below_confident
        return self.settings.abstain_below

    def answer(
        self,
        question: str,
        intent: str | None = None,
        terms: Iterable[str] = (),
        confidence: float = 0.0,
    ) -> Answer:
        hits = self.search(question, intent, terms)
        threshold = self.abstain_threshold(intent, confidence)
        return compose_answer(hits, threshold, self.settings.max_answer_sentences)


FALLBACK_INTENT = "nlu_fallback"


def retrieval_intent(parse_data: dict[str, Any]) -> tuple[str | None, float]:
    """The best real intent of a parsed message and its confidence.

    Even when the FallbackClassifier overrode it, a low-confidence "ask_symptoms" is still the
    best hint of the topic that retrieval has.
    """
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    best = next((i for i in ranking if i.get("name") != FALLBACK_INTENT), {})
    return best.get("name"), float(best.get("confidence") or 0.0)


def entity_values(parse_data: dict[str, Any], entity: str | None = None) -> list[str]:
    """Entity values of a parsed message (canonical after synonym mapping), of one type or all."""
    return [
        str(e["value"])
        for e in parse_data.get("entities", [])
        if e.get("value") and entity in (None, e.get("entity"))
    ]


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


_service: QuestionAnswerer | None = None
_service_lock = threading.Lock()


def get_service() -> QuestionAnswerer:
    """The process-wide service, created on first use (never at import time)."""
    global _service
    with _service_lock:
        if _service is None:
            _service = QuestionAnswerer(load_settings())
        return _service
