"""actions/retrieval/ranking.py: how a planned question ranks passages beyond retrieval's scores."""

from actions.knowledge_base.documents import Chunk
from actions.retrieval.hybrid import Hit
from actions.retrieval.ranking import addressing_first, sought
from actions.understanding.planner import plan_query


def hit(chunk_id: str, heading: str, text: str, score: float) -> Hit:
    meta = {
        "file": "f.md",
        "heading": heading,
        "heading_path": [heading],
        "topics": [],
        "sources": [],
    }
    return Hit(Chunk(chunk_id, "Title", text, meta), score, 0.8, 0.5)


def test_a_passage_using_the_follow_ups_focus_word_overtakes_a_close_definition() -> None:
    definition = hit("a#what-it-is", "Diffuse cutaneous mastocytosis", "A rare severe form.", 0.62)
    outlook = hit(
        "a#outlook", "Will my child grow out of it", "Most children grow out of it.", 0.60
    )
    far = hit("a#far", "Driving", "Pull over when safe.", 0.40)
    ranked = addressing_first([definition, outlook, far], ["grow"])
    assert [h.chunk.id for h in ranked] == ["a#outlook", "a#what-it-is", "a#far"]


def test_without_focus_words_the_order_is_retrievals() -> None:
    hits = [hit("a#1", "One", "text", 0.6), hit("a#2", "Two", "grow", 0.5)]
    assert addressing_first(hits, []) == hits


def test_sought_leaves_out_the_subjects_own_words() -> None:
    text = "what is the outlook for smouldering mastocytosis?"
    ssm = {"entity": "form", "value": "smouldering mastocytosis", "start": 24, "end": 48}
    assert sought(plan_query(text, [ssm])) == ("outlook",)


def test_remembered_stems_are_the_tokenizers() -> None:
    from actions.understanding.words import stems_of, tokenize

    text = "Blisters can form after rubbing, heat, bathing or infections."
    assert stems_of(text) == frozenset(tokenize(text))
    assert stems_of(text) is stems_of(text)  # computed once
