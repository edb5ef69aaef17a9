"""Load the Markdown knowledge files and split them into retrievable chunks.

A chunk is shaped like a BEIR corpus row / Haystack `Document`: `id`, `title`, `text`, `meta`.
Chunks never cross a section boundary, so every chunk keeps the heading path it came from.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
QUESTIONS_START = "<!-- questions:"
# `<!-- sources: 2, 5 -->` under a heading: the section rests on the file's 2nd and 5th sources.
SECTION_SOURCES = re.compile(r"^<!--\s*sources:\s*([\d,\s]+?)\s*-->$")
COMMENT_END = "-->"
REQUIRED_FIELDS = ("title", "topics", "sources", "last_reviewed")
# The emergency steps are written once, in this file under knowledge/, and a section carries them
# with a line holding only EMERGENCY_MARKER: one sequence, the same in every section and alert.
EMERGENCY_STEPS_FILE = Path("shared") / "emergency-steps.md"
EMERGENCY_MARKER = "<!-- emergency-steps -->"
NUMBERED_STEP = re.compile(r"^\d+\.\s+\S")


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage with the metadata needed to cite it."""

    id: str
    title: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        return self.meta.get("heading", "")

    @property
    def section(self) -> str:
        """The id of the section this chunk came from (its first chunk's id)."""
        return self.meta.get("section", self.id)

    @property
    def topics(self) -> list[str]:
        return self.meta.get("topics", [])

    @property
    def sources(self) -> list[dict[str, str]]:
        return self.meta.get("sources", [])

    @property
    def questions(self) -> list[str]:
        """Questions, in users' words, that this chunk's section answers (retrieval only)."""
        return self.meta.get("questions", [])

    def embedding_text(self) -> str:
        """Text that is embedded and indexed: heading path gives short passages their context."""
        return f"{self.title}. {self.heading}. {self.text}"


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    paragraphs: tuple[str, ...]
    questions: tuple[str, ...] = ()
    line: int = 0  # 1-based line of the heading in the body, for editors' error messages
    sources: tuple[int, ...] = ()  # 1-based numbers of the file's sources this section rests on


class KnowledgeFileError(ValueError):
    """A knowledge file is malformed (missing front matter or a required field)."""


def parse_front_matter(
    raw: str, path: Path, required: tuple[str, ...] = REQUIRED_FIELDS
) -> tuple[dict[str, Any], str]:
    """Split a file into its YAML front matter and Markdown body, checking required fields."""
    match = FRONT_MATTER.match(raw)
    if not match:
        raise KnowledgeFileError(f"{path}: no front matter")
    meta = yaml.safe_load(match.group(1)) or {}
    missing = [name for name in required if not meta.get(name)]
    if missing:
        raise KnowledgeFileError(f"{path}: front matter lacks {', '.join(missing)}")
    for source in meta["sources"]:
        if not (isinstance(source, dict) and source.get("title") and source.get("url")):
            raise KnowledgeFileError(f"{path}: every source needs a title and a url")
    return meta, raw[match.end() :]


def read_emergency_steps(knowledge_dir: Path) -> str:
    """The numbered emergency steps of `knowledge/shared/emergency-steps.md`, one per line."""
    path = knowledge_dir / EMERGENCY_STEPS_FILE
    if not path.exists():
        return ""
    _, body = parse_front_matter(path.read_text(encoding="utf-8"), path, ("title", "sources"))
    steps = [line.strip() for line in body.splitlines() if NUMBERED_STEP.match(line.strip())]
    if not steps:
        raise KnowledgeFileError(f"{path}: no numbered steps")
    return "\n".join(steps)


def is_emergency_steps(sentence: str) -> bool:
    """Whether a chunk sentence is the rendered emergency steps (kept whole, never split)."""
    return sentence.startswith("1. ") and "\n2. " in sentence


def split_sections(body: str, emergency_steps: str = "") -> list[Section]:
    """Group Markdown paragraphs under the heading path (h1 > h2 > ...) they belong to.

    A line holding only `<!-- emergency-steps -->` becomes one paragraph: `emergency_steps`, the
    numbered steps from `knowledge/shared/emergency-steps.md`. A `<!-- questions: ... -->` comment
    under a heading lists, one per `- ` line, questions the
    section answers; they help retrieval and are never shown or quoted. A `<!-- sources: 1, 3
    -->` comment names the file's sources (by number, from 1) that the section rests on: its
    answers cite those instead of the file's first sources.
    """
    sections: list[Section] = []
    path: list[str] = []
    paragraphs: list[str] = []
    questions: list[str] = []
    section_sources: list[int] = []
    current: list[str] = []
    heading_line = 0
    in_comment = in_questions = False

    def close_paragraph() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    def close_section() -> None:
        close_paragraph()
        if paragraphs:
            sections.append(
                Section(
                    tuple(path),
                    tuple(paragraphs),
                    tuple(questions),
                    heading_line,
                    tuple(section_sources),
                )
            )
        paragraphs.clear()
        questions.clear()
        section_sources.clear()

    for number, line in enumerate(body.splitlines(), start=1):
        stripped = line.strip()
        if in_comment:
            if in_questions and LIST_ITEM.match(line):
                questions.append(LIST_ITEM.sub("", line).strip())
            in_comment = COMMENT_END not in stripped
            continue
        if stripped == EMERGENCY_MARKER:
            close_paragraph()
            if not emergency_steps:
                raise KnowledgeFileError(f"line {number}: {EMERGENCY_MARKER} but no steps file")
            paragraphs.append(emergency_steps)
            continue
        numbers = SECTION_SOURCES.match(stripped)
        if numbers:
            close_paragraph()
            section_sources[:] = [int(n) for n in re.findall(r"\d+", numbers.group(1))]
            continue
        if stripped.startswith("<!--"):
            close_paragraph()
            in_questions = stripped.startswith(QUESTIONS_START)
            in_comment = COMMENT_END not in stripped
            continue
        heading = HEADING.match(line)
        if heading:
            close_section()
            heading_line = number
            level = len(heading.group(1))
            path[:] = [*path[: level - 1], heading.group(2)]
        elif not stripped:
            close_paragraph()
        elif LIST_ITEM.match(line):
            close_paragraph()
            item = LIST_ITEM.sub("", line).strip()
            current.append(item if item.endswith((".", "?", "!", ":")) else item + ".")
            close_paragraph()
        else:
            current.append(stripped)
    close_section()
    return sections


