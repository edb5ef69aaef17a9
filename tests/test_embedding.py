"""actions/embedding.py with the real all-MiniLM-L6-v2 weights from the installed package."""

from __future__ import annotations

import numpy as np
import pytest

from actions.embedding import TextEmbedder
from actions.settings import default_model_path

TEXTS = ["what causes mastocytosis?", "can children grow out of it", "épipen 💉 <b>now</b>", "x"]


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder(default_model_path())


def test_one_text_gets_the_vector_encode_gives_it(embedder: TextEmbedder) -> None:
    batch = embedder.embed(TEXTS)
    for text, expected in zip(TEXTS, batch, strict=True):
        single = embedder.embed([text])
        assert single.shape == (1, 384) and single.dtype == np.float32
        np.testing.assert_allclose(single[0], expected, atol=1e-5)


def test_vectors_are_unit_length_and_close_for_paraphrases(embedder: TextEmbedder) -> None:
    vectors = embedder.embed(["what causes mastocytosis", "why do people get mastocytosis", "hi"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
