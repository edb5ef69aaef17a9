"""Answer composition: the sentences that answer the question, best first, with their sources."""

import numpy as np
import pytest

from actions.answering.answerability import ABSTAINED, ANSWERED, PARTIAL, Assessment
from actions.answering.composition import (
    SOURCES_BREAK,
    abstain,
    candidate_sentences,
    choose_sentences,
    chunk_part,
    compose_answer,
    not_again,
)
from actions.knowledge_base.documents import Chunk
from actions.retrieval.hybrid import Hit
from actions.understanding.unknowable import UNKNOWABLE

SOURCE_A = {"title": "Source A", "url": "https://a.example"}
SOURCE_B = {"title": "Source B", "url": "https://b.example"}
DIMENSIONS = 8


def hit(chunk_id: str, sentences: list[str], score: float, doc: str = "doc") -> Hit:
    base, _, part = chunk_id.rpartition("-")
    section = base if part.isdigit() else chunk_id  # "doc#b-1" is the second chunk of "doc#b"
    meta = {"doc_id": doc, "sentences": sentences, "topics": ["t"], "section": section}
    meta["sources"] = [SOURCE_A] if doc == "doc" else [SOURCE_B]
    return Hit(Chunk(chunk_id, f"Title {doc}", " ".join(sentences), meta), score, 0.8, 0.5)


def axis(n: int) -> np.ndarray:
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    vector[n] = 1.0
    return vector


def sentences_of(vectors: dict[str, np.ndarray]):
    """Each sentence's made-up embedding, as the index would hold it."""

    def lookup(found: Hit) -> tuple[list[str], np.ndarray]:
        sentences = found.chunk.meta["sentences"]
        return sentences, np.array([vectors[s] for s in sentences])

    return lookup


BIOPSY = [
    "A bone marrow biopsy takes a small sample from the hip bone.",
    "It is done in a clinic and takes about half an hour.",
    "A local anaesthetic numbs the skin and bone, so it is usually not very painful.",
    "The sample shows clusters of mast cells.",
]
VECTORS = {sentence: axis(n) for n, sentence in enumerate(BIOPSY)}


def answer_for(query: np.ndarray, hits: list[Hit], most: int = 5, focus=()) -> str:
    candidates = candidate_sentences(hits, sentences_of(VECTORS), query, focus)
    chosen = choose_sentences(candidates, most)
    return compose_answer(chosen, Assessment(ANSWERED), "biopsy", hits).text


def test_the_sentence_that_answers_comes_first_then_reading_order() -> None:
    # "does it hurt?" after a biopsy question: the pain sentence, not the passage's opening.
    query = np.array([0.6, 0.1, 0.7, 0.58, 0, 0, 0, 0], dtype=np.float32)  # cosines, as dots
    body = answer_for(query, [hit("doc#biopsy", BIOPSY, 0.9)])
    said = body.split(SOURCES_BREAK)[0]
    assert said == " ".join([BIOPSY[2], BIOPSY[0], BIOPSY[1], BIOPSY[3]])  # then reading order


def test_another_passage_of_the_section_adds_only_sentences_nearly_as_good() -> None:
    near, far = "Bruising at the site fades in days.", "Mast cells live in the skin."
    VECTORS.update({near: axis(5), far: axis(6)})
    hits = [hit("doc#biopsy", BIOPSY, 0.9), hit("doc#biopsy-1", [near, far], 0.85)]
    query = np.array([0.3, 0.3, 0.7, 0.3, 0, 0.68, 0.2, 0], dtype=np.float32)
    said = answer_for(query, hits).split(SOURCES_BREAK)[0]
    assert said.startswith(BIOPSY[2]) and near in said and far not in said


def test_a_passage_of_another_section_adds_nothing() -> None:
    near = "Bruising at the site fades in days."
    VECTORS.update({near: axis(5)})
    hits = [hit("doc#biopsy", BIOPSY, 0.9), hit("doc#after", [near], 0.85)]
    query = np.array([0.3, 0.3, 0.7, 0.3, 0, 0.68, 0.2, 0], dtype=np.float32)
    said = answer_for(query, hits).split(SOURCES_BREAK)[0]
    assert said.startswith(BIOPSY[2]) and near not in said  # one section: no mash-up


def test_focus_words_lift_the_sentence_that_names_them() -> None:
    query = (axis(0) + axis(2)) / np.sqrt(2)  # equally close to two sentences
    hits = [hit("doc#biopsy", BIOPSY, 0.9)]
    assert answer_for(query, hits, focus=["anaesthetic"]).startswith(BIOPSY[2])
    assert answer_for(query, hits, focus=["hip"]).startswith(BIOPSY[0])


