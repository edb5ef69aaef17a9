import pytest

from actions.context import (
    asks_previous_question_again,
    contextual_query,
    follow_up_subject,
    is_follow_up,
    latest_subject,
)


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
    [
        "what is mast cell activation syndrome",
        "how do doctors diagnose mastocytosis in adults",
        "What causes mastocytosis?",
        "is masto curable",
    ],
)
def test_self_contained_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question)


def test_remembered_subject_is_added_to_a_follow_up_only() -> None:
    form = "indolent systemic mastocytosis"
    assert contextual_query("how is it treated?", False, form) == f"how is it treated? ({form})"
    assert contextual_query("how is it treated?", False, None) == "how is it treated?"
    assert contextual_query("how is ASM treated?", True, form) == "how is ASM treated?"
    standalone = "what is mast cell activation syndrome"
    assert contextual_query(standalone, False, form) == standalone
    gene = "KIT D816V"
    assert contextual_query("is that mutation inherited?", False, gene) == (
        f"is that mutation inherited? ({gene})"
    )


@pytest.mark.parametrize(
    "question", ["what about children?", "and in pregnancy?", "How about for kids", "same for SM?"]
)
def test_what_about_asks_the_previous_question_again(question: str) -> None:
    previous = "how is indolent systemic mastocytosis treated?"
    assert asks_previous_question_again(question)
    assert contextual_query(question, False, "ISM", previous) == f"{question} ({previous})"
    assert contextual_query(question, False, None, None) == question


@pytest.mark.parametrize("question", ["and how is it treated?", "what is it", "about time"])
def test_other_follow_ups_do_not_repeat_the_previous_question(question: str) -> None:
    assert not asks_previous_question_again(question)


def test_latest_subject_is_the_last_form_gene_or_drug_slot_set() -> None:
    events = [
        {"event": "slot", "name": "form", "value": "indolent systemic mastocytosis"},
        {"event": "slot", "name": "topic", "value": "treatment"},
        {"event": "slot", "name": "gene", "value": "KIT D816V"},
        {"event": "slot", "name": "pending_question", "value": None},
    ]
    slots = {"form": "indolent systemic mastocytosis", "gene": "KIT D816V", "topic": "treatment"}
    assert latest_subject(events, slots) == "KIT D816V"
    assert latest_subject(events[:2], slots) == "indolent systemic mastocytosis"
    assert latest_subject([], slots) is None


def test_a_follow_up_leans_on_what_the_last_answered_question_was_about() -> None:
    # "what's tryptase?" named a test: "what level counts as high" is about it.
    assert contextual_query(
        "what level counts as high", False, None, "what's tryptase?", "tryptase"
    ) == ("what level counts as high (tryptase)")
    # The last answer's subject wins over a form named long before it.
    assert follow_up_subject("how is it diagnosed?", False, "ISM", "tryptase") == "tryptase"


def test_a_pronoun_without_a_named_subject_points_back_to_the_last_question() -> None:
    previous = "what is hereditary alpha-tryptasemia?"
    assert contextual_query("how common is it?", False, "ISM", previous) == (
        f"how common is it? ({previous})"
    )
    # Short but with nothing pointing back: not tied to an unrelated previous question.
    assert contextual_query("symptoms?", False, None, "what triggers flares?") == "symptoms?"
    assert follow_up_subject("how common is it?", True, "ISM", "tryptase", previous) is None
