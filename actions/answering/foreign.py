"""Which words of a question the sentences of its answer do not address.

A word is not addressed when the question without it is *more* like the best of the chosen
sentences than with it (by `FOREIGN_WORD`): the sentences matched the rest of the question.
"does mastocytosis cause hair loss?" matches the sentences on skin symptoms better without
"hair". The check costs one embedding per candidate word (and one for all of them together).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

# A word whose removal makes the question this much more like the passage is one the passage
# does not address (on the retrieval benchmark, 1 of 82 candidate words falls below).
FOREIGN_WORD = -0.05


def foreign_words(
    query: str,
    words: Sequence[str],
    sentences: np.ndarray,
    embed: Callable[[list[str]], np.ndarray],
) -> list[str]:
    """The `words` of `query` that the chosen `sentences` (their embeddings, one per row) miss.

    Each word is tried alone, and (for several) all of them together: "black seed oil" is
    foreign as a phrase although "black oil" is still half-foreign without "seed".
    """
    if not words or not len(sentences):
        return []
    groups = [[word] for word in words] + ([list(words)] if len(words) > 1 else [])
    without = [query for _ in groups]
    for n, group in enumerate(groups):
        for word in group:
            without[n] = re.sub(rf"\b{re.escape(word)}\b", " ", without[n])
    embeddings = embed([query, *without])
    full = float((sentences @ embeddings[0]).max())
    foreign = [
        group
        for group, embedding in zip(groups, embeddings[1:], strict=True)
        if full - float((sentences @ embedding).max()) < FOREIGN_WORD
    ]
    return list(dict.fromkeys(word for group in foreign for word in group))