@lru_cache(maxsize=1)
def _sentencizer() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[str]:
    """Sentence segmentation with spaCy's rule-based sentencizer (no model download needed)."""
    return [sent.text.strip() for sent in _sentencizer()(text).sents if sent.text.strip()]


def window(sentences: list[str], split_length: int, split_overlap: int) -> list[list[str]]:
    """Group sentences into windows of `split_length` that share `split_overlap` sentences."""
    if split_length <= 0:
        raise ValueError("split_length must be positive")
    if not 0 <= split_overlap < split_length:
        raise ValueError("split_overlap must be in [0, split_length)")
    if len(sentences) <= split_length:
        return [sentences] if sentences else []
    step = split_length - split_overlap
    starts = range(0, len(sentences) - split_overlap, step)
    return [sentences[start : start + split_length] for start in starts]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def paragraph_sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences; the emergency steps are one, so no answer splits them."""
    return [paragraph] if is_emergency_steps(paragraph) else split_sentences(paragraph)


def chunk_document(
    path: Path, split_length: int = 5, split_overlap: int = 1, steps: str | None = None
) -> list[Chunk]:
    """Turn one knowledge file into chunks that carry file, heading path, topics and sources.

    `steps` are the emergency steps (`read_emergency_steps`), read from beside the file if None.
    """
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"), path)
    doc_id = path.stem
    chunks: list[Chunk] = []
    seen: set[str] = set()
    if steps is None:
        steps = read_emergency_steps(path.parent)
    for section in split_sections(body, steps):
        sentences = [s for paragraph in section.paragraphs for s in paragraph_sentences(paragraph)]
        heading = " > ".join(section.heading_path[1:]) or meta["title"]
        section_id = f"{doc_id}#{slugify(heading)}"
        for n, group in enumerate(window(sentences, split_length, split_overlap)):
            chunk_id = section_id + (f"-{n}" if n else "")
            while chunk_id in seen:
                chunk_id += "-x"
            seen.add(chunk_id)
            chunk_meta = {
                "file": path.name,
                "doc_id": doc_id,
                "heading": heading,
                "section": section_id,  # shared by every chunk of a long section
                "topics": list(meta["topics"]),
                "sources": section_source_list(meta["sources"], section, path),
                "sentences": group,
                "questions": list(section.questions),
            }
            chunks.append(Chunk(chunk_id, meta["title"], " ".join(group), chunk_meta))
    return chunks


def unlisted_sources(section: Section, count: int) -> list[int]:
    """The source numbers a section names that a front matter of `count` sources lacks."""
    return [n for n in section.sources if not 1 <= n <= count]


def section_source_list(
    sources: list[dict[str, str]], section: Section, path: Path
) -> list[dict[str, str]]:
    """The sources a section's answers cite: those it names, else all of the file's, in order."""
    if not section.sources:
        return list(sources)
    wrong = unlisted_sources(section, len(sources))
    if wrong:
        raise KnowledgeFileError(
            f"{path}: section '{section.heading_path[-1]}' names source {wrong[0]}, "
            f"but the file lists {len(sources)}"
        )
    return [sources[n - 1] for n in dict.fromkeys(section.sources)]


def knowledge_files(knowledge_dir: Path) -> list[Path]:
    files = sorted(knowledge_dir.glob("*.md"))
    return [path for path in files if path.name.lower() != "readme.md"]


def load_chunks(knowledge_dir: Path, split_length: int = 5, split_overlap: int = 1) -> list[Chunk]:
    """Chunk every knowledge file, in a stable order (the emergency steps read once)."""
    steps = read_emergency_steps(knowledge_dir)
    return [
        chunk
        for path in knowledge_files(knowledge_dir)
        for chunk in chunk_document(path, split_length, split_overlap, steps)
    ]


def content_hash(knowledge_dir: Path, *salts: object) -> str:
    """Hash of every knowledge file's name and bytes plus the chunking settings."""
    digest = hashlib.sha256()
    for path in [*knowledge_files(knowledge_dir), knowledge_dir / EMERGENCY_STEPS_FILE]:
        if not path.exists():
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for salt in salts:
        digest.update(repr(salt).encode())
    return digest.hexdigest()[:16]
