"""Logistic regression over a sentence embedding plus TF-IDF word and character n-grams.

Used twice: by the NLU pipeline to classify intents (bot/components.py) and by retrieval to
score which knowledge section a question is about, trained on each section's example questions
(actions/knowledge_base/index.py). The embedding carries meaning ("why did I get this" ~ "what
causes it");
the n-grams carry wording, abbreviations and misspellings. The embedding block is scaled by
`embedding_weight` so that it is not drowned by the many sparse n-gram columns.

Saved as JSON and NumPy arrays, never pickled, so loading a model cannot run code.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

VOCABULARY_FILE = "vocabulary.json"
WEIGHTS_FILE = "weights.npz"


@dataclass(frozen=True)
class ClassifierConfig:
    C: float = 30.0
    embedding_weight: float = 2.0
    char_ngram_range: tuple[int, int] = (2, 5)
    word_ngram_range: tuple[int, int] = (1, 2)
    max_iter: int = 3000
    # n-grams seen in fewer texts are dropped (2 halves the features of long passages).
    min_df: int = 1
    # "balanced" weighs each label by the inverse of its number of examples, so a label with
    # many examples (out_of_scope) does not win uncertain messages by its size alone.
    class_weight: str | None = None


def tfidf(vectorizer: Any, idf: np.ndarray, texts: list[str]) -> Any:
    """What `vectorizer.transform(texts)` gives, bit for bit, for the TF-IDF used here.

    sklearn's transform checks that the vectorizer is fitted on every call, and that check
    rebuilt the idf vector by summing a vocabulary-sized diagonal matrix; its product with that
    matrix then cost as much again. The same steps follow, on the non-zero values themselves:
    n-gram counts, 1 + log (sublinear), times the idf of their column (`idf`, the vectorizer's
    `idf_`), rows scaled to unit length (sklearn's own function). The product with the diagonal
    listed each row's columns last first; so does this, so that the row norms and any product
    with the result add the same numbers in the same order.
    """
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

    if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
        raise ValueError("tfidf() follows a sublinear, l2-normed TfidfVectorizer only")
    counts = CountVectorizer.transform(vectorizer, texts)
    row_starts = np.repeat(counts.indptr[:-1], np.diff(counts.indptr))
    row_ends = np.repeat(counts.indptr[1:], np.diff(counts.indptr))
    last_first = row_starts + row_ends - 1 - np.arange(counts.nnz)
    columns = counts.indices[last_first]
    values = np.log(counts.data[last_first].astype(np.float64))
    values += 1
    values *= idf[columns]
    matrix = csr_matrix((values, columns, counts.indptr), shape=counts.shape)
    inplace_csr_row_normalize_l2(matrix)
    return matrix


class TextClassifier:
    """Fit on (text, embedding, label) triples; `predict_proba` gives one row per text."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self.classes: list[str] = []
        self._vectorizers: tuple[Any, Any] | None = None
        self._coef: np.ndarray | None = None
        self._intercept: np.ndarray | None = None
        # The weights split by feature block and transposed, and each vectorizer's idf, built on
        # first use (`_logits`).
        # The weights cut into blocks and the vectorizers' idf, made on first use and set as one
        # value: two request threads may predict at once, and one must never see half of it.
        self._prepared: tuple[list[np.ndarray], list[np.ndarray]] | None = None

    @property
    def is_fitted(self) -> bool:
        return self._coef is not None

    def _new_vectorizers(self) -> tuple[Any, Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(self.config.char_ngram_range),
            sublinear_tf=True,
            min_df=self.config.min_df,
        )
        word = TfidfVectorizer(
            ngram_range=tuple(self.config.word_ngram_range),
            sublinear_tf=True,
            min_df=self.config.min_df,
        )
        return char, word

    def _features(self, texts: list[str], embeddings: np.ndarray) -> Any:
        from scipy.sparse import csr_matrix, hstack

        assert self._vectorizers is not None
        char, word = self._vectorizers
        dense = csr_matrix(np.asarray(embeddings, dtype=np.float32) * self.config.embedding_weight)
        return hstack([dense, char.transform(texts), word.transform(texts)]).tocsr()

    def fit(self, texts: list[str], embeddings: np.ndarray, labels: list[str]) -> TextClassifier:
        from sklearn.linear_model import LogisticRegression

        if len(texts) != len(embeddings) or len(texts) != len(labels):
            raise ValueError("texts, embeddings and labels must have the same length")
        if len(set(labels)) < 2:
            raise ValueError("a classifier needs examples of at least two labels")
        char, word = self._new_vectorizers()
        char.fit(texts)
        word.fit(texts)
        self._vectorizers = (char, word)
        model = LogisticRegression(
            C=self.config.C, max_iter=self.config.max_iter, class_weight=self.config.class_weight
        )
        model.fit(self._features(texts, embeddings), labels)
        self.classes = [str(label) for label in model.classes_]
        self._coef = model.coef_.astype(np.float32)
        self._intercept = model.intercept_.astype(np.float32)
        self._prepared = None
        return self

    def predict_proba(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Probabilities, one row per text and one column per entry of `classes`."""
        if not self.is_fitted:
            raise RuntimeError("the classifier has not been fitted")
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        logits = self._logits(texts, embeddings)
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def _logits(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Features times weights, block by block, without stacking the features.

        The embedding's dense columns, then each vectorizer's sparse ones, each against a
        contiguous slice of the weights. For one short question this takes about 1 ms; the
        stacked sparse matrix times `coef.T` (not contiguous) took about 10. The sparse blocks
        are kept in float64, the TF-IDF features' type: against float32 weights, SciPy converted
        the whole block (16,000 x 158 for the section classifier) on every call, 1.6 ms of it,
        for the same result.
        """
        assert self._vectorizers is not None and self._coef is not None
        prepared = self._prepared
        if prepared is None:
            sizes = [np.asarray(embeddings).shape[1]]
            sizes += [len(vectorizer.vocabulary_) for vectorizer in self._vectorizers]
            bounds = np.cumsum([0, *sizes])
            weight_blocks = [
                np.ascontiguousarray(
                    self._coef[:, start:end].T, dtype=np.float32 if block == 0 else np.float64
                )
                for block, (start, end) in enumerate(itertools.pairwise(bounds))
            ]
            idfs = [np.ravel(vectorizer.idf_) for vectorizer in self._vectorizers]
            prepared = self._prepared = (weight_blocks, idfs)
        (dense_weights, *sparse_weights), idfs = prepared
        dense = np.asarray(embeddings, dtype=np.float32) * self.config.embedding_weight
        logits = dense @ dense_weights + self._intercept
        blocks = zip(self._vectorizers, idfs, sparse_weights, strict=True)
        for vectorizer, idf, weights in blocks:
            logits += np.asarray(tfidf(vectorizer, idf, texts) @ weights)
        return logits

    def save(self, folder: Path) -> None:
        if not self.is_fitted:
            raise RuntimeError("the classifier has not been fitted")
        assert self._vectorizers is not None
        char, word = self._vectorizers
        folder.mkdir(parents=True, exist_ok=True)
        vocabulary = {
            "config": {**self.config.__dict__},
            "classes": self.classes,
            "char": {term: int(column) for term, column in char.vocabulary_.items()},
            "word": {term: int(column) for term, column in word.vocabulary_.items()},
        }
        (folder / VOCABULARY_FILE).write_text(json.dumps(vocabulary), encoding="utf-8")
        np.savez(
            folder / WEIGHTS_FILE,
            coef=self._coef,
            intercept=self._intercept,
            char_idf=char.idf_,
            word_idf=word.idf_,
        )

    @classmethod
    def load(cls, folder: Path) -> TextClassifier:
        vocabulary = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
        config = vocabulary["config"]
        for key in ("char_ngram_range", "word_ngram_range"):
            config[key] = tuple(config[key])
        classifier = cls(ClassifierConfig(**config))
        with np.load(folder / WEIGHTS_FILE) as weights:
            arrays = {name: weights[name] for name in weights.files}
        char, word = classifier._new_vectorizers()
        char.vocabulary_, char.idf_ = vocabulary["char"], arrays["char_idf"]
        word.vocabulary_, word.idf_ = vocabulary["word"], arrays["word_idf"]
        classifier._vectorizers = (char, word)
        classifier.classes = list(vocabulary["classes"])
        classifier._coef = arrays["coef"]
        classifier._intercept = arrays["intercept"]
        return classifier
