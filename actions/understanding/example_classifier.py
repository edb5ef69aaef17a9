"""A classifier over one reviewable YAML file of examples, the way Rasa's NLU learns intents.

A file names its kinds under one top-level key (Rasa ignores keys other than its own):

    unknowable_kinds:
    - kind: price
      examples: |
        - how much does a private tryptase test cost?

`ExampleClassifier` trains the project's `TextClassifier` (the sentence embedding plus word and
character n-grams) on them the first time it is asked, and keeps the weights under a cache
folder named by the hash of the file and the embedding model, so a changed file or model
retrains it and nothing else does. The turn kinds (turn_kind.py) and the unknowable kinds
(unknowable.py) are two such files; scripts/eval_classifiers.py cross-validates each.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from actions.understanding.text_classifier import ClassifierConfig, TextClassifier

logger = logging.getLogger(__name__)

# The intent classifier's settings (config.yml): balanced, so that no kind wins by its size.
CONFIG = ClassifierConfig(C=30.0, embedding_weight=2.0, class_weight="balanced")

Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Reading:
    """A text's kind and the classifier's probability for it."""

    name: str
    confidence: float


@dataclass(frozen=True)
class ExampleFile:
    """Where a classifier's examples are, the key that holds them, and the kinds allowed."""

    path: Path
    key: str
    kinds: tuple[str, ...]

    def load(self) -> list[tuple[str, str]]:
        """(example, kind) pairs; a kind not in `kinds` is an error."""
        data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        pairs = []
        for block in data.get(self.key) or []:
            kind = block.get("kind")
            if kind not in self.kinds:
                raise ValueError(f"{self.path}: unknown kind {kind!r}")
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    pairs.append((text, kind))
        return pairs


def fit(pairs: Iterable[tuple[str, str]], embed: Embed) -> TextClassifier:
    """A classifier trained on `pairs` with `embed`'s sentence embeddings."""
    pairs = list(pairs)
    texts = [text for text, _ in pairs]
    return TextClassifier(CONFIG).fit(texts, embed(texts), [kind for _, kind in pairs])


class ExampleClassifier:
    """Reads a text's kind; trained from `examples` on first use, cached in `cache_dir`.

    `embed` gives sentence embeddings; `model` names the model that makes them (a test's fake
    embedder never shares the cache of the real one).
    """

    def __init__(self, examples: ExampleFile, cache_dir: Path, embed: Embed, model: str) -> None:
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
            content = self.examples.path.read_bytes() + self.model.encode()
            folder = self.cache_dir / hashlib.sha256(content).hexdigest()[:16]
            if folder.exists():
                self._classifier = TextClassifier.load(folder)
                return
            self._classifier = fit(self.examples.load(), self.embed)
            self._classifier.save(folder)
            logger.info("classifier trained from %s", self.examples.path.name)

    def read(self, text: str, embedding: np.ndarray | None = None) -> Reading:
        """The kind of `text`; `embedding` is its sentence embedding if already computed."""
        vectors = None if embedding is None else embedding.reshape(1, -1)
        return self.read_all([text], vectors)[0]

    def read_all(self, texts: list[str], embeddings: np.ndarray | None = None) -> list[Reading]:
        """The kinds of several texts, embedded in one batch (cheaper than one at a time)."""
        classes, probabilities = self.probabilities(texts, embeddings)
        best = probabilities.argmax(axis=1)
        return [
            Reading(classes[int(b)], float(row[b]))
            for b, row in zip(best, probabilities, strict=True)
        ]

    def probabilities(
        self, texts: list[str], embeddings: np.ndarray | None = None
    ) -> tuple[list[str], np.ndarray]:
        """The kinds, and one row of their probabilities per text."""
        self.warm_up()
        assert self._classifier is not None
        if not texts:
            return list(self._classifier.classes), np.zeros((0, len(self._classifier.classes)))
        vectors = self.embed(texts) if embeddings is None else embeddings
        return list(self._classifier.classes), self._classifier.predict_proba(texts, vectors)
