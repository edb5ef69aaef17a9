import pytest

from actions.knowledge_base.documents import load_chunks
from actions.retrieval.hybrid import INTENT_TOPICS
from actions.settings import PROJECT_ROOT
from scripts.eval_retrieval import BENCHMARK, first_relevant_rank, load_benchmark, score_ranks


def test_rank_of_the_first_gold_chunk() -> None:
    assert first_relevant_rank(["a", "b", "c"], {"c", "b"}) == 2
    assert first_relevant_rank(["a"], {"z"}) is None


def test_recall_and_mrr() -> None:
    metrics = score_ranks([1, 2, None, 4])
    assert metrics["queries"] == 4
    assert metrics["recall@1"] == 0.25
    assert metrics["recall@3"] == 0.5
    assert metrics["recall@5"] == 0.75
    assert metrics["mrr"] == pytest.approx((1 + 0.5 + 0.25) / 4, abs=1e-4)


def test_benchmark_is_large_and_its_gold_ids_exist() -> None:
    items = load_benchmark(BENCHMARK)
    assert len(items) >= 120
    chunk_ids = {chunk.id for chunk in load_chunks(PROJECT_ROOT / "knowledge")}
    for item in items:
        assert item["gold"] and set(item["gold"]) <= chunk_ids, item["question"]
        assert item["intent"] in INTENT_TOPICS, item["question"]
    assert len({item["question"].lower() for item in items}) == len(items)


def test_the_conversation_items_gold_ids_exist_and_turns_come_first() -> None:
    from scripts.eval_conversations import load_conversations, texts_of

    items = load_conversations()
    chunk_ids = {chunk.id for chunk in load_chunks(PROJECT_ROOT / "knowledge")}
    for item in items:
        assert item["turns"] and item["question"]
        assert item["gold"] and set(item["gold"]) <= chunk_ids, item["question"]
    texts = texts_of(items[:2])
    assert texts == [
        *items[0]["turns"],
        items[0]["question"],
        *items[1]["turns"],
        items[1]["question"],
    ]


def test_an_answer_is_coherent_with_at_most_two_passages_of_one_section() -> None:
    from scripts.eval_retrieval import coherent

    sections = {"a#x": "a#x", "a#x-1": "a#x", "a#x-2": "a#x", "b#y": "b#y"}
    assert coherent(["a#x"], sections) and coherent(["a#x", "a#x-1"], sections)
    assert not coherent(["a#x", "b#y"], sections)
    assert not coherent(["a#x", "a#x-1", "a#x-2"], sections)
