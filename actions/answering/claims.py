"""Whether the passages found speak of the symptom a question asks mastocytosis to explain.

"can mastocytosis cause ringing in the ears?" and "the back of my tongue has gone black and
furry, is that from the mastocytosis?" find the passages on symptoms, which never mention ears
or tongues going black: answered from them, the reply is a confident list of other symptoms.
The symptom asked about is what the question claims; its words must be in the passages found
(their text or the example questions their editors wrote, which carry everyday words such as
"tummy"), or it is the missing part.
"""

from __future__ import annotations

import re

from actions.understanding.context import MASTOCYTOSIS_WORDS
from actions.understanding.words import STOPWORDS, stem, tokenize

_CONDITION = rf"(?:{MASTOCYTOSIS_WORDS}|sm|ism|it|this|that|my condition)"
CLAIM = re.compile(
    # "can mastocytosis cause ringing in the ears?", "does masto make your joints ache"
    r"\b(?:does|do|can|could|would|will|is|might)\s+" + _CONDITION + r"\s+"
    r"(?:cause|causes|give|gives|lead to|make|makes|explain|be behind|be the reason for)\s+"
    r"(?:you\s+|me\s+|your\s+|my\s+|people\s+)?(?P<after>[^?.!,]{3,60})"
    # "my ear lobes tingle, is that from the mastocytosis?"
    r"|(?P<before>[^?.!,]{3,80}?)[,.]?\s+(?:is|could|can|might)\s+(?:that|this|it|they|these)\s+"
    r"(?:be\s+)?(?:from|part of|caused by|due to|related to|linked to|a symptom of|because of)\s+"
    r"(?:the\s+|my\s+)?" + _CONDITION + r"\b",
    re.IGNORECASE,
)
# Words a claimed symptom is told with that name no symptom ("the back of my ...", "gone").
TELLING = frozenset(
    tokenize(
        "back front side gone going get gets getting got have has had feel feels feeling keep "
        "keeps kept weird strange really very bit little lot right before after sometimes often "
        "always every time times day days night week symptom symptoms problem problems thing "
        "things also still just lately recently start started instead leave leaves left"
        # how much, or how suddenly ("bright red and hot out of nowhere")
        " bright deep quite so badly terribly awfully suddenly sudden out nowhere randomly"
        # where the symptom is, not what it is ("a raised red line on my arm")
        " arm arms leg legs hand hands foot feet face chest neck skin body head"
    )
)


# What follows a three-letter word in its stemmed longer forms, after any doubled last letter:
# "red(d)en", "rednes".
SHORT_WORD_FORMS = re.compile(r"en|ened|ening|nes|ness|ish|y|s|es|ed|ing")


def claimed_symptom(message: str) -> str | None:
    """The symptom a question asks mastocytosis to explain, as written, if it asks that."""
    match = CLAIM.search(message)
    if not match:
        return None
    claimed = (match.group("after") or match.group("before") or "").strip()
    # "does it make reactions worse?" asks what makes something worse, not about a symptom
    if re.search(r"\b(?:worse|better)\s*$", claimed, re.IGNORECASE):
        return None
    return claimed or None


def uncovered(claimed: str, passages: str, generic: frozenset[str]) -> list[str]:
    """The words of the claimed symptom that the passages never use, as written."""
    covered = set(tokenize(passages))

    def uses(word: str) -> bool:  # "thin" is in "thinning", whose stem is "thinn"
        if word in covered:
            return True
        if len(word) >= 4:
            return any(c.startswith(word) for c in covered)
        # "red" is in "reddening" and "redness", but "ear" is not in "early"
        endings = (c[len(word) :] for c in covered if c.startswith(word))
        return any(SHORT_WORD_FORMS.fullmatch(e.removeprefix(word[-1])) for e in endings)

    words = re.findall(r"[A-Za-z][A-Za-z'-]+", claimed)
    return [
        word
        for word in words
        if (lower := word.lower()) not in STOPWORDS
        and lower not in generic
        and stem(lower) not in TELLING
        and not uses(stem(lower))
    ]
