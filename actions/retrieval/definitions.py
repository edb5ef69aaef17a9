"""Passages that define a name, and questions that ask for a definition.

A follow-up names its subject again ("will diffuse cutaneous mastocytosis get better as he gets
older?"), and the passage headed with that name matches the name best. It says what the form
is; the question asks how it goes. Unless the message asks what something is, such a passage
ranks `DEFINITION_PENALTY` lower, so a passage on the property asked about can come first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from actions.retrieval.forms import FormNames
from actions.retrieval.hybrid import Hit
from actions.understanding.words import tokenize

DEFINITION_PENALTY = 0.1
# Words that ask what something is, or how it differs from another ("how is that different from
# the indolent kind?"), and the words a defining heading wraps its name in.
ASKING_WORDS = frozenset(
    tokenize("what is are mean means meaning stand stands for exactly actually explain define")
    + tokenize("definition called then again so and the kind type form one")
    + tokenize("different difference differ same compared compare versus vs like")
)
HEADING_WORDS = frozenset(tokenize("what is are and the"))


class Definitions:
    """Tells the headings that are only names, and the questions that only ask what one is."""

    def __init__(self, subjects: Iterable[FormNames], names: Iterable[FormNames]) -> None:
        """`subjects`: the forms and conditions a passage can define; `names`: all names."""
        self.subjects = tuple(subjects)
        self.names = tuple(names)
        # Every follow-up asks again about the same few hundred headings: remember them.
        self.defines = lru_cache(maxsize=1024)(self._defines)

    def _rest(self, text: str, wrapping: frozenset[str]) -> set[str]:
        """The words of `text` other than names and the `wrapping` words."""
        for names in self.names:
            text = names.without_names(text)
        return set(tokenize(text)) - wrapping

    def _defines(self, heading: str) -> bool:
        """True if a heading is a name and nothing else ("Diffuse cutaneous mastocytosis")."""
        named = any(names.named_in(heading) for names in self.subjects)
        return named and not self._rest(heading, HEADING_WORDS)

    def asks_what(self, sentence: str) -> bool:
        """True if the asking sentence wants only what something is ("what is that exactly?")."""
        return not self._rest(sentence, ASKING_WORDS)


def properties_first(
    hits: list[Hit], definitions: Definitions, asking: str, said: Iterable[str] = ()
) -> list[Hit]:
    """The hits with the passages that define a name lowered, unless `asking` asks what one is.

    A passage the last answer was made of (`said`) is already lowered for that: it is not
    lowered twice ("is it dangerous?" after "what is diffuse cutaneous mastocytosis?" may still
    be answered from the passage that says it is a severe form).
    """
    if definitions.asks_what(asking):
        return hits
    said = set(said)
    lowered = [
        replace(h, score=h.score - DEFINITION_PENALTY)
        if definitions.defines(h.chunk.heading) and h.chunk.id not in said
        else h
        for h in hits
    ]
    return sorted(lowered, key=lambda h: -h.score)
