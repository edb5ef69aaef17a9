"""plan_query: what a message asks and what to search for, given the conversation so far."""

from dataclasses import replace

import pytest

from actions.understanding.planner import expand_entities, plan_query
from actions.understanding.references import resolve_reference
from actions.understanding.state import ConversationState
from actions.understanding.thread import asked_words, remember, thread_words, topic_words
from actions.understanding.turn_kind import FOLLOW_UP, NEW_QUESTION
from tests.conftest import kind_of


def planned(text: str, *args, **kwargs):
    """plan_query with the turn kind production's classifier reads for `text`."""
    return plan_query(text, *args, kind=kind_of(text), **kwargs)


ISM = {"entity": "form", "value": "indolent systemic mastocytosis", "start": 11, "end": 14}


def last(thread: str, subject: str | None = None, **fields) -> ConversationState:
    """A conversation whose last answer answered `thread` (an older state: no topics kept)."""
    return ConversationState(last_question=thread, thread=thread, subject=subject, **fields)


def test_a_first_question_is_searched_as_asked_with_entities_spelt_out() -> None:
    plan = planned("how is the ISM treated?", [ISM])
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
    ],
)
def test_a_follow_up_is_searched_with_its_thread(follow_up: str, thread: str) -> None:
    plan = planned(follow_up, [], last(thread))
    assert plan.follow_up and plan.query == f"{follow_up} ({thread_words(thread, None)})"
    assert plan.thread == thread  # the thread stays with its standing question
    assert plan.subject is None


@pytest.mark.parametrize(
    ("follow_up", "entities", "thread", "standalone"),
    [
        (
            "and in pregnancy?",
            [{"entity": "population", "value": "pregnancy", "start": 7, "end": 16}],
            "which antihistamines are used?",
            "which antihistamines are used in pregnancy?",
        ),
        (
            "what about children?",
            [{"entity": "population", "value": "children", "start": 11, "end": 19}],
            "how is indolent systemic mastocytosis treated?",
            "how is indolent systemic mastocytosis treated in children?",
        ),
        (
            "and in children?",
            [],
            "what causes mastocytosis?",
            "what causes mastocytosis in children?",
        ),
    ],
)
def test_the_last_question_asked_again_is_written_as_one_question(
    follow_up: str, entities: list, thread: str, standalone: str
) -> None:
    plan = planned(follow_up, entities, last(thread))
    assert plan.follow_up and plan.query == standalone


def test_a_follow_up_leans_on_the_thread_subject_and_kind_of_fact() -> None:
    thread = "what's the treatment for smoldering systemic mastocytosis?"
    plan = planned("side effects?", [], last(thread, "smoldering systemic mastocytosis"))
    assert plan.query == "side effects? (smoldering systemic mastocytosis treatment)"
    assert plan.subject == "smoldering systemic mastocytosis"
    biopsy = planned("does it hurt?", [], last("how is a bone marrow biopsy done?"))
    assert biopsy.query == "does it hurt? (bone marrow biopsy)"


def test_the_focus_is_what_the_follow_up_itself_asks() -> None:
    plan = planned("side effects?", [], last("what's the treatment for SSM?"))
    assert plan.focus == ("side", "effects")
    assert planned("does CBD oil help mastocytosis?").focus == ("CBD", "oil")


def test_a_new_question_drops_the_old_subject() -> None:
    previous = last("what is indolent systemic mastocytosis?", "indolent systemic mastocytosis")
    plan = planned("What causes mastocytosis in children?", [], previous)
    assert not plan.follow_up and plan.query == "What causes mastocytosis in children?"
    assert plan.subject is None and plan.thread == plan.query


def test_a_question_naming_its_own_subject_starts_a_new_thread() -> None:
    plan = planned("how is the ISM treated?", [ISM], last("what is avapritinib?", "avapritinib"))
    assert not plan.follow_up and plan.subject == "indolent systemic mastocytosis"


