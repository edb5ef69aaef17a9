"""Which forms of mastocytosis a sentence is about, so an answer stays on the form asked about.

"What is the outlook for aggressive systemic mastocytosis?" and "Smoldering systemic
mastocytosis has an outlook between indolent and advanced disease" are worded almost alike, and
their embeddings agree; they are about different forms. The names come from the NLU's own
lookup table and synonyms (nlu_data/), so the answer layer and the NLU recognise the same forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

FORM = "form"


class FormNames:
    """Finds the forms of mastocytosis named in a text, as canonical names."""

    def __init__(self, names: dict[str, str]) -> None:
        self.canonical = {name.lower(): value.lower() for name, value in names.items()}
        phrases = sorted(self.canonical, key=len, reverse=True)
        self._pattern = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b", re.IGNORECASE)
            if phrases
            else None
        )
        # Every answer checks the same knowledge sentences again: remember what they name.
        self._named_in_order = lru_cache(maxsize=8192)(self._find)

    @classmethod
    def from_nlu(cls, nlu_dir: Path, kind: str = FORM) -> FormNames:
        """The `kind` lookup table and the synonyms of its values, from the NLU training data."""
        return lookup_names(nlu_dir, (kind,))[kind]

    def named_in(self, text: str) -> set[str]:
        return set(self.named_in_order(text))

    def named_in_order(self, text: str) -> tuple[str, ...]:
        """The canonical names found in `text`, each once, in the order they first appear."""
        return self._named_in_order(text)

    def _find(self, text: str) -> tuple[str, ...]:
        if self._pattern is None:
            return ()
        found = (self.canonical[m.group(0).lower()] for m in self._pattern.finditer(text))
        return tuple(dict.fromkeys(found))

    def without_names(self, text: str) -> str:
        """`text` with every name it contains blanked out."""
        return self._pattern.sub(" ", text) if self._pattern is not None else text

    def off_subject(self, asked: Iterable[str], text: str) -> bool:
        """True if `text` names forms, and none of them is or contains a form that was asked about.

        "indolent systemic mastocytosis" answers a question on systemic mastocytosis; a sentence
        on smoldering systemic mastocytosis does not answer one on the aggressive form.
        """
        asked = set(asked)
        named = self.named_in(text)
        if not asked or not named:
            return False
        return not any(a in n or n in a for a in asked for n in named)


def lookup_names(nlu_dir: Path, kinds: Iterable[str]) -> dict[str, FormNames]:
    """For each entity kind, the names of its lookup table and their synonyms' canonical values.

    The NLU's files are read once for all kinds.
    """
    kinds = tuple(kinds)
    lookups: dict[str, list[str]] = {kind: [] for kind in kinds}
    synonyms: dict[str, str] = {}
    for path in sorted(nlu_dir.glob("*.yml")) if nlu_dir.is_dir() else []:
        for item in (yaml.safe_load(path.read_text("utf-8")) or {}).get("nlu") or []:
            examples = _examples(item.get("examples"))
            if item.get("lookup") in lookups:
                lookups[item["lookup"]] += examples
            elif "synonym" in item:
                synonyms.update({e.lower(): str(item["synonym"]) for e in examples})
    found = {}
    for kind, names in lookups.items():
        canonical = {name: synonyms.get(name.lower(), name) for name in names}
        canonical.update({value: value for value in set(canonical.values())})
        found[kind] = FormNames(canonical)
    return found


def _examples(block: object) -> list[str]:
    if not isinstance(block, str):
        return []
    return [
        line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")
    ]
