"""Every relative link in README.md and docs/ resolves, and the README stays short.

The README is for three readers (a web person, an operator, a contributor) and points to docs/
for everything else; a page moved or renamed there must not leave a dead link behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
MAX_README_LINES = 200  # the README must stay under this
PAGES = [README, *sorted((PROJECT_ROOT / "docs").rglob("*.md"))]
# [text](target) and ![alt](target); the target ends at whitespace or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")
EXTERNAL = ("http://", "https://", "mailto:", "#")


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code removed."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            lines.append(INLINE_CODE.sub("", line))
    return lines


def relative_links(page: Path) -> list[str]:
    """The link targets of a page that point into the repository."""
    targets = [m for line in prose_lines(page.read_text("utf-8")) for m in LINK.findall(line)]
    return [target for target in targets if not target.startswith(EXTERNAL)]


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in relative_links(page):
        path = target.split("#", 1)[0]
        if not (page.parent / path).exists():
            broken.append(target)
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(PROJECT_ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_readme_stays_under_its_length() -> None:
    lines = README.read_text("utf-8").splitlines()
    assert len(lines) < MAX_README_LINES, f"README.md has {len(lines)} lines"


def test_the_readme_starts_with_the_two_commands() -> None:
    opening = README.read_text("utf-8").split("\n\n", 2)[1]
    assert "make run" in opening and "make test" in opening


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# There\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md) [ok too](there.md#there) ![img](missing.png) [web](https://example.org)\n"
        "`[in code](gone.md)`\n```\n[in a block](gone.md)\n```\n[gone](sub/gone.md)\n"
    )
    assert broken_links(page) == ["missing.png", "sub/gone.md"]
