"""The question-answering service: embedder, index, retriever and composer, loaded once."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from actions.answering.answerability import Vocabulary, assess
from actions.answering.composition import (
    Answer,
    Candidate,
    abstain,
    candidate_sentences,
    choose_sentences,
    compose_answer,
    not_again,
    passage_hits,
)
from actions.answering.foreign import foreign_words
from actions.knowledge_base.embedding import TextEmbedder
from actions.knowledge_base.index import KnowledgeIndex, load_or_build_index
from actions.retrieval.definitions import Definitions, properties_first
from actions.retrieval.forms import FORM, FormNames, lookup_names
from actions.retrieval.hybrid import INTENT_TOPICS, Hit, HybridRetriever
from actions.retrieval.ranking import addressing_first, asked_embedding, sought
from actions.settings import Settings, default_model_path, load_settings
from actions.understanding.focus import ATTRIBUTES, GENERIC, NEVER_MISSING, PEOPLE
from actions.understanding.planner import QueryPlan
from actions.understanding.thread import asked_words, asking_sentence
from actions.understanding.turn_kind import TurnKind, TurnKinds
from actions.understanding.turn_kind import examples as turn_kind_examples
from actions.understanding.unknowable import Unknowable, UnknowableKinds
from actions.understanding.unknowable import examples as unknowable_examples
from actions.understanding.words import stem

logger = logging.getLogger(__name__)

# A standalone question whose best passage is this close is not read with the thread as well.
CLEAR_MATCH = 0.7
READING_MARGIN = 0.03  # how much better a follow-up's reading without its thread must answer it
# What a later "it" may stand for besides the thread's subject: the tests, drugs and conditions
# the opening sentences of the answer name ("does it hurt?" after "how is SM confirmed?"). Such a
# reading must answer the message clearly better than the thread's subject does.
NAMED_KINDS = ("test", "drug", "condition")
NAMED_MARGIN = 0.25
OPENING_SENTENCES = 2


class QuestionAnswerer:
    """Answers a question from the knowledge base; call `warm_up()` before serving traffic."""

    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or TextEmbedder(
            settings.model_path or default_model_path(), cache_size=settings.embedding_cache_texts
        )
        self.index: KnowledgeIndex | None = None
        self.retriever: HybridRetriever | None = None
        self.vocabulary: Vocabulary | None = None
        self.forms: FormNames | None = None
        self.things: dict[str, FormNames] = {}
        self.definitions: Definitions | None = None
        model = (self.embedder.embed, self.embedder.fingerprint)
        self.turn_kinds = TurnKinds(
            turn_kind_examples(settings.nlu_dir), settings.classifiers_dir, *model
        )
        self.unknowable = UnknowableKinds(
            unknowable_examples(settings.nlu_dir), settings.classifiers_dir, *model
        )
        self._rows: dict[str, int] = {}
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
            self._rows = {chunk.id: row for row, chunk in enumerate(self.index.chunks)}
            self.vocabulary = Vocabulary.build(
                self.index.chunks,
                self.settings.nlu_dir,
                Path(self.embedder.model_path) / "vocab.txt",
                keep=GENERIC,
            )
            names = lookup_names(self.settings.nlu_dir, (FORM, *NAMED_KINDS))
            self.forms, self.things = names.pop(FORM), names
            self.definitions = Definitions(
                (self.forms, names["condition"]), (self.forms, *names.values())
            )
            self.retriever = HybridRetriever(self.index)
            self.turn_kinds.warm_up()
            self.unknowable.warm_up()
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
        return self._retrieve(question, intent, terms, top_k, mode)[0]

    def _retrieve(
        self,
        question: str,
        intent: str | None,
        terms: Iterable[str],
        top_k: int | None = None,
        mode: str = "hybrid",
        words: str | None = None,
    ) -> tuple[list[Hit], np.ndarray]:
        """Hits for `question`; the section classifier reads `words` if given.

        A follow-up is embedded and matched with what it leans on ("will she grow out of
        maculopapular cutaneous mastocytosis?"), but its own words ("will she grow out of it?")
        tell the section classifier which section it asks for: read whole, the subject's name
        would pick the section that defines the subject, again.
        """
        self.warm_up()
        assert self.retriever is not None and self.vocabulary is not None
        question = self.vocabulary.correct(question)
        query_embedding = self.embedder.embed([question])[0]
        topics = [INTENT_TOPICS[intent]] if intent in INTENT_TOPICS else []
        hits = self.retriever.retrieve(
            question,
            query_embedding,
            topics=topics,
            terms=terms,
            top_k=top_k or self.settings.top_k,
            mode=mode,
            section_text=self.vocabulary.correct(words) if words else None,
        )
        return hits, query_embedding

    def turn_kind(self, text: str) -> TurnKind:
        """What kind of turn `text` is (actions/understanding/turn_kind.py)."""
        self.warm_up()
        return self.turn_kinds.read(text)

    def reads_as_words(self, text: str) -> bool:
        """True if most words of `text` are English or the knowledge's ("still zzz" is not)."""
        self.warm_up()
        assert self.vocabulary is not None
        words = re.findall(r"[A-Za-z]{2,}", text)
        return sum(self.vocabulary.knows(word) for word in words) * 2 > len(words)

    def unknowable_kind(self, text: str) -> Unknowable | None:
        """The unknowable fact `text` asks for, if any (actions/understanding/unknowable.py)."""
        self.warm_up()
        return self.unknowable.kind(text)

    def sentences_of(self, hit: Hit) -> tuple[list[str], np.ndarray]:
        """A retrieved chunk's sentences and their embeddings, computed at index build."""
        assert self.index is not None
        return self.index.sentences_of(self._rows[hit.chunk.id])

    def knows_words(self, text: str) -> bool:
        """True if a word of `text` (stop words aside) is in the knowledge files.

        Their example questions count: "so is wine ok?" follows up triggers, and the file on
        triggers asks "my face goes red after a glass of wine".
        """
        self.warm_up()
        assert self.vocabulary is not None
        return self.vocabulary.writes(text)

    def abstain_threshold(self, intent: str | None, confidence: float) -> float:
        """Similarity a passage needs: lower when the NLU is sure this is a question we cover."""
        if intent in INTENT_TOPICS and confidence >= self.settings.confident_intent:
            return self.settings.abstain_below_confident
        return self.settings.abstain_below

    def answer(self, plan: QueryPlan, intent: str | None = None, confidence: float = 0.0) -> Answer:
        """Answer a planned question: its sentences, whether it can be answered, the reply."""
        threshold = self.abstain_threshold(intent, confidence)
        query, referent, hits, asked, similarity = self._best_reading(plan, intent, threshold)
        if not hits:
            return abstain([])
        assert self.vocabulary is not None
        hits = not_again(hits, plan.said)
        wanted = sought(plan)
        # "what is the outlook for ASM?" asks a property of the form: the passage that only says
        # what ASM is comes after the one on its outlook, for a first question as for a follow-up
        assert self.definitions is not None
        hits = properties_first(hits, self.definitions, plan.asks or plan.question, plan.said)
        if plan.follow_up:
            hits = addressing_first(hits, wanted)
        candidates = candidate_sentences(
            hits, self.sentences_of, asked, wanted, self._off_subject(plan)
        )
        chosen = choose_sentences(candidates, self.settings.max_answer_sentences)
        assessment = assess(
            plan.question,
            asked_words(plan.question, [w for w in plan.focus if w.lower() not in PEOPLE]),
            best_similarity=similarity,
            threshold=threshold,
            passages=" ".join(candidate.sentence for candidate in candidates),
            vocabulary=self.vocabulary,
            has_subject=bool(plan.subject),
            generic=NEVER_MISSING,
            unaddressed=self._unaddressed(plan, wanted, chosen),
            examples=" ".join(q for hit in passage_hits(hits) for q in hit.chunk.questions),
            # the message as typed: its embedding came with it from the NLU (no new one)
            cannot_know=self.unknowable.match(plan.typed or plan.question),
        )
        answer = compose_answer(chosen, assessment, plan.subject or "", hits)
        return replace(answer, query=query, referent=referent, names=self._names(plan, chosen))

    def _names(self, plan: QueryPlan, chosen: list[Candidate]) -> tuple[str, ...]:
        """The tests, drugs and conditions the answer opens with, other than its subject."""
        opening = " ".join(c.sentence for c in chosen[:OPENING_SENTENCES])
        asked = f"{plan.question} {plan.subject or ''}".lower()
        found = (n for kind in self.things.values() for n in kind.named_in_order(opening))
        return tuple(dict.fromkeys(n for n in found if n not in asked))

    def _best_reading(
        self, plan: QueryPlan, intent: str | None, threshold: float
    ) -> tuple[str, str | None, list[Hit], np.ndarray, float]:
        """The reading of the plan that answers the message best, and how well it matches.

        Returns the query searched, what "it" stands for in it if that is not the thread's
        subject, its hits, the embedding of the sentence that asks (the sentences of the answer
        are chosen against it), and the similarity that decides whether there is an answer at all.

        A follow-up's other reading ("can I still do sport with it?" without the thread on mast
        cells) is kept when the best sentence of its best passage fits the message itself (its
        embedding and focus words) better, by a margin: the thread's reading wins ties. The
        match reported is the best similarity any reading gave the chosen passage: "and the
        dentist? need a filling" matches the passage on dental care better as a question about
        mastocytosis than with the thread's "scan contrast dye". A reading of "it" as something
        the last answer named ("does bone marrow biopsy hurt?") is weighed the same way, against
        the message as typed ("does it hurt?").
        """
        own = plan.question if plan.follow_up else None
        # "how do doctors diagnose it?" after MCAS: the section classifier reads the condition too
        condition = any(v == plan.subject and e == "condition" for v, e in plan.mentions)
        if own and condition and plan.subject and plan.subject.lower() not in own.lower():
            own = f"{own} ({plan.subject})"
        hits, embedding = self._retrieve(plan.query, intent, plan.terms, words=own)
        asks = plan.asks or plan.question
        message = embedding if asks == plan.query else self.embedder.embed([asks])[0]
        others = [(r, None) for r in plan.alternatives] + list(plan.named_readings)
        # A question that stands alone and found a close passage needs no reading of the thread.
        if hits and not plan.follow_up and hits[0].dense >= CLEAR_MATCH:
            others = []
        if not others or not hits:
            similarity = hits[0].dense if hits else 0.0
            return plan.query, None, hits, asked_embedding(embedding, message), similarity
        typed = asking_sentence(plan.question)
        fit_to = message if typed == asks else self.embedder.embed([typed])[0]
        readings = [(plan.query, None, hits, embedding)]
        readings += [
            (r, referent, *self._retrieve(r, intent, plan.terms, words=own))
            for r, referent in others
        ]
        # A reading whose best passage is too far to answer (below `threshold`) cannot win,
        # unless none can.
        close = [reading for reading in readings if reading[2] and reading[2][0].dense >= threshold]
        readings = close or [reading for reading in readings if reading[2]]
        fits = [
            self._fit(found, fit_to, plan.focus) - (NAMED_MARGIN if referent else 0.0)
            for _, referent, found, _ in readings
        ]
        fits[0] += READING_MARGIN
        query, referent, hits, found_with = readings[int(np.argmax(fits))]
        if referent:  # the sentence that asks, with "it" written as what it stood for
            message, embedding = self.embedder.embed([asking_sentence(query)])[0], found_with
        top = hits[0].chunk.id
        similarity = max(h.dense for *_, found, _ in readings for h in found if h.chunk.id == top)
        return query, referent, hits, asked_embedding(embedding, message), similarity

    def _unaddressed(
        self, plan: QueryPlan, wanted: tuple[str, ...], chosen: list[Candidate]
    ) -> list[str]:
        """Sought words the knowledge never uses and the chosen sentences do not address.

        `wanted` are the plan's sought focus words; whether the sentences address one is decided
        in actions/answering/foreign.py. Misspellings, words the files use, people and kinds of fact
        ("downsides?", which the files word as "risks") never are candidates.
        """
        assert self.vocabulary is not None
        words = [
            w
            for w in self.vocabulary.unwritten(asked_words(plan.question, list(wanted)))
            if w.lower() not in PEOPLE and stem(w.lower()) not in ATTRIBUTES
        ]
        if not words or not chosen:
            return []
        sentences = np.vstack([self.sentences_of(c.hit)[1][c.position] for c in chosen])
        return foreign_words(plan.query, words, sentences, self.embedder.embed)

    def _off_subject(self, plan: QueryPlan) -> Callable[[str], bool]:
        """Tells sentences about another form of mastocytosis than the plan's question."""
        assert self.forms is not None
        forms, asked = self.forms, self.forms.named_in(f"{plan.question} {plan.subject or ''}")
        return lambda sentence: forms.off_subject(asked, sentence)

    def _fit(self, hits: list[Hit], embedding: np.ndarray, focus: Iterable[str]) -> float:
        scored = candidate_sentences(hits[:1], self.sentences_of, embedding, focus)
        return max((candidate.score for candidate in scored), default=-1.0)


_service: QuestionAnswerer | None = None
_service_lock = threading.Lock()


def get_service() -> QuestionAnswerer:
    """The process-wide service, created on first use (never at import time)."""
    global _service
    with _service_lock:
        if _service is None:
            _service = QuestionAnswerer(load_settings())
        return _service
