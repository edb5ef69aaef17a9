import pytest
from rasa.shared.nlu.training_data.message import Message

from actions.understanding.scope import (
    FOLLOW_UP,
    OTHER,
    OURS,
    UNCLEAR,
    decide_scope,
    domain_entity_types,
    is_about_another_condition,
    is_about_care,
    is_about_mastocytosis,
)
from bot.intent_guards import ScopeGuard


@pytest.mark.parametrize(
    "text",
    [
        "best treatment for cancer",
        "how common is MS",
        "what is IBS",
        "does asthma run in families",
        "symptoms of type 2 diabetes",
        "how is scabies treated?",
    ],
)
def test_questions_about_other_diseases_are_out_of_scope(text: str) -> None:
    assert is_about_another_condition(text)


@pytest.mark.parametrize(
    "text",
    [
        "is mastocytosis a cancer?",
        "is it cancer?",
        "can masto be mistaken for IBS",
        "is it like eczema",
        "what is mast cell leukemia",
        "does asthma have anything to do with mast cells",
        "can you have both asthma and SM",
        "how is ISM treated",
        "is this a kind of leukaemia",
        "what causes the flushing",
    ],
)
def test_questions_tied_to_mastocytosis_stay_in_scope(text: str) -> None:
    assert not is_about_another_condition(text)


def message(text: str, intent: str) -> Message:
    msg = Message(data={"text": text})
    msg.set("intent", {"name": intent, "confidence": 0.9}, add_to_output=True)
    msg.set("intent_ranking", [{"name": intent, "confidence": 0.9}], add_to_output=True)
    return msg


def test_guard_overrides_question_intents_only() -> None:
    cancer, emergency, ours = (
        message("best treatment for cancer", "ask_treatment"),
        message("I have asthma and can't breathe", "emergency"),
        message("how is mastocytosis treated", "ask_treatment"),
    )
    ScopeGuard().process([cancer, emergency, ours])
    assert cancer.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert [i["name"] for i in cancer.get("intent_ranking")] == ["out_of_scope", "ask_treatment"]
    assert emergency.get("intent")["name"] == "emergency"
    assert ours.get("intent")["name"] == "ask_treatment"


@pytest.mark.parametrize(
    ("text", "entity_types", "expected"),
    [
        ("will my symptoms get worse while pregnant?", {"population"}, True),
        ("do mast cells cause this", set(), True),
        ("is tryptase high in pregnancy", {"test", "population"}, True),
        ("what time is it?", set(), False),  # a pronoun alone is not mastocytosis matter
        ("what are the symptoms of covid in children", {"population"}, False),  # another disease
        ("who won the world cup", set(), False),
        ("where is my liver", {"organ"}, False),  # organ names are everyday words
    ],
)
def test_what_counts_as_being_about_mastocytosis(text, entity_types, expected) -> None:
    assert is_about_mastocytosis(text, entity_types) is expected


def test_out_of_scope_is_taken_out_of_the_ranking_of_a_message_about_mastocytosis() -> None:
    msg = Message(data={"text": "will my symptoms get worse while pregnant?"})
    ranking = [
        {"name": "out_of_scope", "confidence": 0.6},
        {"name": "ask_triggers", "confidence": 0.3},
        {"name": "ask_living_with", "confidence": 0.1},
    ]
    msg.set("intent", ranking[0], add_to_output=True)
    msg.set("intent_ranking", ranking, add_to_output=True)
    msg.set("entities", [{"entity": "population", "value": "pregnancy"}], add_to_output=True)
    weather = message("will it rain tomorrow", "out_of_scope")
    ScopeGuard().process([msg, weather])
    assert msg.get("intent") == {"name": "ask_triggers", "confidence": pytest.approx(0.75)}
    assert [i["name"] for i in msg.get("intent_ranking")] == ["ask_triggers", "ask_living_with"]
    assert weather.get("intent")["name"] == "out_of_scope"


@pytest.mark.parametrize(
    ("text", "follows", "scope"),
    [
        ("best treatment for cancer?", True, OTHER),
        ("should i get the flu jab", False, UNCLEAR),  # a vaccine, not the flu
        ("is the covid booster ok for me", False, UNCLEAR),
        ("what is the flu", False, OTHER),
        ("will my symptoms get worse while pregnant?", False, OURS),  # with its symptom entity
        ("what can we do at home to make her skin less bad?", True, FOLLOW_UP),
        ("what can we do at home to make her skin less bad?", False, UNCLEAR),
        ("what about football?", True, UNCLEAR),  # the knowledge base knows no such word
        ("what can I do about it?", True, FOLLOW_UP),  # no word of its own: it only points back
        ("what can I do about it?", False, UNCLEAR),
        ("what kinds of other skin problems?", True, FOLLOW_UP),  # beside what was said
        ("what kinds of other skin problems?", False, UNCLEAR),
    ],
)
def test_scope_is_decided_in_one_place(text: str, follows: bool, scope: str) -> None:
    entity_types = {"symptom"} if "symptoms" in text else set()
    knows = lambda words: "skin" in words  # noqa: E731 - the service's vocabulary, faked
    assert decide_scope(text, entity_types, follows, knows) == scope


@pytest.mark.parametrize(
    "text",
    [
        "how many cm in an inch",
        "how do I set up a python project",
        "is a master's degree worth it",
        "what is mastitis",
        "how do I treat ms symptoms",  # lower-case "ms": not the acronym MS either
    ],
)
def test_acronyms_and_mast_words_only_count_when_they_mean_mastocytosis(text: str) -> None:
    cm = {"entity": "form", "value": "cutaneous mastocytosis", "start": 9, "end": 11}
    entities = [cm] if text.startswith("how many cm") else []
    assert not is_about_mastocytosis(text, domain_entity_types(text, entities))


@pytest.mark.parametrize(
    "text", ["is CM the same as UP?", "does ISM shorten life", "mast cell tumours", "masto flare"]
)
def test_capital_acronyms_and_mast_cells_still_count(text: str) -> None:
    assert is_about_mastocytosis(text, set())


def test_a_short_entity_counts_only_in_capitals() -> None:
    up = {"entity": "form", "value": "urticaria pigmentosa"}
    assert domain_entity_types("set up a project", [{**up, "start": 4, "end": 6}]) == set()
    assert domain_entity_types("is UP itchy", [{**up, "start": 3, "end": 5}]) == {"form"}
    pregnant = {"entity": "population", "value": "pregnancy", "start": 16, "end": 24}
    assert domain_entity_types("worse while i'm pregnant", [pregnant]) == {"population"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how long is the wait to see the specialist at St James's in Leeds?", True),
        ("does my insurance pay for it", True),
        ("which hospital does the biopsy", True),
        ("can you recommend a good pizza place near me", False),
        ("how long is the wait at the hairdresser", False),
    ],
)
def test_care_is_told_from_everything_else(text: str, expected: bool) -> None:
    assert is_about_care(text) is expected