def test_what_about_a_named_subject_still_asks_the_question_again() -> None:
    entity = {"entity": "form", "value": "aggressive systemic mastocytosis", "start": 11, "end": 14}
    plan = planned("what about ASM?", [entity], last("how is ISM treated?", "ISM"))
    assert plan.follow_up
    assert plan.query == "how is aggressive systemic mastocytosis treated?"


def test_a_question_naming_a_subject_but_pointing_back_is_a_follow_up() -> None:
    sm = {"entity": "form", "value": "systemic mastocytosis", "start": 21, "end": 23}
    thread = last("what is KIT D816V?", "KIT D816V", referent="KIT D816V")
    plan = planned("how many adults with SM have that mutation?", [sm], thread)
    assert plan.follow_up
    assert plan.query == "how many adults with systemic mastocytosis have KIT D816V?"
    assert plan.terms == ("systemic mastocytosis", "KIT D816V")


def test_without_a_last_answer_the_remembered_subject_is_what_it_means() -> None:
    plan = planned("how is it treated?", [], None, "indolent systemic mastocytosis")
    assert plan.query == "how is indolent systemic mastocytosis treated?"
    assert planned("how is it treated?").query == "how is it treated?"


@pytest.mark.parametrize(
    ("text", "entities", "referent"),
    [
        # the test asked about, not the form the person has
        (
            "I have ISM, do I need a bone marrow biopsy?",
            [
                {**ISM, "start": 7, "end": 10},
                {"entity": "test", "value": "bone marrow biopsy", "start": 25, "end": 43},
            ],
            "bone marrow biopsy",
        ),
        # the sentence that asks names the form; the biopsy is context
        (
            "told i have ISM after a bone marrow biopsy. what does indolent mean?",
            [
                {**ISM, "start": 12, "end": 15},
                {"entity": "test", "value": "bone marrow biopsy", "start": 24, "end": 42},
                {**ISM, "start": 54, "end": 62},
            ],
            "indolent systemic mastocytosis",
        ),
        (
            "what is avapritinib?",
            [{"entity": "drug", "value": "avapritinib", "start": 8, "end": 19}],
            "avapritinib",
        ),
        ("what causes mastocytosis?", [], None),
    ],
)
def test_it_in_the_next_message_means_the_subject_the_question_asked_about(
    text: str, entities: list[dict], referent: str | None
) -> None:
    assert planned(text, entities).referent == referent


def test_it_is_written_as_the_referent_and_the_reading_stands_alone() -> None:
    previous = last(
        "how is a bone marrow biopsy done?",
        "bone marrow biopsy",
        referent="bone marrow biopsy",
        thread_topics=("done",),
    )
    # the message asks its own kind of fact: the thread's topics ("done") are not searched with it
    assert planned("does it hurt?", [], previous).query == "does bone marrow biopsy hurt?"
    drug = last("what is avapritinib?", "avapritinib", referent="avapritinib", thread_topics=())
    plan = planned("can women take it while pregnant?", [], drug)
    assert plan.query == "can women take avapritinib while pregnant?"
    assert plan.alternatives == ()  # "it" is the drug: no reading without it


def test_it_may_also_be_what_the_last_answer_named() -> None:
    previous = last(
        "how is systemic mastocytosis confirmed?",
        "systemic mastocytosis",
        referent="systemic mastocytosis",
        thread_topics=(),
        last_named=("bone marrow biopsy", "systemic mastocytosis"),
    )
    plan = planned("does it hurt?", [], previous)
    assert plan.query == "does systemic mastocytosis hurt?"
    assert plan.named_readings == (("does bone marrow biopsy hurt?", "bone marrow biopsy"),)
    # A follow-up that does not point back has no such reading.
    assert planned("side effects?", [], previous).named_readings == ()


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("is that the same thing as having masto", "is HaT the same thing as having masto"),
        ("how is that test done?", "how is HaT done?"),
        ("so is that why my spots itch?", None),  # "that" is what was just said
        ("if it's normal, what then?", None),  # "it's" is a result, not the subject
        ("what do doctors check?", None),
        ("and if those don't work?", "and if HaT don't work?"),  # the subject of a verb
        ("does that mean it's systemic?", None),
    ],
)
def test_which_words_point_back_at_the_subject(text: str, resolved: str | None) -> None:
    assert resolve_reference(text, "HaT") == resolved


