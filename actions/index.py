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
QUESTION_EMBEDDINGS_FILE = "question_embeddings.npy"


class KnowledgeIndex:
    """Chunks with their `corpus_embeddings` (a unit-length row each) and `question_embeddings`.

    Row i of `question_embeddings` embeds an example question of chunk `question_owner[i]`.
    """

    def __init__(
        self,
        chunks: list[Chunk],
        corpus_embeddings: np.ndarray,
        question_embeddings: np.ndarray | None = None,
        key: str = "",
    ) -> None:
        if len(chunks) != len(corpus_embeddings):
            raise ValueError(
                f"{len(chunks)} chunks but {len(corpus_embeddings)} embeddings: index is corrupt"
            )
        owners = [row for row, chunk in enumerate(chunks) for _ in chunk.questions]
        if question_embeddings is None:
            question_embeddings = np.zeros((0, corpus_embeddings.shape[1]), dtype=np.float32)
        if len(owners) != len(question_embeddings):
            raise ValueError(
                f"{len(owners)} questions, {len(question_embeddings)} embeddings: index is corrupt"
            )
        self.chunks = chunks
        self.corpus_embeddings = corpus_embeddings
        self.question_embeddings = question_embeddings
        self.question_owner = np.asarray(owners, dtype=np.int64)
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
        np.save(tmp / QUESTION_EMBEDDINGS_FILE, self.question_embeddings)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> KnowledgeIndex:
        rows = json.loads((folder / CHUNKS_FILE).read_text("utf-8"))
        chunks = [Chunk(**row) for row in rows]
        corpus_embeddings = np.load(folder / EMBEDDINGS_FILE)
        question_embeddings = np.load(folder / QUESTION_EMBEDDINGS_FILE)
        return cls(chunks, corpus_embeddings, question_embeddings, key=folder.name)


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
    questions = [question for chunk in chunks for question in chunk.questions]
    question_embeddings = embedder.embed(questions) if questions else None
    key = index_key(knowledge_dir, embedder.model_name, split_length, split_overlap)
    return KnowledgeIndex(chunks, corpus_embeddings, question_embeddings, key=key)


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
