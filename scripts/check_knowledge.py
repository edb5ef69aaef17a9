"""Check the knowledge files the way an editor needs: every problem named with its file and line.

Usage: python -m scripts.check_knowledge [KNOWLEDGE_DIR] [--today YYYY-MM-DD]

It fails (exit 1) when a file lacks a title, topics, sources with https URLs or a `last_reviewed`
date; when `last_reviewed` is more than 12 months old; when a section has no example questions;
when the same sentence appears in two files; when a section names signs of anaphylaxis, tells
someone to use adrenaline, or is tagged with an emergency happening now, without the one emergency
sequence (scripts/emergency_rules.py); when a topic that `shared/required-topics.yml` lists has no
section with sources and example questions; and when the emergency alert in bot/domain.yml differs
from the steps file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from actions.knowledge_base.documents import (
    EMERGENCY_STEPS_FILE,
    FRONT_MATTER,
    KnowledgeFileError,
    Section,
    is_emergency_steps,
    knowledge_files,
    paragraph_sentences,
    read_emergency_steps,
    slugify,
    split_sections,
    unlisted_sources,
)
from actions.knowledge_base.documents import split_sentences as split_into_sentences
from actions.settings import Settings
from scripts import render_emergency
from scripts.emergency_rules import steps_problem

MAX_REVIEW_AGE_DAYS = 366
MIN_DUPLICATE_WORDS = 6
REQUIRED_TOPICS = Path("shared") / "required-topics.yml"
MIN_REQUIRED_QUESTIONS = 5
STEP_COUNT = 5
PASSAGE_SENTENCES = Settings().split_length  # the chunker's passage length (CHUNK_SPLIT_LENGTH)

# An amount of a medicine, which the assistant never gives, in a passage or a source's title
# (answers show both): "1 mg", "0.3mg", "150 micrograms". Laboratory units (ng/mL) are not doses.
DOSE_AMOUNT = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|micrograms?|milligrams?)\b|"
    # how often a dose is taken is part of the dose too ("twice a day", "three times daily")
    r"\b(?:once|twice|(?:two|three|four) times) (?:a |per |each )?da(?:y|ily)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing an editor must fix, where to fix it, and why."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class KnowledgeFile:
    path: Path
    meta: dict[str, Any]
    meta_lines: dict[str, int]
    body_offset: int  # lines before the body: body line n is file line n + body_offset
    sections: list[Section]


def read_file(path: Path) -> tuple[KnowledgeFile | None, list[Problem]]:
    """Parse front matter and sections, reporting a missing or unreadable front matter."""
    raw = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(raw)
    if not match:
        return None, [Problem(str(path), 1, "no front matter (--- title, topics, sources ... ---)")]
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        return None, [Problem(str(path), 1, f"front matter is not valid YAML: {error}")]
    meta_lines = {
        line.split(":", 1)[0]: number
        for number, line in enumerate(match.group(1).splitlines(), start=2)
        if re.match(r"^\w+:", line)
    }
    offset = raw[: match.end()].count("\n")
    try:
        steps = read_emergency_steps(path.parent)
        sections = split_sections(raw[match.end() :], steps)
    except KnowledgeFileError as error:
        return None, [Problem(str(path), 1, str(error))]
    return KnowledgeFile(path, meta, meta_lines, offset, sections), []


def check_front_matter(file: KnowledgeFile, today: dt.date) -> list[Problem]:
    """Title, topics, https sources and a recent `last_reviewed` date."""
    where = str(file.path)
    problems = [
        Problem(where, 1, f"front matter lacks {name}")
        for name in ("title", "topics", "sources", "last_reviewed")
        if not file.meta.get(name)
    ]
    sources = file.meta.get("sources") or []
    for number, source in enumerate(sources if isinstance(sources, list) else [sources], 1):
        line = file.meta_lines.get("sources", 1)
        if not isinstance(source, dict) or not source.get("title"):
            problems.append(Problem(where, line, f"source {number} has no title"))
        url = str(source.get("url", "")) if isinstance(source, dict) else ""
        if not url.startswith("https://"):
            problems.append(Problem(where, line, f"source {number} needs an https URL: {url!r}"))
        title = str(source.get("title", "")) if isinstance(source, dict) else ""
        if DOSE_AMOUNT.search(title):
            problems.append(
                Problem(where, line, f"source {number}'s title gives a dose: {title!r}")
            )
    reviewed = file.meta.get("last_reviewed")
    line = file.meta_lines.get("last_reviewed", 1)
    if reviewed and not isinstance(reviewed, dt.date):
        problems.append(Problem(where, line, f"last_reviewed {reviewed!r} is not YYYY-MM-DD"))
    elif reviewed and (today - reviewed).days > MAX_REVIEW_AGE_DAYS:
        problems.append(
            Problem(where, line, f"last_reviewed {reviewed} is more than 12 months old: review it")
        )
    return problems


def check_sections(file: KnowledgeFile) -> list[Problem]:
    """Example questions, emergency steps and listed sources in every section.

    Every section needs example questions; one naming anaphylaxis signs needs the emergency
    steps; none gives a dose; a `<!-- sources: 1, 3 -->` comment may name only sources the
    front matter lists.
    """
    problems: list[Problem] = []
    listed = file.meta.get("sources")
    count = len(listed) if isinstance(listed, list) else 0
    for section in file.sections:
        line = section.line + file.body_offset
        heading = section.heading_path[-1] if section.heading_path else "(no heading)"
        if not section.questions:
            problems.append(
                Problem(str(file.path), line, f"section {heading!r} has no example questions")
            )
        problems += [
            Problem(str(file.path), line, f"section {heading!r} names source {n}, not listed")
            for n in unlisted_sources(section, count)
        ]
        if dose := DOSE_AMOUNT.search(" ".join(section.paragraphs)):
            problems.append(
                Problem(
                    str(file.path), line, f"section {heading!r} gives a dose: {dose.group(0)!r}"
                )
            )
        problem = steps_problem(section.paragraphs, section.questions) or steps_apart(section)
        if problem:
            problems.append(Problem(str(file.path), line, f"section {heading!r} {problem}"))
    return problems


def steps_apart(section: Section) -> str | None:
    """Why the steps could be cut from their lead-in: the section is more than one passage."""
    if not any(is_emergency_steps(p) for p in section.paragraphs):
        return None
    count = sum(len(paragraph_sentences(p)) for p in section.paragraphs)
    if count <= PASSAGE_SENTENCES:
        return None
    return (
        f"carries the emergency steps in {count} sentences: keep it to {PASSAGE_SENTENCES} "
        "(one passage), so the steps are never apart from what says when they apply"
    )


def normalise_sentence(sentence: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", sentence.lower()))


def check_duplicates(files: list[KnowledgeFile]) -> list[Problem]:
    """Sentences (of six words or more) that appear in more than one file."""
    first_seen: dict[str, tuple[Path, int]] = {}
    problems: list[Problem] = []
    for file in files:
        for section in file.sections:
            line = section.line + file.body_offset
            for paragraph in section.paragraphs:
                if is_emergency_steps(paragraph):
                    continue  # written once in the steps file, repeated on purpose
                for sentence in split_into_sentences(paragraph):
                    key = normalise_sentence(sentence)
                    if len(key.split()) < MIN_DUPLICATE_WORDS:
                        continue
                    seen = first_seen.setdefault(key, (file.path, line))
                    if seen[0] != file.path:
                        problems.append(
                            Problem(
                                str(file.path),
                                line,
                                f"sentence also in {seen[0]}:{seen[1]}: {sentence[:80]!r}",
                            )
                        )
    return problems


def section_id(file: KnowledgeFile, section: Section) -> str:
    """The id answers and the benchmark use: `file-stem#heading-slug` (as the chunker writes it)."""
    heading = " > ".join(section.heading_path[1:]) or str(file.meta.get("title", ""))
    return f"{file.path.stem}#{slugify(heading)}"


def check_required_topics(knowledge_dir: Path, files: list[KnowledgeFile]) -> list[Problem]:
    """Each topic patients ask about has a section, with its sources and example questions."""
    path = knowledge_dir / REQUIRED_TOPICS
    if not path.exists():
        return []
    sections = {section_id(f, s): s for f in files for s in f.sections}
    problems = []
    for topic, wanted in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
        section = sections.get(wanted)
        if section is None:
            problems.append(Problem(str(path), 1, f"topic {topic!r}: no section {wanted!r}"))
        elif not section.sources or len(section.questions) < MIN_REQUIRED_QUESTIONS:
            problems.append(
                Problem(
                    str(path),
                    1,
                    f"topic {topic!r}: {wanted} needs a sources comment and at least "
                    f"{MIN_REQUIRED_QUESTIONS} example questions",
                )
            )
    return problems


def check_steps_file(knowledge_dir: Path) -> list[Problem]:
    """The one emergency sequence: present, with its five numbered steps."""
    path = knowledge_dir / EMERGENCY_STEPS_FILE
    if not path.exists():
        return []
    try:
        steps = read_emergency_steps(knowledge_dir).splitlines()
    except KnowledgeFileError as error:
        return [Problem(str(path), 1, str(error))]
    if len(steps) != STEP_COUNT:
        return [Problem(str(path), 1, f"{len(steps)} steps, not {STEP_COUNT}")]
    return []


def check_alert(knowledge_dir: Path) -> list[Problem]:
    """The emergency alert the assistant sends says the steps in the same words."""
    if render_emergency.domain_alert() == render_emergency.alert_text(knowledge_dir):
        return []
    return [
        Problem(
            str(render_emergency.DOMAIN),
            1,
            f"{render_emergency.RESPONSE} differs from {EMERGENCY_STEPS_FILE}: "
            "run python -m scripts.render_emergency",
        )
    ]


def check_knowledge(knowledge_dir: Path, today: dt.date) -> list[Problem]:
    """Every problem in every knowledge file, sorted by file and line."""
    files: list[KnowledgeFile] = []
    problems: list[Problem] = []
    for path in knowledge_files(knowledge_dir):
        file, unreadable = read_file(path)
        problems += unreadable
        if file:
            files.append(file)
            problems += check_front_matter(file, today) + check_sections(file)
    problems += check_duplicates(files) + check_steps_file(knowledge_dir)
    return sorted(problems + check_required_topics(knowledge_dir, files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("knowledge_dir", nargs="?", type=Path, default=Path("knowledge"))
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    files = knowledge_files(args.knowledge_dir)
    problems = check_knowledge(args.knowledge_dir, args.today)
    if (args.knowledge_dir / EMERGENCY_STEPS_FILE).exists():
        problems += check_alert(args.knowledge_dir)
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(f"check-knowledge: {len(problems)} problem(s) in {len(files)} files")
    print(f"check-knowledge: {len(files)} files, no problems")


if __name__ == "__main__":
    main()