def test_a_follow_up_with_a_topic_of_its_own_is_also_read_without_the_thread() -> None:
    surgery = last(
        "I have SM, is general anaesthesia safe?",
        "systemic mastocytosis",
        thread_topics=("anaesthesia",),
    )
    plan = planned("and what about going to the dentist?", [], surgery)
    assert plan.query == "and what about going to the dentist? (systemic mastocytosis anaesthesia)"
    assert plan.alternatives == ("and what about going to the dentist? (mastocytosis)",)
    # "side effects" asks for a property of what was discussed: only the thread's reading
    side = planned("side effects?", [], replace(surgery, thread_topics=("treatment",)))
    assert side.alternatives == ()


def test_topic_words_are_the_thread_words_its_answer_used() -> None:
    thread = "I have SM and I'm booked for a hip replacement. is general anaesthesia safe for me?"
    passage = "Surgery and anaesthesia are usually safe for people with mastocytosis."
    assert topic_words(thread, "systemic mastocytosis", passage) == ("anaesthesia",)
    # a thread of generic words keeps its plain content words
    assert topic_words("what even is a mast cell", None, "Mast cells are immune cells.") == (
        "mast",
        "cell",
    )


def test_remember_keeps_a_threads_topics_through_its_follow_ups() -> None:
    first = planned("how is a bone marrow biopsy done?", [])
    memory = remember(first, "A bone marrow biopsy is done under local anaesthetic.")
    assert memory.thread_topics == ("bone", "marrow", "biopsy")
    follow = planned("does it hurt?", [], memory)
    assert remember(follow, "unrelated words").thread_topics == memory.thread_topics


def test_a_thread_whose_words_name_no_topic_takes_its_answers_heading() -> None:
    both = planned("can you take both at the same time", [])
    memory = remember(both, "Many people take both types regularly.", heading="Antihistamines")
    assert memory.thread_topics == ("Antihistamines",)
    assert "Antihistamines" in planned("and for kids?", [], memory).query
    # a thread with a topic of its own keeps it; a word is never carried twice in two cases
    travel = planned("flying to spain next month, any tips?", [])
    memory = remember(travel, "Carry your medicines.", heading="Travel with mastocytosis")
    assert memory.thread_topics == ("Travel",)
    jabs = planned("is it ok to get my travel jabs beforehand", [], memory)
    after = remember(jabs, "Travel vaccines are usually fine.", searched=jabs.query)
    assert [t.lower() for t in after.thread_topics].count("travel") == 1


def test_it_can_be_the_one_thing_the_last_answer_was_about() -> None:
    stings = planned("got stung by a wasp and nearly passed out. are the two connected?", [])
    memory = remember(
        stings,
        "Venom immunotherapy lowers the risk.",
        searched=stings.query,
        heading="Venom immunotherapy",
    )
    assert "venom immunotherapy" in planned("how long do i keep doing it?", [], memory).query
    # living with it is living with the condition; a heading that joins topics is no one thing
    assert "venom" not in planned("can i still do sport with it?", [], memory).query.split("(")[0]
    memory = replace(memory, last_heading="Tattoos and piercings")
    assert "tattoos" not in planned("could it carry on?", [], memory).query.split("(")[0]


def test_a_follow_up_adds_what_it_asked_to_the_threads_topics() -> None:
    first = planned("how do doctors confirm systemic mastocytosis?", [])
    memory = remember(first, "Doctors confirm it with tests.", searched=first.query)
    # planned as a follow-up (the classifier's call is tested in tests/test_turn_kind.py)
    criteria = plan_query("what are the major and minor criteria?", [], memory, kind=FOLLOW_UP)
    answered = "The WHO criteria for systemic mastocytosis are one major and four minor criteria."
    after = remember(criteria, answered, searched=criteria.query)
    assert after.thread_topics[: len(memory.thread_topics)] == memory.thread_topics
    assert "criteria" in after.thread_topics
    assert "criteria" in planned("so how many do you need?", [], after).query


