from pathlib import Path

import numpy as np
import pytest

from actions.knowledge_base.index import KnowledgeIndex, build_index, load_or_build_index
from actions.retrieval.hybrid import HybridRetriever


def test_index_is_reused_until_knowledge_changes(
    knowledge_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    index_dir = tmp_path / "index"
    first, built = load_or_build_index(knowledge_dir, index_dir, fake_embedder, 3, 1)
    assert built and len(first) > 0
    again, built = load_or_build_index(knowledge_dir, index_dir, fake_embedder, 3, 1)
    assert not built
    assert [c.id for c in again.chunks] == [c.id for c in first.chunks]
    np.testing.assert_allclose(again.corpus_embeddings, first.corpus_embeddings)

    (knowledge_dir / "beta.md").unlink()
    smaller, built = load_or_build_index(knowledge_dir, index_dir, fake_embedder, 3, 1)
    assert built and len(smaller) < len(first)
    assert [p.name for p in index_dir.iterdir()] == [smaller.key]  # stale cache removed


def test_corrupt_cache_is_rebuilt(knowledge_dir: Path, tmp_path: Path, fake_embedder) -> None:
    index_dir = tmp_path / "index"
    index, _ = load_or_build_index(knowledge_dir, index_dir, fake_embedder, 3, 1)
    (index_dir / index.key / "chunks.json").write_text("[]")
    _, built = load_or_build_index(knowledge_dir, index_dir, fake_embedder, 3, 1)
    assert built


def test_mismatched_embeddings_are_rejected(knowledge_dir: Path, fake_embedder) -> None:
    index = build_index(knowledge_dir, fake_embedder, 3, 1)
    with pytest.raises(ValueError, match="corrupt"):
        KnowledgeIndex(index.chunks, index.corpus_embeddings[:1])


def test_empty_knowledge_is_an_error(tmp_path: Path, fake_embedder) -> None:
    with pytest.raises(ValueError, match="no knowledge"):
        build_index(tmp_path, fake_embedder, 3, 1)


def test_section_classifier_is_built_saved_and_ranks_the_section_it_learnt(
    knowledge_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    index, _ = load_or_build_index(knowledge_dir, tmp_path / "index", fake_embedder, 3, 1)
    assert index.section_classifier is not None
    # One class per section, not per chunk: the long cleaning section has three chunks.
    assert set(index.section_classifier.classes) == {c.section for c in index.chunks}
    assert len(index.section_classifier.classes) < len(index.chunks)
    reloaded = KnowledgeIndex.load(tmp_path / "index" / index.key)
    assert reloaded.section_classifier.classes == index.section_classifier.classes

    retriever = HybridRetriever(reloaded)
    question = "how do I wash the thing"  # an example question of the cleaning section
    scores = retriever.section_scores(question, fake_embedder.embed([question])[0])
    by_section = {c.section: float(scores[row]) for row, c in enumerate(reloaded.chunks)}
    assert sum(by_section.values()) == pytest.approx(1.0, abs=1e-5)
    assert max(by_section, key=by_section.get) == "beta#cleaning-a-gizmo"
    cleaning = [
        scores[row] for row, c in enumerate(reloaded.chunks) if c.section == "beta#cleaning-a-gizmo"
    ]
    assert len(cleaning) == 3 and max(cleaning) == min(cleaning)  # each chunk gets the section's


def test_clearing_old_indexes_never_touches_anything_else(
    knowledge_dir: Path, tmp_path: Path, fake_embedder
) -> None:
    index_dir = tmp_path / "somebody's home"
    keep = [index_dir / "photos", index_dir / "notes-0123456789abcdef"]  # not ours: no index files
    for folder in keep:
        folder.mkdir(parents=True)
        (folder / "precious.txt").write_text("do not delete")
    old, _ = load_or_build_index(knowledge_dir, index_dir, fake_embedder, 3, 1)
    (knowledge_dir / "alpha.md").write_text((knowledge_dir / "alpha.md").read_text() + "\nMore.\n")
    new, built = load_or_build_index(knowledge_dir, index_dir, fake_embedder, 3, 1)
    assert built and new.key != old.key
    assert not (index_dir / old.key).exists()  # our own stale index is cleared
    assert all((folder / "precious.txt").exists() for folder in keep)


def test_other_weights_under_the_same_name_get_their_own_index(
    knowledge_dir: Path, tmp_path: Path
) -> None:
    from tests.conftest import FakeEmbedder

    first, _ = load_or_build_index(knowledge_dir, tmp_path, FakeEmbedder(64), 3, 1)
    second, built = load_or_build_index(knowledge_dir, tmp_path, FakeEmbedder(32), 3, 1)
    assert built and first.key != second.key  # same model_name, different fingerprint


def test_the_real_fingerprint_hashes_the_weight_files(tmp_path: Path) -> None:
    from actions.knowledge_base.embedding import TextEmbedder

    (tmp_path / "model.safetensors").write_bytes(b"weights one")
    one = TextEmbedder(str(tmp_path)).fingerprint
    (tmp_path / "model.safetensors").write_bytes(b"weights two")
    assert TextEmbedder(str(tmp_path)).fingerprint != one
    with pytest.raises(ValueError, match="no model weights"):
        _ = TextEmbedder(str(tmp_path / "empty")).fingerprint
