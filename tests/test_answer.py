from actions.answer import SOURCES_BREAK, compose_answer
from actions.knowledge import Chunk
from actions.retrieval import Hit

SOURCE_A = {"title": "Source A", "url": "https://a.example"}
SOURCE_B = {"title": "Source B", "url": "https://b.example"}


def hit(chunk_id: str, sentences: list[str], score: float, dense: float, doc: str = "doc") -> Hit:
    meta = {"doc_id": doc, "sentences": sentences, "sources": [SOURCE_A], "topics": ["t"]}
    if doc != "doc":
        meta["sources"] = [SOURCE_B]
    return Hit(Chunk(chunk_id, f"Title {doc}", " ".join(sentences), meta), score, dense, 0.5)


def test_answer_is_built_from_the_best_passage_with_its_source() -> None:
    hits = [
        hit("doc#a", ["First fact.", "Second fact."], 0.9, 0.8),
        hit("other#b", ["Else."], 0.5, 0.4, "other"),
    ]
    answer = compose_answer(hits, abstain_below=0.3)
    assert not answer.abstained
    assert answer.text.startswith("First fact. Second fact.")
    assert "Else." not in answer.text
    assert "[Source A](https://a.example)" in answer.text
    assert answer.chunk_ids == ["doc#a"] and answer.sources == [SOURCE_A]


def test_close_passages_of_the_same_document_are_merged_without_repeats() -> None:
    hits = [
        hit("doc#a", ["One.", "Two."], 0.90, 0.8),
        hit("doc#a-1", ["Two.", "Three."], 0.88, 0.8),
    ]
    answer = compose_answer(hits, abstain_below=0.3)
    assert answer.text.startswith("One. Two. Three.")
    assert answer.chunk_ids == ["doc#a", "doc#a-1"]


def test_length_is_capped() -> None:
    hits = [hit("doc#a", [f"S{n}." for n in range(9)], 0.9, 0.8)]
    answer = compose_answer(hits, abstain_below=0.3, max_sentences=3)
    assert answer.text.split(SOURCES_BREAK)[0] == "S0. S1. S2."


def test_weak_retrieval_abstains_and_offers_topics() -> None:
    hits = [hit("doc#a", ["Fact."], 0.3, 0.1), hit("other#b", ["Else."], 0.2, 0.1, "other")]
    answer = compose_answer(hits, abstain_below=0.3)
    assert answer.abstained
    assert answer.text.startswith("I don't know that")
    assert "Title doc; Title other" in answer.text
    assert "Fact." not in answer.text and answer.sources == []


def test_no_hits_abstains() -> None:
    assert compose_answer([], abstain_below=0.3).abstained


def test_at_most_three_sources_are_linked() -> None:
    sources = [{"title": f"S{n}", "url": f"https://s{n}.example"} for n in range(5)]
    meta = {"doc_id": "doc", "sentences": ["Fact."], "sources": sources, "topics": []}
    answer = compose_answer([Hit(Chunk("doc#a", "T", "Fact.", meta), 0.9, 0.8, 0.5)], 0.3)
    assert answer.text.endswith(
        "Sources: [S0](https://s0.example); [S1](https://s1.example); [S2](https://s2.example)"
    )
    assert answer.sources == sources