def test_a_best_sentence_that_points_back_opens_after_what_it_points_to() -> None:
    # "It is done in a clinic" cannot open an answer: "it" is the biopsy of the sentence before.
    hits = [hit("doc#biopsy", BIOPSY, 0.9)]
    said = answer_for(axis(1), hits).split(SOURCES_BREAK)[0]
    assert said.startswith(f"{BIOPSY[0]} {BIOPSY[1]}")
    assert said.count(BIOPSY[0]) == 1
    assert answer_for(axis(1), hits, most=1).startswith(BIOPSY[1])  # no room for a lead-in


def test_length_is_capped_and_sources_are_those_of_the_sentences_used() -> None:
    other = "Mast cells live in the skin."
    VECTORS[other] = axis(7)
    hits = [hit("doc#biopsy", BIOPSY, 0.9), hit("other#cells", [other], 0.2, "other")]
    body = answer_for(np.ones(DIMENSIONS) / np.sqrt(DIMENSIONS), hits, most=2)
    said, links = body.split(SOURCES_BREAK)
    assert said.count(".") == 2
    assert "[Source A](https://a.example)" in links and "Source B" not in links


def test_a_long_section_is_read_in_order_whichever_chunk_ranked_first() -> None:
    hits = [hit("doc#b-1", BIOPSY[2:], 0.9), hit("doc#b", BIOPSY[:2], 0.88)]
    query = np.array([0.66, 0.5, 0.4, 0.7, 0, 0, 0, 0], dtype=np.float32)
    said = answer_for(query, hits).split(SOURCES_BREAK)[0]
    assert said == " ".join([BIOPSY[3], BIOPSY[0], BIOPSY[2]])


def test_a_repeated_sentence_of_overlapping_chunks_is_said_once() -> None:
    hits = [hit("doc#b", BIOPSY[:2], 0.9), hit("doc#b-1", BIOPSY[1:3], 0.88)]
    query = (axis(1) + axis(0)) / np.sqrt(2)
    candidates = candidate_sentences(hits, sentences_of(VECTORS), query, [])
    assert [c.sentence for c in candidates].count(BIOPSY[1]) == 1


def test_a_partial_answer_names_what_is_missing_then_what_is_known() -> None:
    candidates = candidate_sentences(
        [hit("doc#biopsy", BIOPSY, 0.9)], sentences_of(VECTORS), axis(0), []
    )
    chosen = choose_sentences(candidates, 5)
    answer = compose_answer(chosen, Assessment(PARTIAL, missing="CBD oil"), "supplements", [])
    assert answer.text.startswith(
        f"I don't have information on CBD oil. What I can tell you about supplements: {BIOPSY[0]}"
    )
    assert answer.outcome == PARTIAL and not answer.abstained and answer.missing == "CBD oil"
    price = compose_answer(chosen, Assessment(PARTIAL, unknowable=UNKNOWABLE["price"]), "x", [])
    assert price.text.startswith("I can't know prices") and price.missing == "price"


def test_an_abstention_names_the_gap_and_offers_the_nearest_topics() -> None:
    nearest = [hit("doc#a", ["Fact."], 0.3), hit("other#b", ["Else."], 0.2, "other")]
    answer = compose_answer(
        [], Assessment(ABSTAINED, missing="who first described it"), "", nearest
    )
    assert answer.abstained and answer.outcome == ABSTAINED
    assert answer.text.startswith("I don't have information on who first described it in the")
    assert "Title doc; Title other" in answer.text
    assert "Fact." not in answer.text and answer.sources == []
    assert answer.nearest == ["doc#a", "other#b"]
    assert abstain([]).text.startswith("I don't know that")


def test_at_most_three_sources_are_linked() -> None:
    sources = [{"title": f"S{n}", "url": f"https://s{n}.example"} for n in range(5)]
    meta = {"doc_id": "doc", "sentences": [BIOPSY[0]], "sources": sources, "topics": []}
    found = [Hit(Chunk("doc#a", "T", BIOPSY[0], meta), 0.9, 0.8, 0.5)]
    chosen = choose_sentences(candidate_sentences(found, sentences_of(VECTORS), axis(0), []), 5)
    answer = compose_answer(chosen, Assessment(ANSWERED), "x", found)
    assert answer.text.endswith(
        "Sources: [S0](https://s0.example); [S1](https://s1.example); [S2](https://s2.example)"
    )
    assert answer.sources == sources


