"""actions/answering/foreign.py: the words of a question that the answer's sentences do not
address."""

from __future__ import annotations

import numpy as np

from actions.answering.foreign import foreign_words

WORDS = ["skin", "itching", "hair", "seed", "oil", "black"]


def embed(texts: list[str]) -> np.ndarray:
    """A bag of words: enough to tell which words a sentence shares with a question."""
    rows = np.array([[text.split().count(word) for word in WORDS] for text in texts], float)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def test_a_word_the_sentences_never_use_is_foreign() -> None:
    sentences = embed(["skin itching"])
    assert foreign_words("skin itching hair", ["hair", "itching"], sentences, embed) == ["hair"]


def test_words_are_also_tried_together() -> None:
    sentences = embed(["skin itching oil"])
    found = foreign_words("black seed oil skin", ["black", "seed"], sentences, embed)
    assert found == ["black", "seed"]


def test_nothing_to_try_is_nothing_foreign() -> None:
    assert foreign_words("skin", [], embed(["skin"]), embed) == []
