"""How a planned question ranks passages and sentences beyond retrieval's own scores.

`sought` is the part of the question's focus that tells the answer apart, `addressing_first`
raises a follow-up's passages that use its focus words, and `asked_embedding` is what an
answer's sentences are chosen against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from actions.retrieval.hybrid import Hit
from actions.understanding.planner import QueryPlan
from actions.understanding.words import stems_of, tokenize

FOCUS_PASSAGE_WEIGHT = 0.05  # per share of the follow-up's focus words a passage uses


def addressing_first(hits: list[Hit], focus: Iterable[str]) -> list[Hit]:
    """A follow-up's hits, each raised by the share of its focus words the passage uses.

    "will she grow out of it?" is searched as "will she grow out of diffuse cutaneous
    mastocytosis?", and the passage that defines the form names it most; the passage on growing
    out of mastocytosis uses the word the question asks about.
    """
    stems = set(tokenize(" ".join(focus)))
    if not stems:
        return hits

    def share(hit: Hit) -> float:
        words = stems_of(hit.chunk.heading) | stems_of(hit.chunk.text)
        return len(stems & words) / len(stems)

    scored = [replace(h, score=h.score + FOCUS_PASSAGE_WEIGHT * share(h)) for h in hits]
    return sorted(scored, key=lambda h: -h.score)


def asked_embedding(query: np.ndarray, message: np.ndarray) -> np.ndarray:
    """What the answer's sentences are chosen against: the sentence that asks, with the query.

    "does that mean it's systemic?" alone has lost the daughter whose spots stayed until she was 16.
    """
    asked = query + message if message is not query else query
    return asked / (np.linalg.norm(asked) or 1.0)


def sought(plan: QueryPlan) -> tuple[str, ...]:
    """The focus words that say which fact is wanted, without the subject's own words.

    "what is the outlook for ASM?": "outlook". Retrieval has found passages on the subject, so
    among their sentences it is the kind of fact that tells the answer apart.
    """
    subject = set(tokenize(" ".join(plan.terms)))
    rest = tuple(word for word in plan.focus if not set(tokenize(word)) <= subject)
    return rest or plan.focus
