"""actions/knowledge_base/embedding.py with the real all-MiniLM-L6-v2 weights from the installed
package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actions.knowledge_base.embedding import TextEmbedder
from actions.knowledge_base.onnx_embedding import (
    ENCODING_FIELDS,
    INPUTS,
    load_tokenizer,
    mean_pooled_max_length,
)
from actions.settings import PROJECT_ROOT, default_model_path

TEXTS = ["what causes mastocytosis?", "can children grow out of it", "épipen 💉 <b>now</b>", "x"]


@pytest.fixture(scope="module")
def torch_embedder() -> TextEmbedder:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EMBEDDING_BACKEND", "torch")
        embedder = TextEmbedder(default_model_path())
        embedder.warm_up()
    assert embedder.backend == "torch"
    return embedder


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory: pytest.TempPathFactory) -> TextEmbedder:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EMBEDDING_ONNX_DIR", str(tmp_path_factory.mktemp("onnx")))
        embedder = TextEmbedder(default_model_path(), batch_size=3)
        embedder.warm_up()  # exports the model into the empty folder
    assert embedder.backend == "onnx"
    return embedder


def test_one_text_gets_the_vector_encode_gives_it(torch_embedder: TextEmbedder) -> None:
    batch = torch_embedder.embed(TEXTS)
    for text, expected in zip(TEXTS, batch, strict=True):
        single = torch_embedder.embed([text])
        assert single.shape == (1, 384) and single.dtype == np.float32
        np.testing.assert_allclose(single[0], expected, atol=1e-5)


def test_onnx_gives_the_vectors_pytorch_gives(torch_embedder, onnx_embedder) -> None:
    # Batches of 3 (padding differs between batches), one text alone, a long text cut at 256.
    texts = [*TEXTS, "mast cells " * 300]
    expected = torch_embedder.embed(texts)
    got = onnx_embedder.embed(texts)
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(onnx_embedder.embed([TEXTS[0]])[0], expected[0], atol=1e-5)


def test_vectors_are_unit_length_and_close_for_paraphrases(onnx_embedder) -> None:
    vectors = onnx_embedder.embed(
        ["what causes mastocytosis", "why do people get mastocytosis", "hi"]
    )
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_only_mean_pooled_models_run_on_onnx(tmp_path) -> None:
    assert mean_pooled_max_length(Path(default_model_path())) == 256
    assert mean_pooled_max_length(tmp_path) is None  # no modules.json


def nlu_example_texts() -> list[str]:
    """Every line of the NLU training data, markup and all: thousands of real messages."""
    lines = []
    for path in sorted((PROJECT_ROOT / "nlu_data").glob("*.yml")):
        lines += [line.strip(" -|") for line in path.read_text("utf-8").splitlines()]
    return [line for line in lines if line]


def test_the_tokenizer_gives_the_ids_transformers_gives() -> None:
    # Serving tokenises with `tokenizers` alone; transformers' fast tokenizer, which the
    # export and sentence-transformers use, must see the same ids, masks and types.
    from transformers import AutoTokenizer

    model_path = Path(default_model_path())
    reference = AutoTokenizer.from_pretrained(str(model_path))
    ours = load_tokenizer(model_path, max_length=256)
    texts = [
        *TEXTS,
        "mast cells " * 300,
        "  ÉPIPEN\tdose? ",
        "漢字 and ümlauts",
        *nlu_example_texts(),
    ]
    assert len(texts) > 2000
    for start in range(0, len(texts), 64):
        batch = texts[start : start + 64]
        expected = reference(
            batch, padding=True, truncation="longest_first", max_length=256, return_tensors="np"
        )
        got = ours.encode_batch(batch)
        for name, field in zip(INPUTS, ENCODING_FIELDS, strict=True):
            np.testing.assert_array_equal(
                np.array([getattr(encoding, field) for encoding in got]), expected[name]
            )


def test_a_vector_does_not_depend_on_the_other_texts_of_its_call(onnx_embedder) -> None:
    # The cache (TextEmbedder.embed) computes only the texts it does not know, in a smaller call.
    together = onnx_embedder._embed(TEXTS)
    for text, vector in zip(TEXTS, together, strict=True):
        np.testing.assert_array_equal(onnx_embedder._embed([text])[0], vector)
