"""The knowledge index: chunks plus their embeddings, cached on disk by model and content hash."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np

from actions.embedding import TextEmbedder
from actions.knowledge import Chunk, content_hash, load_chunks

logger = logging.getLogger(__name__)

CHUNKS_FILE = "chunks.json"
EMBEDDINGS_FILE = "corpus_embeddings.npy"


class KnowledgeIndex:
    """Chunks and their `corpus_embeddings` (one unit-length row per chunk)."""

    def __init__(self, chunks: list[Chunk], corpus_embeddings: np.ndarray, key: str = "") -> None:
        if len(chunks) != len(corpus_embeddings):
            raise ValueError(
                f"{len(chunks)} chunks but {len(corpus_embeddings)} embeddings: index is corrupt"
            )
        self.chunks = chunks
        self.corpus_embeddings = corpus_embeddings
        self.key = key

    def __len__(self) -> int:
        return len(self.chunks)

    def save(self, folder: Path) -> None:
        """Write atomically: build in a temporary folder, then rename it into place."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        rows = [asdict(chunk) for chunk in self.chunks]
        (tmp / CHUNKS_FILE).write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
        np.save(tmp / EMBEDDINGS_FILE, self.corpus_embeddings)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> KnowledgeIndex:
        rows = json.loads((folder / CHUNKS_FILE).read_text("utf-8"))
        chunks = [Chunk(**row) for row in rows]
        return cls(chunks, np.load(folder / EMBEDDINGS_FILE), key=folder.name)


def index_key(knowledge_dir: Path, model_name: str, split_length: int, split_overlap: int) -> str:
    """Name of the cached index: changes whenever the model, the content or the chunking changes."""
    digest = content_hash(knowledge_dir, model_name, split_length, split_overlap)
    return f"{model_name.lower().replace('/', '_')}-{digest}"


def build_index(
    knowledge_dir: Path,
    embedder: TextEmbedder,
    split_length: int,
    split_overlap: int,
    show_progress_bar: bool = False,
) -> KnowledgeIndex:
    chunks = load_chunks(knowledge_dir, split_length, split_overlap)
    if not chunks:
        raise ValueError(f"no knowledge chunks found in {knowledge_dir}")
    texts = [chunk.embedding_text() for chunk in chunks]
    corpus_embeddings = embedder.embed(texts, show_progress_bar=show_progress_bar)
    key = index_key(knowledge_dir, embedder.model_name, split_length, split_overlap)
    return KnowledgeIndex(chunks, corpus_embeddings, key=key)


def load_or_build_index(
    knowledge_dir: Path,
    index_dir: Path,
    embedder: TextEmbedder,
    split_length: int,
    split_overlap: int,
    show_progress_bar: bool = False,
) -> tuple[KnowledgeIndex, bool]:
    """Reuse the cached index if the knowledge is unchanged, else build and save it.

    Returns the index and whether it was (re)built.
    """
    key = index_key(knowledge_dir, embedder.model_name, split_length, split_overlap)
    folder = index_dir / key
    if (folder / EMBEDDINGS_FILE).exists():
        try:
            return KnowledgeIndex.load(folder), False
        except (OSError, ValueError, TypeError) as error:
            logger.warning("cached index %s unreadable (%s); rebuilding", folder, error)
    index = build_index(knowledge_dir, embedder, split_length, split_overlap, show_progress_bar)
    index.save(folder)
    for stale in index_dir.iterdir():
        if stale.is_dir() and stale.name != key:
            shutil.rmtree(stale, ignore_errors=True)
    return index, True
