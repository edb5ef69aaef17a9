import pytest

from actions.understanding.context import asks_previous_question_again, is_follow_up, latest_subject


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


@pytest.mark.parametrize(
    "question",
    [
        "what about children?",
        "and in pregnancy?",
        "How about for kids",
        "same for SM?",
        "and systemic mastocytosis specifically?",
        "and hot weather or saunas?",
    ],
)
def test_what_about_asks_the_previous_question_again(question: str) -> None:
    assert asks_previous_question_again(question)


@pytest.mark.parametrize(
    "question",
    [
        "and how is it treated?",
        "what is it",
        "about time",
        "and is it common in children?",
        "and i get hives",
    ],
)
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
