"""Build (or reuse) the knowledge index: chunk `knowledge/`, embed the chunks, save them to disk.

Usage: python -m scripts.build_index [--force]
"""

from __future__ import annotations

import argparse
import shutil
import time

from actions.knowledge_base.embedding import TextEmbedder
from actions.knowledge_base.index import load_or_build_index
from actions.settings import default_model_path, load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if the cache is fresh")
    args = parser.parse_args()
    settings = load_settings()
    if args.force:
        shutil.rmtree(settings.index_dir, ignore_errors=True)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    embedder = TextEmbedder(settings.model_path or default_model_path())
    index, built = load_or_build_index(
        settings.knowledge_dir,
        settings.index_dir,
        embedder,
        settings.split_length,
        settings.split_overlap,
        show_progress_bar=True,
    )
    documents = len({chunk.meta["doc_id"] for chunk in index.chunks})
    print(
        f"index {index.key}: {len(index)} chunks from {documents} files, "
        f"{'built' if built else 'up to date'} in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
