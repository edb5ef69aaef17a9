"""The answer layer on the real knowledge base and model: follow-ups and the point asked.

Each conversation goes through the functions the action calls (plan_query, the service's answer,
remember), with the entities the NLU would find written out by hand.
"""

from __future__ import annotations

import pytest

from actions.answering.composition import SOURCES_BREAK
from actions.service import QuestionAnswerer
from actions.settings import load_settings
from actions.understanding.planner import plan_query
from actions.understanding.state import ConversationState
from actions.understanding.thread import after_answer

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def service() -> QuestionAnswerer:
    answerer = QuestionAnswerer(load_settings())
    answerer.warm_up()
    return answerer


def entity(text: str, typed: str, kind: str, value: str) -> dict:
    start = text.index(typed)
    return {"entity": kind, "value": value, "start": start, "end": start + len(typed)}


def converse(service: QuestionAnswerer, turns: list[tuple[str, list[dict], str]]) -> list:
    """Each turn's answer, carrying the conversation state from turn to turn as the action does."""
    last, answers = None, []
    for text, entities, intent in turns:
        plan = plan_query(text, entities, last, kind=service.turn_kind(text).name)
        answer = service.answer(plan, intent, 0.95)
        answers.append(answer)
        if not answer.abstained:
            last = after_answer(plan, answer, intent)
    return answers


def said(answer) -> str:
    return answer.text.split(SOURCES_BREAK)[0]


def test_does_it_hurt_after_a_biopsy_question_starts_with_the_pain(service) -> None:
    first = "I have ISM, do I need a bone marrow biopsy?"
    ism = entity(first, "ISM", "form", "indolent systemic mastocytosis")
    biopsy = entity(first, "bone marrow biopsy", "test", "bone marrow biopsy")
    _, hurt = converse(
        service, [(first, [ism, biopsy], "ask_diagnosis"), ("does it hurt?", [], "ask_diagnosis")]
    )
    assert "hurt" in said(hurt).split(".")[0] or "pain" in said(hurt).split(".")[0]
    assert "anaesthetic" in said(hurt) or "anesthetic" in said(hurt)


def test_it_can_be_the_test_the_last_answer_named(service) -> None:
    first = "how do they confirm systemic mastocytosis in adults?"
    sm = entity(first, "systemic mastocytosis", "form", "systemic mastocytosis")
    how, hurt = converse(
        service, [(first, [sm], "ask_diagnosis"), ("does it hurt?", [], "ask_symptoms")]
    )
    assert "bone marrow biopsy" in how.names
    assert hurt.referent == "bone marrow biopsy"
    assert "anaesthetic" in said(hurt) or "anesthetic" in said(hurt)


def test_it_stays_the_thread_subject_when_that_answers_better(service) -> None:
    first = "what is systemic mastocytosis?"
    sm = entity(first, "systemic mastocytosis", "form", "systemic mastocytosis")
    _, treated = converse(
        service, [(first, [sm], "ask_types"), ("how is it treated?", [], "ask_treatment")]
    )
    assert treated.referent is None
    assert "treat" in said(treated).lower()


def test_the_outlook_of_one_form_is_not_answered_with_another(service) -> None:
    text = "what is the outlook for ASM?"
    asm = entity(text, "ASM", "form", "aggressive systemic mastocytosis")
    [answer] = converse(service, [(text, [asm], "ask_prognosis")])
    opening = said(answer).split(". ")[0]
    assert "moldering" not in opening and "ndolent" not in opening
    assert "survival" in said(answer) or "shorten" in said(answer)


def test_a_follow_up_with_its_own_topic_leaves_the_thread(service) -> None:
    first = "I have SM and I'm booked for a hip replacement. is general anaesthesia safe for me?"
    sm = entity(first, "SM", "form", "systemic mastocytosis")
    _, dentist = converse(
        service,
        [
            (first, [sm], "ask_living_with"),
            ("and what about going to the dentist?", [], "ask_living_with"),
        ],
    )
    assert "dent" in said(dentist).split(". ")[0].lower()


def test_a_short_follow_up_about_something_new_is_still_answered(service) -> None:
    first = "i need a CT scan with contrast dye next week, is that risky with masto"
    _, filling = converse(
        service,
        [
            (first, [], "ask_living_with"),
            ("and the dentist? need a filling", [], "ask_living_with"),
        ],
    )
    assert not filling.abstained and "dent" in said(filling).lower()


def test_the_question_not_the_context_decides_the_opening(service) -> None:
    text = "my son is 6 and has urticaria pigmentosa. what should his school know?"
    up = entity(text, "urticaria pigmentosa", "form", "maculopapular cutaneous mastocytosis")
    [answer] = converse(service, [(text, [up], "ask_children")])
    opening = answer.chunk_ids[0]
    assert opening.startswith("children#mastocytosis-at-school") and "school" in said(answer)


