"""actions/retrieval/definitions.py: headings that only name a form; questions that ask only what
one is."""

from __future__ import annotations

import pytest

from actions.knowledge_base.documents import Chunk
from actions.retrieval.definitions import DEFINITION_PENALTY, Definitions, properties_first
from actions.retrieval.forms import lookup_names
from actions.retrieval.hybrid import Hit
from actions.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def definitions() -> Definitions:
    names = lookup_names(PROJECT_ROOT / "nlu_data", ("form", "condition", "drug", "test"))
    return Definitions((names["form"], names["condition"]), names.values())


@pytest.mark.parametrize(
    ("heading", "defines"),
    [
        ("Diffuse cutaneous mastocytosis", True),
        ("What systemic mastocytosis is", True),
        ("Maculopapular cutaneous mastocytosis (urticaria pigmentosa)", True),
        ("Course and outlook of cutaneous mastocytosis", False),
        ("Antihistamines", False),  # a medicine's passage answers questions on the medicine
        ("Blistering in babies and young children", False),
    ],
)
def test_a_heading_defines_when_it_is_only_a_name(definitions, heading, defines) -> None:
    assert definitions.defines(heading) is defines


@pytest.mark.parametrize(
    ("sentence", "asks_what"),
    [
        ("what is that?", True),
        ("what does SM-AHN stand for", True),
        ("and what is DCM then?", True),
        ("how is that different from the indolent kind?", True),
        ("will it get better as he gets older", False),
        ("whats the chance it turns aggressive?", False),
        ("is it treated differently from ISM", False),
    ],
)
def test_a_question_asks_what_something_is_when_it_asks_nothing_else(
    definitions, sentence, asks_what
) -> None:
    assert definitions.asks_what(sentence) is asks_what


def hit(heading: str, score: float) -> Hit:
    chunk = Chunk(
        id=heading.lower().replace(" ", "-"), title="x", text=heading, meta={"heading": heading}
    )
    return Hit(chunk=chunk, score=score, dense=score, lexical=0.0)


def test_a_property_question_ranks_the_defining_passage_lower(definitions) -> None:
    hits = [hit("Diffuse cutaneous mastocytosis", 1.0), hit("Course and outlook", 0.95)]
    ranked = properties_first(hits, definitions, "will it get better as he gets older")
    headings = [h.chunk.heading for h in ranked]
    assert headings == ["Course and outlook", "Diffuse cutaneous mastocytosis"]
    assert ranked[1].score == pytest.approx(1.0 - DEFINITION_PENALTY)
    assert properties_first(hits, definitions, "what is that exactly?") == hits


def test_a_defining_passage_the_last_answer_used_is_not_lowered_twice(definitions) -> None:
    # not_again already lowered the passage the last answer was made of
    hits = [hit("Diffuse cutaneous mastocytosis", 0.9), hit("Course and outlook", 0.95)]
    said = ["diffuse-cutaneous-mastocytosis"]
    ranked = properties_first(hits, definitions, "is it dangerous?", said)
    assert [h.score for h in ranked] == [0.95, 0.9]
