"""Words: the tokenizer and the small stemmer that retrieval, follow-ups and answerability share.

Kept apart from the retrieval engine so that the NLU's helpers (follow-up and scope rules) can
use them without loading it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

TOKEN = re.compile(r"[a-z0-9]+")
SPELLING_FILE = Path(__file__).resolve().parents[2] / "nlu_data" / "spelling.yml"
STOPWORDS = frozenset(
    """
    a about after all also am an and any are as at be been being but by can could do does did for
    from get got had has have he her him his how i if in into is it its me my no not of on or our
    she so some such than that the their them then there these they this those to too us was we
    were what when where which who whom why will with would you your yours please tell know
    """.split()
)


def stem(token: str) -> str:
    """A deliberately small stemmer: enough to match plurals and common verb endings."""
    for suffix, replacement in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("e", ""),  # "expire" and "expired", "cause" and "caused" share a stem
    ):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)] + replacement
    return token


@lru_cache(maxsize=1)
def spelling() -> dict[str, str]:
    """US forms (and common misspellings) to the UK word the knowledge uses: the NLU's synonyms."""
    if not SPELLING_FILE.exists():
        return {}
    data = yaml.safe_load(SPELLING_FILE.read_text(encoding="utf-8"))
    return {
        line.strip("- ").lower(): str(item["synonym"]).lower()
        for item in (data or {}).get("nlu", [])
        if "synonym" in item
        for line in str(item.get("examples", "")).splitlines()
        if line.strip()
    }


def tokenize(text: str) -> list[str]:
    """Content-word stems, with US spellings read as the UK word."""
    uk = spelling()
    words = (uk.get(token, token) for token in TOKEN.findall(text.lower()))
    return [stem(word) for word in words if word not in STOPWORDS]


@lru_cache(maxsize=16384)
def stems_of(text: str) -> frozenset[str]:
    """The set of `tokenize(text)`, remembered.

    The knowledge's sentences and passages are read again for every answer, and there are a few
    thousand of them.
    """
    return frozenset(tokenize(text))
