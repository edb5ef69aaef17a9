"""Sentence embeddings from the all-MiniLM-L6-v2 weights that ship inside a Python package."""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

# transformers would otherwise import TensorFlow (installed for Rasa); the hub is never called.
os.environ.setdefault("USE_TF", "0")
os.environ.setdefault("USE_TORCH", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def onnx_dir() -> Path:
    """Where the ONNX export of the model is kept (EMBEDDING_ONNX_DIR, default build/onnx)."""
    default = Path(__file__).resolve().parents[2] / "build" / "onnx"
    return Path(os.environ.get("EMBEDDING_ONNX_DIR", default))


REMEMBERED_TEXTS = 256
# A call with more texts than this is a corpus being indexed, not queries: never cached.
MAX_CACHED_CALL = 16


class TextEmbedder:
    """Embeds texts into unit-length vectors; the model is loaded once, on `warm_up()`."""

    def __init__(self, model_path: str, batch_size: int = 64, cache_size: int = 0) -> None:
        """`cache_size`: how many texts' vectors computed here are kept (see `embed`)."""
        if not model_path:
            raise ValueError("model_path must name a local sentence-transformers folder")
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        if cache_size < 0:
            raise ValueError("cache_size must not be negative")
        self.model_path = model_path
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._lock = threading.Lock()
        # Vectors by text, least recently used first: computed elsewhere with this model (Rasa's
        # NLU; see `remember`) or, with a `cache_size`, here.
        self._known: OrderedDict[str, np.ndarray] = OrderedDict()
        self._known_lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return "all-MiniLM-L6-v2" if "minilm" in self.model_path.lower() else self.model_path

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the model's weight files, which the index cache key includes.

        Other weights under the same name never reuse an index built with these (about 0.2 s
        for MiniLM's 90 MB, once per process).
        """
        digest = hashlib.sha256()
        folder = Path(self.model_path)
        weights = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin"))
        if not weights:
            raise ValueError(f"no model weights (*.safetensors, *.bin) in {folder}")
        for path in weights:
            digest.update(path.name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()[:16]

    def warm_up(self) -> None:
        """Load the model (about a second); later calls do nothing.

        The model runs on ONNX Runtime (actions/knowledge_base/onnx_embedding.py: same vectors,
        about 2.4x
        sooner), exported on first use to EMBEDDING_ONNX_DIR (default build/onnx), unless
        EMBEDDING_BACKEND is "torch" or the model cannot run there; then on PyTorch.
        Either is limited to EMBEDDING_THREADS threads (default 1). A query is one short
        sentence: on 2 busy cores, two intra-op threads made one embedding take ~160 ms
        instead of ~20 ms, as they wait for each other; servers get parallelism from requests.
        """
        with self._lock:
            if self._model is not None:
                return
            threads = max(1, int(os.environ.get("EMBEDDING_THREADS", "1")))
            if os.environ.get("EMBEDDING_BACKEND", "onnx") == "onnx":
                from actions.knowledge_base.onnx_embedding import load_onnx_encoder

                self._model = load_onnx_encoder(self.model_path, onnx_dir(), threads)
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(threads)
                self._model = SentenceTransformer(self.model_path, device="cpu")

    @property
    def backend(self) -> str:
        """The backend the model runs on, "onnx" or "torch" (loads the model)."""
        self.warm_up()
        return "torch" if hasattr(self._model, "tokenize") else "onnx"

    @functools.cached_property
    def signature(self) -> str:
        """Names the weights and the backend: equal signatures give equal vectors (loads it)."""
        return f"{self.model_name}-{self.fingerprint}-{self.backend}"

    def remember(self, text: str, vector: np.ndarray, signature: str) -> bool:
        """Keep a vector of `text` made elsewhere by this model, to give instead of embedding it.

        Refused (False) unless `signature` is this embedder's and the vector has its size. The
        last `REMEMBERED_TEXTS` texts (or `cache_size`, if more) are kept.
        """
        if signature != self.signature or vector.shape != (self.dimensions,):
            return False
        self._keep({text: vector.astype(np.float32, copy=False)})
        return True

    def _keep(self, vectors: dict[str, np.ndarray]) -> None:
        with self._known_lock:
            for text, vector in vectors.items():
                self._known[text] = vector
                self._known.move_to_end(text)
            while len(self._known) > max(REMEMBERED_TEXTS, self.cache_size):
                self._known.popitem(last=False)

    @functools.cached_property
    def dimensions(self) -> int:
        return int(self._embed(["dimensions"]).shape[1])

    def embed(self, texts: list[str], show_progress_bar: bool = False) -> np.ndarray:
        """Return one float32 unit vector per text (rows), so a dot product is a cosine.

        A text whose vector is known (remembered, or computed lately with a `cache_size`) is not
        computed again: a turn's planned readings repeat texts ("what causes it?
        (mastocytosis)" is searched, then checked for unaddressed words), and so do follow-ups
        across conversations. The rest are computed in one call; a vector does not depend on
        the other texts of its call (tests/test_embedding.py).
        """
        if not texts or show_progress_bar or len(texts) > MAX_CACHED_CALL:
            return self._embed(texts, show_progress_bar)
        with self._known_lock:
            known = [self._known.get(text) for text in texts]
            for text, vector in zip(texts, known, strict=True):
                if vector is not None:
                    self._known.move_to_end(text)
        missing = list(dict.fromkeys(t for t, v in zip(texts, known, strict=True) if v is None))
        if missing:
            computed = dict(zip(missing, self._embed(missing), strict=True))
            if self.cache_size:
                self._keep({text: vector.copy() for text, vector in computed.items()})
            known = [computed[t] if v is None else v for t, v in zip(texts, known, strict=True)]
        return np.stack(known)

    def _embed(self, texts: list[str], show_progress_bar: bool = False) -> np.ndarray:
        self.warm_up()
        if self.backend == "onnx":
            return self._model.encode(list(texts), self.batch_size)
        if len(texts) == 1 and not show_progress_bar:
            return self._embed_one(texts[0])
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress_bar,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _embed_one(self, text: str) -> np.ndarray:
        """One text through the model's own modules, without `encode`'s batching machinery.

        The same modules (transformer, pooling, normalisation) and the same vector as `encode`,
        about 2 ms sooner per query, which matters when every question is embedded twice (NLU
        and retrieval) while someone waits.
        """
        import torch

        with torch.inference_mode():
            features = self._model.tokenize([text])
            vector = self._model(features)["sentence_embedding"][0].numpy().astype(np.float32)
        return (vector / max(float(np.linalg.norm(vector)), 1e-12))[None, :]