def test_a_follow_up_answered_without_the_thread_starts_its_own() -> None:
    first = planned("is wine a trigger?", [])
    memory = remember(first, "Wine is a common trigger.", searched=first.query)
    surgery = planned(
        "he has knee surgery next month, what should he tell the hospital?", [], memory
    )
    assert surgery.follow_up and surgery.query == surgery.question  # read alone first
    answered = "Tell the surgeon and anaesthetist about the surgery well before it."
    alone = remember(surgery, answered, searched=surgery.query)
    assert alone.thread == surgery.question and "surgery" in alone.thread_topics
    kept = remember(surgery, answered, searched=surgery.alternatives[0])
    assert kept.thread == first.thread and kept.thread_topics[:2] == memory.thread_topics
    beforehand = planned("would he need to take anything beforehand?", [], alone)
    assert "surgery" in " ".join([beforehand.query, *beforehand.alternatives])


def test_the_sentence_that_asks_is_the_last_question() -> None:
    plan = planned("my son is 6 and has UP. what should his school know? thanks")
    assert plan.asks == "what should his school know?"
    assert planned("is it inherited").asks == "is it inherited"


def test_a_subject_named_long_ago_does_not_outlive_a_newer_answer() -> None:
    previous = last("what causes mastocytosis?")  # answered, and named no subject
    plan = planned("is it inherited?", [], previous, "indolent systemic mastocytosis")
    assert "indolent" not in plan.query and plan.subject is None


def test_a_long_first_message_is_cut_before_it_becomes_a_thread() -> None:
    plan = planned("why " + "really " * 80 + "does mastocytosis happen?")
    assert len(plan.thread) == 200


def test_entities_are_spelt_out_only_where_the_text_differs() -> None:
    kids = {"entity": "population", "value": "children", "start": 15, "end": 19}
    assert expand_entities("what is ISM in kids?", [{**ISM, "start": 8, "end": 11}, kids]) == (
        "what is indolent systemic mastocytosis in children?"
    )
    same = {"entity": "test", "value": "tryptase", "start": 8, "end": 16}
    assert expand_entities("what is Tryptase", [same]) == "what is Tryptase"
    assert expand_entities("what is ISM", [{"value": "x"}]) == "what is ISM"
    # a name that already holds its value is more than the value: it stays as written
    baseline = {"entity": "test", "value": "tryptase", "start": 8, "end": 25}
    assert expand_entities("what is baseline tryptase", [baseline]) == "what is baseline tryptase"
    # a device is not its medicine: the pen stays, with the medicine's name after it
    pen = {"entity": "drug", "value": "epinephrine", "start": 23, "end": 29}
    assert expand_entities("how do I give my son's epipen?", [pen]) == (
        "how do I give my son's epipen (epinephrine)?"
    )


def test_a_pressed_button_is_not_spelt_out() -> None:
    plan = planned("How is mastocytosis treated?", [ISM], spell_out=False)
    assert plan.question == "How is mastocytosis treated?"


def test_that_mutation_is_the_gene_named_most_recently_and_it_stays_the_thread() -> None:
    kit = {"entity": "gene", "value": "KIT", "start": 25, "end": 28}
    first = planned("can you explain what the KIT gene does?", [kit])
    memory = remember(first, "The KIT gene makes a receptor.", searched=first.query)
    text = "and what does the D816V mutation do to it?"
    d816v = {"entity": "gene", "value": "D816V", "start": 18, "end": 23}
    second = planned(text, [d816v], memory)
    assert second.query.startswith("and what does the D816V mutation do to KIT?")
    memory = remember(second, "D816V switches KIT on.", searched=second.query)
    text = "how many adults with SM have that mutation?"
    sm = {"entity": "form", "value": "systemic mastocytosis", "start": 21, "end": 23}
    third = planned(text, [sm], memory)
    assert third.query.startswith("how many adults with systemic mastocytosis have D816V?")
    assert third.referent == "KIT"  # "it" is still the thread's subject


