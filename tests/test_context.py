import pytest

from actions.context import contextual_query, is_follow_up


@pytest.mark.parametrize(
    "question",
    [
        "how is it treated?",
        "what are its symptoms",
        "and in children?",
        "what about the outlook",
        "prognosis?",
    ],
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["what is mast cell activation syndrome", "how do doctors diagnose mastocytosis in adults"],
)
def test_self_contained_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question)


def test_remembered_form_is_added_to_a_follow_up_only() -> None:
    form = "indolent systemic mastocytosis"
    assert contextual_query("how is it treated?", [], form) == f"how is it treated? ({form})"
    assert contextual_query("how is it treated?", [], None) == "how is it treated?"
    assert contextual_query("how is ASM treated?", ["aggressive systemic mastocytosis"], form) == (
        "how is ASM treated?"
    )
    standalone = "what is mast cell activation syndrome"
    assert contextual_query(standalone, [], form) == standalone
