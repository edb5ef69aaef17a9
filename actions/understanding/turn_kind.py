"""What kind of turn a message is, learnt from reviewable examples (nlu_data/turn_kinds.yml).

Read without the conversation, one message is one of:

- `new_question`: it stands on its own ("what causes mastocytosis?");
- `follow_up`: it leans on the last turn ("does it hurt?", "side effects?", "besides the rash?");
- `same_question_about`: the last question again, about something else ("and in children?");
- `about_person`: a new topic about someone already talked about ("can she still go swimming?");
- `acknowledgement`: thanks or agreement, no question ("brilliant, that's what I needed").

The planner (actions/understanding/planner.py) reads the kind with the NLU's entities to decide
whether a message continues the thread. The classifier is the project's `TextClassifier` (the
sentence embedding plus word and character n-grams), trained on the examples the first time the
service needs it and kept under build/ by the examples' hash, so a changed file retrains it.
`make eval` reports its cross-validated macro-F1 (scripts/eval_turn_kinds.py).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from actions.understanding.text_classifier import ClassifierConfig, TextClassifier

logger = logging.getLogger(__name__)

NEW_QUESTION = "new_question"
FOLLOW_UP = "follow_up"
SAME_QUESTION_ABOUT = "same_question_about"
ABOUT_PERSON = "about_person"
ACKNOWLEDGEMENT = "acknowledgement"
KINDS = (NEW_QUESTION, FOLLOW_UP, SAME_QUESTION_ABOUT, ABOUT_PERSON, ACKNOWLEDGEMENT)
# Kinds that read the message against the thread.
CONTINUES = frozenset({FOLLOW_UP, SAME_QUESTION_ABOUT, ABOUT_PERSON})

EXAMPLES_FILE = "turn_kinds.yml"
# The intent classifier's settings (config.yml): balanced, so that no kind wins by its size.
CONFIG = ClassifierConfig(C=30.0, embedding_weight=2.0, class_weight="balanced")

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class TurnKind:
    """A message's kind and the classifier's probability for it."""

    name: str
    confidence: float

    @property
    def continues(self) -> bool:
        """Whether the message is read against the thread."""
        return self.name in CONTINUES


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(example, kind) pairs from a turn-kinds file; a kind not in KINDS is an error."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("turn_kinds") or []:
        kind = block.get("kind")
        if kind not in KINDS:
            raise ValueError(f"{path}: unknown turn kind {kind!r}")
        for line in str(block.get("examples") or "").splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                pairs.append((text, kind))
    return pairs


def fit(pairs: list[tuple[str, str]], embed: Embed) -> TextClassifier:
    """A classifier trained on `pairs` with `embed`'s sentence embeddings."""
    texts = [text for text, _ in pairs]
    return TextClassifier(CONFIG).fit(texts, embed(texts), [kind for _, kind in pairs])


class TurnKinds:
    """Reads a message's kind; trained from `examples` on first use, cached in `cache_dir`.

    `embed` gives sentence embeddings; `model` names the model that makes them (the cache is
    kept per examples file and model, so a test's fake embedder never shares it).
    """

    def __init__(self, examples: Path, cache_dir: Path, embed: Embed, model: str) -> None:
        self.examples = examples
        self.cache_dir = cache_dir
        self.embed = embed
        self.model = model
        self._classifier: TextClassifier | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._classifier is not None:
                return
            content = self.examples.read_bytes() + self.model.encode()
            digest = hashlib.sha256(content).hexdigest()[:16]
            folder = self.cache_dir / digest
            if folder.exists():
                self._classifier = TextClassifier.load(folder)
                return
            self._classifier = fit(load_examples(self.examples), self.embed)
            self._classifier.save(folder)
            logger.info("turn-kind classifier trained from %s", self.examples.name)

    def read(self, text: str, embedding: np.ndarray | None = None) -> TurnKind:
        """The kind of `text`; `embedding` is its sentence embedding if already computed."""
        self.warm_up()
        assert self._classifier is not None
        vector = self.embed([text]) if embedding is None else embedding.reshape(1, -1)
        probabilities = self._classifier.predict_proba([text], vector)[0]
        best = int(np.argmax(probabilities))
        return TurnKind(self._classifier.classes[best], float(probabilities[best]))


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CLAUSE_END = re.compile(r"[,;:]\s+|\s+-+\s+")
# How sure the classifier must be that an opening is thanks before it is answered as thanks.
ACKNOWLEDGED = 0.6


def split_acknowledgement(text: str, read: Callable[[str], TurnKind]) -> tuple[str, str] | None:
    """(thanks, question) when a message opens with thanks and goes on to ask; else None.

    "great, thanks. and what about friction?" gives ("great, thanks.", "and what about
    friction?"). The opening is the first sentence, or the first clause of a one-sentence
    message; `read` gives a text's turn kind. A message that is all thanks gives (text, "").
    """
    whole = read(text)
    if whole.name == ACKNOWLEDGEMENT and whole.confidence >= ACKNOWLEDGED and "?" not in text:
        return text, ""
    for pattern in (SENTENCE_END, CLAUSE_END):
        parts = pattern.split(text.strip(), maxsplit=1)
        if len(parts) < 2 or not parts[1].strip():
            continue
        opening, rest = parts
        kind = read(opening)
        if kind.name == ACKNOWLEDGEMENT and kind.confidence >= ACKNOWLEDGED:
            if read(rest).name != ACKNOWLEDGEMENT:
                return opening, rest.strip()
            return text, ""
    return None
