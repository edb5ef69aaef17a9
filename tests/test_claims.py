"""actions/answering/claims.py: the symptom a question asks mastocytosis to explain; is it
covered?"""

from __future__ import annotations

import pytest

from actions.answering.claims import claimed_symptom, uncovered
from actions.understanding.focus import GENERIC


@pytest.mark.parametrize(
    ("question", "claimed"),
    [
        ("can mastocytosis cause ringing in the ears?", "ringing in the ears"),
        ("does masto make your joints ache", "joints ache"),
        (
            "the back of my tongue has gone black and furry, is that from the mastocytosis?",
            "the back of my tongue has gone black and furry",
        ),
        ("is mastocytosis a cancer?", None),
        ("does it make reactions worse?", None),  # what makes something worse, not a symptom
    ],
)
def test_the_claimed_symptom(question: str, claimed: str | None) -> None:
    assert claimed_symptom(question) == claimed


def test_a_symptom_is_covered_by_the_passages_words_or_their_example_questions() -> None:
    passages = "Bone pain and thinning of the bones. Tummy pain is common in children."
    assert uncovered("ringing in the ears", passages, GENERIC) == ["ringing", "ears"]
    assert uncovered("tummy pain", passages, GENERIC) == []
    assert uncovered("thin bones", passages, GENERIC) == []  # "thinning"
    # "red" is in "reddening", though "ear" is not in "early"
    assert uncovered("bright red out of nowhere", "sudden reddening", GENERIC) == []
    assert uncovered("ringing ears", "early ringing", GENERIC) == ["ears"]
    # where it is, and the words a story is told with, are not the symptom
    assert uncovered("a bump on my arm that got really bony", passages, GENERIC) == ["bump", "bony"]