def test_choosing_needs_room_for_a_sentence() -> None:
    with pytest.raises(ValueError):
        choose_sentences([], 0)


def test_chunk_parts_are_read_from_any_chunk_id() -> None:
    assert chunk_part("doc#b", "doc#b") == 0
    assert chunk_part("doc#b-2", "doc#b") == 2
    assert chunk_part("doc#b-x", "doc#b") == 0  # a repeated heading's chunk: no crash
    assert chunk_part("doc#b-1-x", "doc#b") == 1
    assert chunk_part("other#c", "doc#b") == 0


def test_a_sentence_about_another_form_loses_to_one_about_the_form_asked() -> None:
    smoldering = "Smoldering disease has an outlook between indolent and advanced disease."
    advanced = "Advanced disease generally shortens survival."
    VECTORS.update({smoldering: axis(0), advanced: axis(1)})
    hits = [hit("doc#outlook", [smoldering, advanced], 0.9)]
    query = np.array([0.8, 0.7, 0, 0, 0, 0, 0, 0], dtype=np.float32)  # the first is closer
    first = candidate_sentences(hits, sentences_of(VECTORS), query, ())
    assert max(first, key=lambda c: c.score).sentence == smoldering
    other_form = candidate_sentences(
        hits, sentences_of(VECTORS), query, (), off_subject=lambda s: s.startswith("Smoldering")
    )
    assert max(other_form, key=lambda c: c.score).sentence == advanced


def test_a_follow_up_is_not_answered_again_from_the_same_passage() -> None:
    said_before = hit("doc#what-up-is", ["UP is a form."], 1.0)
    new = hit("doc#outlook", ["UP often fades by puberty."], 0.95)
    assert [h.chunk.id for h in not_again([said_before, new], ["doc#what-up-is"])] == [
        "doc#outlook",
        "doc#what-up-is",
    ]
    assert not_again([said_before, new], []) == [said_before, new]


STEPS = "1. Give adrenaline at once.\n2. Call 999.\n3. Lie flat."


def test_a_passage_that_carries_the_emergency_steps_never_goes_without_them() -> None:
    sentences = ["Stings can trigger reactions.", "If you faint, act now:", STEPS, "See a doctor."]
    vectors = {s: axis(n) for n, s in enumerate(sentences)}
    stings = hit("doc#stings", sentences, 0.9)
    candidates = candidate_sentences([stings], sentences_of(vectors), axis(0), [])
    chosen = choose_sentences(candidates, max_sentences=1)
    lead_in = "If you faint, act now:"  # the sentence that says when the steps apply comes too
    assert [c.sentence for c in chosen] == ["Stings can trigger reactions.", lead_in, STEPS]
    answer = compose_answer(chosen, Assessment(ANSWERED), "stings", [stings])
    assert answer.text.startswith(f"Stings can trigger reactions. {lead_in}\n1. Give adrenaline")
    assert "3. Lie flat." + SOURCES_BREAK in answer.text  # the steps end on their own line


def test_the_emergency_steps_never_open_an_answer() -> None:
    sentences = ["After anaphylaxis, go to hospital.", "If it happens, act now:", STEPS]
    vectors = {s: axis(n) for n, s in enumerate(sentences)}
    found = hit("doc#after", sentences, 0.9)
    candidates = candidate_sentences([found], sentences_of(vectors), axis(2), [])  # most like STEPS
    chosen = choose_sentences(candidates, max_sentences=3)
    assert chosen[0].sentence != STEPS and chosen[-1].sentence == STEPS


def test_the_steps_are_not_added_from_a_passage_without_them() -> None:
    vectors = {s: axis(n) for n, s in enumerate(BIOPSY)}
    biopsy = hit("doc#biopsy", BIOPSY, 0.9)
    chosen = choose_sentences(candidate_sentences([biopsy], sentences_of(vectors), axis(0), []), 2)
    assert not any(c.sentence.startswith("1. ") for c in chosen)


def test_a_sentence_pointing_back_past_the_steps_does_not_pull_them_to_the_front() -> None:
    sentences = ["If it happens, act now:", STEPS, "This is why two devices are carried."]
    vectors = {s: axis(n) for n, s in enumerate(sentences)}
    found = hit("doc#two", sentences, 0.9)
    candidates = candidate_sentences([found], sentences_of(vectors), axis(2), [])
    chosen = [c.sentence for c in choose_sentences(candidates, max_sentences=3)]
    assert chosen[0] == "This is why two devices are carried."
    assert chosen[1:] == ["If it happens, act now:", STEPS]
