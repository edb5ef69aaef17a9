from pathlib import Path

import numpy as np
import pytest

from actions.knowledge_base.index import build_index
from actions.retrieval.hybrid import HybridRetriever
from actions.understanding.words import stem, tokenize
from tests.conftest import FakeEmbedder


@pytest.fixture
def retriever(knowledge_dir: Path, fake_embedder: FakeEmbedder) -> HybridRetriever:
    return HybridRetriever(build_index(knowledge_dir, fake_embedder, 3, 1))


def ask(retriever: HybridRetriever, embedder: FakeEmbedder, query: str, **kwargs):
    return retriever.retrieve(query, embedder.embed([query])[0], **kwargs)


def test_tokenize_drops_stopwords_and_stems() -> None:
    assert tokenize("What are the Symptoms of widgets?") == ["symptom", "widget"]
    assert stem("allergies") == "allergy"
    assert stem("is") == "is"
    # a verb's forms and a noun with its plural share one stem
    assert stem("expire") == stem("expired") == stem("expires")
    assert stem("itches") == stem("itch") and stem("vaccines") == stem("vaccine")


def test_us_spellings_read_as_the_uk_words_the_knowledge_uses() -> None:
    # nlu_data/spelling.yml: the NLU's synonyms carry the US forms
    assert tokenize("leukemia, anesthesia and diarrhea") == tokenize(
        "leukaemia, anaesthesia, diarrhoea"
    )
    assert tokenize("hematologists") == tokenize("haematologist")


def test_finds_the_passage_that_answers(retriever, fake_embedder) -> None:
    hits = ask(retriever, fake_embedder, "how do I clean my gizmo", top_k=2)
    assert hits[0].chunk.id.startswith("beta#cleaning-a-gizmo")
    assert hits[0].score >= hits[1].score
    assert 0 < hits[0].lexical <= 1


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_every_mode_ranks_the_obvious_match_first(retriever, fake_embedder, mode) -> None:
    hits = ask(retriever, fake_embedder, "widgets live in drawers", mode=mode)
    assert hits[0].chunk.id == "alpha#where-widgets-live"


def test_topic_of_the_intent_changes_the_ranking(knowledge_dir, fake_embedder) -> None:
    index = build_index(knowledge_dir, fake_embedder, 3, 1)
    retriever = HybridRetriever(index, dense_weight=0.0, lexical_weight=1.0, topic_boost=5.0)
    query = "copper gadget"  # lexically only about widgets (topic overview)
    plain = ask(retriever, fake_embedder, query)[0]
    boosted = ask(retriever, fake_embedder, query, topics=["treatment"])[0]
    assert plain.chunk.meta["doc_id"] == "alpha"
    assert boosted.chunk.meta["doc_id"] == "beta"


def test_entity_terms_boost_chunks_that_mention_them(knowledge_dir, fake_embedder) -> None:
    index = build_index(knowledge_dir, fake_embedder, 3, 1)
    retriever = HybridRetriever(index, term_boost=1.0)
    hits = ask(retriever, fake_embedder, "tell me something", terms=["hinge"])
    assert "hinge" in hits[0].chunk.text


def test_unknown_words_give_zero_lexical_scores(retriever) -> None:
    assert not retriever.lexical_scores("zzzz qqqq").any()


def test_arguments_are_checked(retriever, knowledge_dir, fake_embedder) -> None:
    vector = np.zeros(fake_embedder.dimensions, dtype=np.float32)
    with pytest.raises(ValueError):
        retriever.retrieve("q", vector, top_k=0)
    with pytest.raises(ValueError):
        retriever.retrieve("q", vector, mode="magic")
    with pytest.raises(ValueError):
        HybridRetriever(build_index(knowledge_dir, fake_embedder, 3, 1), 0.0, 0.0)


def test_example_questions_let_a_chunk_match_wording_it_does_not_use(retriever, fake_embedder):
    index = retriever.index
    assert index.question_owner.tolist() == [
        row for row, chunk in enumerate(index.chunks) if chunk.questions
    ]
    hits = ask(retriever, fake_embedder, "wash the thing", mode="dense")
    assert hits[0].chunk.id == "beta#cleaning-a-gizmo"
    assert hits[0].dense == pytest.approx(1.0, abs=1e-5)  # "how" is a stopword: same vector


def test_terms_found_almost_everywhere_get_no_boost(knowledge_dir, fake_embedder) -> None:
    index = build_index(knowledge_dir, fake_embedder, 3, 1)
    retriever = HybridRetriever(index, term_boost=1.0, max_term_share=0.5)
    assert (
        not retriever.term_scores(["gizmo"]).any()
        or (retriever.term_scores(["gizmo"]) > 0).mean() <= 0.5
    )
    assert not retriever.term_scores(["a"]).any()  # in every chunk's text
    assert retriever.term_scores(["hinge"]).max() == 1.0


def test_a_chunk_scores_its_best_example_question_exactly(retriever, fake_embedder) -> None:
    index = retriever.index
    for query in ("wash the thing", "how do I clean my gizmo", "widget symptoms"):
        query_embedding = fake_embedder.embed([query])[0]
        expected = index.corpus_embeddings @ query_embedding
        np.maximum.at(expected, index.question_owner, index.question_embeddings @ query_embedding)
        np.testing.assert_array_equal(retriever.dense_scores(query_embedding), expected)


def test_topic_and_term_scores_are_kept_and_stay_the_same(retriever) -> None:
    topics = retriever.topic_scores(["treatment", "overview"])
    assert topics.max() == pytest.approx(retriever.topic_boost) and not topics.flags.writeable
    assert retriever.topic_scores(["overview", "treatment"]) is topics
    retriever = HybridRetriever(retriever.index, max_term_share=0.5)
    terms = retriever.term_scores(["hinge"])
    assert terms.max() > 0
    np.testing.assert_array_equal(retriever.term_scores(["Hinge", "hinge"]), terms)
