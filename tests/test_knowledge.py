from pathlib import Path

import pytest

from actions.knowledge_base.documents import (
    KnowledgeFileError,
    chunk_document,
    content_hash,
    load_chunks,
    parse_front_matter,
    split_sections,
    window,
)
from actions.knowledge_base.documents import (
    knowledge_files as knowledge_files_of,
)
from actions.settings import PROJECT_ROOT


def test_front_matter_is_parsed_and_checked(tmp_path: Path) -> None:
    meta, body = parse_front_matter(
        "---\ntitle: T\ntopics: [overview]\nsources:\n  - title: S\n    url: https://x.org\n"
        "last_reviewed: 2026-01-01\n---\n# T\ntext\n",
        tmp_path / "t.md",
    )
    assert meta["title"] == "T" and body.startswith("# T")
    with pytest.raises(KnowledgeFileError, match="no front matter"):
        parse_front_matter("# no front matter", tmp_path / "x.md")
    with pytest.raises(KnowledgeFileError, match="sources"):
        parse_front_matter("---\ntitle: T\ntopics: [a]\nlast_reviewed: x\n---\n", tmp_path / "y.md")
    with pytest.raises(KnowledgeFileError, match="title and a url"):
        parse_front_matter(
            "---\ntitle: T\ntopics: [a]\nsources: [{title: S}]\nlast_reviewed: x\n---\n",
            tmp_path / "z.md",
        )


def test_sections_keep_their_heading_path() -> None:
    body = "# Doc\n\n## First\nOne line\ncontinues.\n\nSecond para.\n\n### Deeper\nDeep text.\n"
    sections = split_sections(body)
    assert [s.heading_path for s in sections] == [("Doc", "First"), ("Doc", "First", "Deeper")]
    assert sections[0].paragraphs == ("One line continues.", "Second para.")


def test_window_overlaps_and_validates() -> None:
    sentences = list("abcdefg")
    assert window(sentences, 3, 1) == [list("abc"), list("cde"), list("efg")]
    assert window(list("ab"), 3, 1) == [list("ab")]
    assert window([], 3, 1) == []
    with pytest.raises(ValueError):
        window(sentences, 0, 0)
    with pytest.raises(ValueError):
        window(sentences, 2, 2)


def test_chunks_carry_metadata_and_never_cross_sections(knowledge_dir: Path) -> None:
    chunks = chunk_document(knowledge_dir / "alpha.md", split_length=2, split_overlap=0)
    ids = [c.id for c in chunks]
    assert ids == [
        "alpha#what-a-widget-is",
        "alpha#what-a-widget-is-1",
        "alpha#where-widgets-live",
        "alpha#where-widgets-live-1",
    ]
    first = chunks[0]
    assert first.text == "A widget is a small blue gadget. Widgets are made of copper."
    assert first.heading == "What a widget is"
    assert first.topics == ["overview"]
    assert first.sources == [{"title": "Widget Society", "url": "https://example.org/widgets"}]
    # list items become sentences of their own
    assert chunks[3].meta["sentences"] == ["They avoid water."]


def test_content_hash_changes_with_content_and_settings(knowledge_dir: Path) -> None:
    before = content_hash(knowledge_dir, 5, 1)
    assert content_hash(knowledge_dir, 5, 1) == before
    assert content_hash(knowledge_dir, 4, 1) != before
    (knowledge_dir / "alpha.md").write_text(
        (knowledge_dir / "alpha.md").read_text() + "\nMore.\n", "utf-8"
    )
    assert content_hash(knowledge_dir, 5, 1) != before


def test_every_real_knowledge_file_parses_with_sources() -> None:
    chunks = load_chunks(PROJECT_ROOT / "knowledge")
    files = {c.meta["file"] for c in chunks}
    assert len(files) >= 15
    assert len({c.id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert chunk.sources, chunk.id
        assert all(s["url"].startswith("https://") for s in chunk.sources), chunk.id
        assert chunk.text.strip() and "#" not in chunk.text, chunk.id


def test_question_comments_are_kept_apart_from_the_text() -> None:
    body = (
        "# Doc\n\n## Part\n<!-- questions:\n- what is a part\n- part meaning\n-->\n\n"
        "A part is a piece.\n<!-- an editor's note -->\nIt fits.\n"
    )
    [section] = split_sections(body)
    assert section.questions == ("what is a part", "part meaning")
    assert section.paragraphs == ("A part is a piece.", "It fits.")


def test_a_section_cites_the_sources_it_names(tmp_path: Path) -> None:
    front = (
        "---\ntitle: T\ntopics: [overview]\nsources:\n  - title: A\n    url: https://a.org\n"
        "  - title: B\n    url: https://b.org\nlast_reviewed: 2026-01-01\n---\n# T\n"
    )
    path = tmp_path / "t.md"
    path.write_text(
        front + "## One\n<!-- sources: 2 -->\nOne is from B.\n\n## Two\nTwo is from both.\n"
    )
    one, two = chunk_document(path)
    assert [s["title"] for s in one.sources] == ["B"]
    assert [s["title"] for s in two.sources] == ["A", "B"]
    assert one.text == "One is from B."  # the comment is not part of the text
    path.write_text(front + "## One\n<!-- sources: 3 -->\nOne.\n")
    with pytest.raises(KnowledgeFileError, match="names source 3"):
        chunk_document(path)


STEPS_FILE = (
    "---\ntitle: Steps\nsources:\n  - title: S\n    url: https://s.org\n---\n\n<!-- edit here -->\n"
    "1. Give adrenaline at once.\n2. Call 999.\n3. Lie flat.\n"
)
TOPIC_FILE = (
    "---\ntitle: T\ntopics: [a]\nsources:\n  - title: S\n    url: https://s.org\n"
    "last_reviewed: 2026-12-01\n---\n# T\n\n## Stings\n<!-- questions:\n- stung\n-->\n"
    "Stings can trigger reactions. If you feel faint, act now:\n<!-- emergency-steps -->\n"
    "Later, see an allergist.\n"
)


def test_the_emergency_steps_line_becomes_one_unsplit_sentence(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "emergency-steps.md").write_text(STEPS_FILE)
    (tmp_path / "t.md").write_text(TOPIC_FILE)
    [chunk] = chunk_document(tmp_path / "t.md")
    steps = "1. Give adrenaline at once.\n2. Call 999.\n3. Lie flat."
    assert chunk.meta["sentences"] == [
        "Stings can trigger reactions.",
        "If you feel faint, act now:",
        steps,
        "Later, see an allergist.",
    ]
    assert [p.name for p in knowledge_files_of(tmp_path)] == ["t.md"]  # the steps file is no topic


def test_the_emergency_steps_line_without_a_steps_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.md").write_text(TOPIC_FILE)
    with pytest.raises(KnowledgeFileError, match="no steps file"):
        chunk_document(tmp_path / "t.md")


def test_the_steps_file_is_part_of_the_content_hash(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "t.md").write_text(TOPIC_FILE)
    steps = tmp_path / "shared" / "emergency-steps.md"
    steps.write_text(STEPS_FILE)
    before = content_hash(tmp_path)
    steps.write_text(STEPS_FILE.replace("Lie flat", "Lie down flat"))
    assert content_hash(tmp_path) != before
