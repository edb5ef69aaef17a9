"""plan_query: what a message asks and what to search for, given the conversation so far."""

import pytest

from actions.planner import expand_entities, plan_query, thread_words

ISM = {"entity": "form", "value": "indolent systemic mastocytosis", "start": 11, "end": 14}


def last(thread: str, subject: str | None = None) -> dict:
    return {"question": thread, "thread": thread, "subject": subject}


def test_a_first_question_is_searched_as_asked_with_entities_spelt_out() -> None:
    plan = plan_query("how is the ISM treated?", [ISM])
    assert plan.query == plan.question == "how is the indolent systemic mastocytosis treated?"
    assert plan.subject == "indolent systemic mastocytosis" and not plan.follow_up
    assert plan.thread == plan.question


@pytest.mark.parametrize(
    ("follow_up", "thread"),
    [
        ("side effects?", "what's the treatment for smoldering systemic mastocytosis?"),
        ("does it hurt?", "how is a bone marrow biopsy done?"),
        ("how is that checked?", "what is KIT D816V?"),
        ("will she grow out of it?", "my daughter has urticaria pigmentosa, what is it?"),
        ("how much does it cost?", "what is avapritinib?"),
        ("what about children?", "how is indolent systemic mastocytosis treated?"),
        ("and in pregnancy?", "which antihistamines are used?"),
    ],
)
def test_a_follow_up_is_searched_with_its_thread(follow_up: str, thread: str) -> None:
    plan = plan_query(follow_up, [], last(thread))
    assert plan.follow_up and plan.query == f"{follow_up} ({thread_words(thread, None)})"
    assert plan.thread == thread  # the thread stays with its standing question
    assert plan.subject is None


def test_a_follow_up_leans_on_the_thread_subject_and_kind_of_fact() -> None:
    thread = "what's the treatment for smoldering systemic mastocytosis?"
    plan = plan_query("side effects?", [], last(thread, "smoldering systemic mastocytosis"))
    assert plan.query == "side effects? (smoldering systemic mastocytosis treatment)"
    assert plan.subject == "smoldering systemic mastocytosis"
    biopsy = plan_query("does it hurt?", [], last("how is a bone marrow biopsy done?"))
    assert biopsy.query == "does it hurt? (bone marrow biopsy)"


def test_the_focus_is_what_the_follow_up_itself_asks() -> None:
    plan = plan_query("side effects?", [], last("what's the treatment for SSM?"))
    assert plan.focus == ("side", "effects")
    assert plan_query("does CBD oil help mastocytosis?").focus == ("CBD", "oil")


def test_a_new_question_drops_the_old_subject() -> None:
    previous = last("what is indolent systemic mastocytosis?", "indolent systemic mastocytosis")
    plan = plan_query("What causes mastocytosis in children?", [], previous)
    assert not plan.follow_up and plan.query == "What causes mastocytosis in children?"
    assert plan.subject is None and plan.thread == plan.query


def test_a_question_naming_its_own_subject_starts_a_new_thread() -> None:
    plan = plan_query("how is the ISM treated?", [ISM], last("what is avapritinib?", "avapritinib"))
    assert not plan.follow_up and plan.subject == "indolent systemic mastocytosis"


def test_what_about_a_named_subject_still_asks_the_question_again() -> None:
    entity = {"entity": "form", "value": "aggressive systemic mastocytosis", "start": 11, "end": 14}
    plan = plan_query("what about ASM?", [entity], last("how is ISM treated?", "ISM"))
    assert plan.follow_up
    assert plan.query == "what about aggressive systemic mastocytosis? (ISM treated)"


def test_a_question_naming_a_subject_but_pointing_back_is_a_follow_up() -> None:
    sm = {"entity": "form", "value": "systemic mastocytosis", "start": 16, "end": 18}
    thread = last("what is KIT D816V?", "KIT D816V")
    plan = plan_query("how many adults with SM have that mutation?", [sm], thread)
    assert plan.follow_up and plan.query.endswith("(KIT D816V)")
    assert plan.terms == ("systemic mastocytosis", "KIT D816V")


def test_without_a_last_answer_the_remembered_subject_is_the_thread() -> None:
    plan = plan_query("how is it treated?", [], None, "indolent systemic mastocytosis")
    assert plan.query == "how is it treated? (indolent systemic mastocytosis)"
    assert plan_query("how is it treated?").query == "how is it treated?"


def test_a_subject_named_long_ago_does_not_outlive_a_newer_answer() -> None:
    previous = last("what causes mastocytosis?")  # answered, and named no subject
    plan = plan_query("is it inherited?", [], previous, "indolent systemic mastocytosis")
    assert "indolent" not in plan.query and plan.subject is None


def test_a_long_first_message_is_cut_before_it_becomes_a_thread() -> None:
    plan = plan_query("why " + "really " * 80 + "does mastocytosis happen?")
    assert len(plan.thread) == 200


def test_entities_are_spelt_out_only_where_the_text_differs() -> None:
    kids = {"entity": "population", "value": "children", "start": 15, "end": 19}
    assert expand_entities("what is ISM in kids?", [{**ISM, "start": 8, "end": 11}, kids]) == (
        "what is indolent systemic mastocytosis in children?"
    )
    same = {"entity": "test", "value": "tryptase", "start": 8, "end": 16}
    assert expand_entities("what is Tryptase", [same]) == "what is Tryptase"
    assert expand_entities("what is ISM", [{"value": "x"}]) == "what is ISM"


def test_a_pressed_button_is_not_spelt_out() -> None:
    plan = plan_query("How is mastocytosis treated?", [ISM], spell_out=False)
    assert plan.question == "How is mastocytosis treated?"