def test_a_comparison_does_not_change_what_it_means() -> None:
    ssm = {"entity": "form", "value": "smoldering systemic mastocytosis", "start": 7, "end": 10}
    first = planned("what is SSM?", [ssm])
    memory = remember(first, "Smoldering systemic mastocytosis has more B-findings.")
    text = "how is that different from the indolent kind?"
    ism = {"entity": "form", "value": "indolent systemic mastocytosis", "start": 31, "end": 39}
    second = planned(text, [ism], memory)
    third = planned("does it progress?", [], remember(second, "Indolent is milder."))
    assert third.query.startswith("does smoldering systemic mastocytosis progress?")


def test_what_about_a_population_asks_the_threads_question_about_it() -> None:
    memory = last(
        "how is ISM treated?", "indolent systemic mastocytosis", thread_topics=("treated",)
    )
    kids = {"entity": "population", "value": "children", "start": 14, "end": 22}
    plan = planned("what about in children?", [kids], memory)
    assert plan.query == "how is ISM treated in children? (indolent systemic mastocytosis)"
    assert plan.alternatives == ()


def test_a_message_about_the_person_is_read_alone_first_then_with_the_thread() -> None:
    previous = last(
        "what is diffuse cutaneous mastocytosis?",
        "diffuse cutaneous mastocytosis",
        thread_topics=(),
    )
    plan = planned("what should we avoid doing with her day to day?", [], previous)
    assert plan.follow_up
    assert plan.query == "what should we avoid doing with her day to day?"
    assert plan.alternatives == (
        "what should we avoid doing with her day to day? (diffuse cutaneous mastocytosis)",
    )
    assert "diffuse cutaneous mastocytosis" not in plan.terms  # the person, not the form, goes on


def test_a_question_standing_alone_also_gets_the_threads_reading() -> None:
    previous = last("are wasp stings dangerous?", thread_topics=("wasp", "stings"))
    plan = plan_query(
        "what can be done to prevent a bad reaction?", [], previous, kind=NEW_QUESTION
    )
    assert not plan.follow_up and plan.query == "what can be done to prevent a bad reaction?"
    assert plan.alternatives == ("what can be done to prevent a bad reaction? (wasp stings)",)
    # One that names its own subject does not.
    ism = {"entity": "form", "value": "ISM", "start": 15, "end": 18}
    assert planned("what is life in ISM like?", [ism], previous).alternatives == ()


def test_the_subject_a_first_message_names_is_not_an_earlier_subject() -> None:
    # Rasa fills the form slot from this very message before the action runs.
    text = "my haematologist says i need a biopsy for suspected SM. why cant they do a blood test?"
    sm = {"entity": "form", "value": "systemic mastocytosis", "start": 52, "end": 54}
    plan = planned(text, [sm], None, remembered_subject="systemic mastocytosis")
    assert not plan.follow_up
    assert plan.query == text.replace("SM", "systemic mastocytosis")


def test_two_subjects_read_as_two() -> None:
    text = "can i take cetirizine while on omalizumab"
    entities = [
        {"entity": "drug", "value": "cetirizine", "start": 11, "end": 21},
        {"entity": "drug", "value": "omalizumab", "start": 31, "end": 41},
    ]
    # the partial answer says "What I can tell you about cetirizine and omalizumab: ..."
    assert planned(text, entities).subject == "cetirizine and omalizumab"


def test_words_outside_the_sentence_that_asks_count_only_when_it_points_back() -> None:
    tonsils = "my son needs his tonsils out. is a general anaesthetic safe for him?"
    assert asked_words(tonsils, ["tonsils", "general", "anaesthetic"]) == ["general", "anaesthetic"]
    assert asked_words("I take CBD oil. is it safe?", ["CBD", "oil"]) == ["CBD", "oil"]
    assert asked_words("does CBD oil help?", ["CBD", "oil"]) == ["CBD", "oil"]
    rupatadine = "my doctor suggested rupatadine. what are the side effects?"
    assert asked_words(rupatadine, ["rupatadine", "side", "effects"]) == [
        "rupatadine",
        "side",
        "effects",
    ]