def test_it_is_the_related_condition_asked_about(service) -> None:
    first = "my tryptase is 11.5 and the allergist mentioned HaT?? what's that"
    tryptase = entity(first, "tryptase", "test", "tryptase")
    hat = entity(first, "HaT", "condition", "hereditary alpha-tryptasemia")
    _, kids = converse(
        service,
        [
            (first, [tryptase, hat], "ask_related_conditions"),
            ("can my kids get it from me?", [], "ask_genetics"),
        ],
    )
    assert "autosomal dominant" in said(kids) or "inherited" in said(kids)


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("does mastocytosis cause hair loss", "hair"),
        ("can my dog get mastocytosis from me", "dog"),
        ("can mastocytosis cause tinnitus", "tinnitus"),
        ("can black seed oil cure mastocytosis? my aunt swears by it", "black seed oil"),
    ],
)
def test_a_close_passage_that_does_not_address_the_question_is_not_an_answer(
    service, question: str, word: str
) -> None:
    [answer] = converse(service, [(question, [], "ask_symptoms")])
    assert answer.outcome != "answered" and word in answer.missing
    assert said(answer).startswith(("I don't have information on", "I don't know"))


def test_a_follow_up_about_the_subject_is_not_the_subjects_definition_again(service) -> None:
    first = "my daughter is 2 and the derm said she has urticaria pigmentosa. what is that??"
    up = entity(first, "urticaria pigmentosa", "form", "maculopapular cutaneous mastocytosis")
    what, grow = converse(
        service,
        [(first, [up], "ask_children"), ("will she grow out of it?", [], "ask_children")],
    )
    assert grow.chunk_ids[0] != what.chunk_ids[0]
    assert any(word in said(grow) for word in ("puberty", "adolescence", "fade"))


@pytest.mark.parametrize(
    "text",
    [
        "my wife has been really anxious and low, is that part of mastocytosis?",
        "my hubby gets flushing after wine, why?",
        "can my fiancé catch mastocytosis from me?",
        "my stepson has UP, will it fade?",
    ],
)
def test_the_person_asked_about_is_never_the_missing_part(service, text) -> None:
    (answer,) = converse(service, [(text, [], "ask_symptoms")])
    # "will it fade?" about a stepson may be read as a prediction about him: that kind, never
    # the person, is then what is missing
    assert answer.missing in ("", "prediction")


def test_a_clear_standalone_question_is_not_also_read_with_the_thread(service, monkeypatch) -> None:
    calls = []
    search = service._retrieve
    monkeypatch.setattr(service, "_retrieve", lambda *a, **k: calls.append(a[0]) or search(*a, **k))
    stings = "are wasp stings dangerous?"
    previous = ConversationState(stings, stings, thread_topics=("wasp", "stings"))
    clear = plan_query("what is mastocytosis?", [], previous)
    assert clear.alternatives  # there is a reading with the thread ...
    service.answer(clear, "ask_what_is", 0.95)
    assert calls == ["what is mastocytosis?"]  # ... but the passage found first is close enough


def test_a_property_follow_up_is_not_answered_with_the_forms_definition(service) -> None:
    first = (
        "our son is 3 weeks old and has blisters and thick red skin, the dermatologist says "
        "diffuse cutaneous mastocytosis. what is that"
    )
    dcm = entity(first, "diffuse cutaneous mastocytosis", "form", "diffuse cutaneous mastocytosis")
    why = "why does he get the blisters?"
    *_, later = converse(
        service,
        [
            (first, [entity(first, "blisters", "symptom", "blistering"), dcm], "ask_children"),
            (why, [entity(why, "blisters", "symptom", "blistering")], "nlu_fallback"),
            ("will it get better as he gets older", [], "ask_prognosis"),
        ],
    )
    assert later.chunk_ids[0] != "cutaneous-mastocytosis#diffuse-cutaneous-mastocytosis"


def test_a_follow_up_on_a_related_condition_stays_on_that_condition(service) -> None:
    first = "whats mast cell activation syndrome"
    name = "mast cell activation syndrome"
    mcas = entity(first, name, "condition", name)
    _, diagnosed = converse(
        service,
        [
            (first, [mcas], "ask_related_conditions"),
            ("how do doctors diagnose it?", [], "ask_diagnosis"),
        ],
    )
    # not the passage on diagnosing mastocytosis, which the question's own words point to
    assert diagnosed.chunk_ids[0].startswith("related-conditions#")
