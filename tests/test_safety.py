import re

import pytest
import yaml

from actions.settings import PROJECT_ROOT
from bot.safety import asks_beyond_the_emergency, asks_for_a_dose, is_emergency, mentions_a_sign


@pytest.mark.parametrize(
    "text",
    [
        "my throat is swelling and I can't breathe",
        "help my daughter's lips are swelling after a bee sting",
        "my wife is having anaphylaxis right now what do I do",
        "I think I'm having a severe allergic reaction",
        "he collapsed after a wasp sting",
        "she's not breathing properly",
        "my tongue feels tight and swollen",
        "Cant breathe!!",
        "wheezing and dizzy after eating",
        "should I call an ambulance, hives everywhere and dizzy",
        "my airway feels like its closing",
        # Drowsy, pale, collapsing or fainting with flushing or vomiting; floppy: whatever else
        # the message says (issue 14).
        "my baby's spots are blistering and she has gone pale and floppy",
        "my son is drowsy and flushed after his bath",
        "she fainted and is vomiting",
        "toddler went pale and threw up after a wasp sting, it happened once before",
        "my daughter seems very drowsy and keeps vomiting",
        "I feel faint and I'm flushing all over",
        "my husband passed out and was flushed, he did this once before",
        "baby is limp",
        # Past-time words never cancel breathing, throat or collapse (issue 16).
        "I can't breathe, this happened once before",
        "come at once, she's not breathing",
        "my husband collapsed at a barbecue last summer after a wasp sting",
        # Collapse said after other words (issue 15's dev2 set).
        "my wife has mastocytosis, she got stung 5 minutes ago and has collapsed on the patio",
        "my son ate a nut and is collapsing",
        "my dad just collapsed",
        # Words between the child and the sign (dev3).
        "my 2 year old with mastocytosis just went really pale and floppy after his bath",
        "our little one with the spots has gone completely limp",
    ],
)
def test_signs_happening_now_are_emergencies(text: str) -> None:
    assert is_emergency(text)


@pytest.mark.parametrize(
    "text",
    [
        "what are the signs of anaphylaxis",
        "what is anaphylaxis",
        "should I carry an epipen",
        "can mastocytosis cause throat swelling",
        "does the throat swell in anaphylaxis",
        "how do I prepare for a severe reaction",
        "what triggers symptoms",
        "is breathing affected by mastocytosis",
        "how do I bake bread",
        "she was having anaphylaxis last summer, should we carry two pens?",
        "I had anaphylaxis once after a bee sting, do I need an epipen?",
        "can mastocytosis cause fainting and flushing?",
        "is vomiting a symptom of mastocytosis",
        "my son gets flushing after hot baths, is that normal",
        "does pale and floppy mean anaphylaxis",
        "can a baby with UP have blistering",
        # A bone collapses without anyone collapsing.
        "my bones have collapsed in my spine, is that the mastocytosis?",
        "I have osteoporosis and my spine has collapsed",
        "can mastocytosis make you collapse?",
        "my son with UP walks with a limp since he hurt his knee",
        "is a floppy baby a sign of anaphylaxis?",
    ],
)
def test_questions_about_anaphylaxis_are_not(text: str) -> None:
    assert not is_emergency(text)


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("what dose of avapritinib do people with ISM take", True),
        ("how much cetirizine should I take", True),
        ("how many tablets do I need to take", True),
        ("is 20 mg a lot", True),
        ("how many people have mastocytosis", False),
        ("what dose dariers sign meen", False),  # "dose" typed for "does"
        ("what dose of cetirizine does a child need to look better", True),
        ("is my dose too high", True),
        ("how much does avapritinib cost", False),
        ("how much alcohol can I drink", False),
        ("what is a normal tryptase level", False),
    ],
)
def test_a_question_asking_for_a_dose(text: str, dose: bool) -> None:
    assert asks_for_a_dose(text) is dose


@pytest.mark.parametrize(
    ("text", "asks_too"),
    [
        # A history, then a question of its own: the steps first, then the answer.
        (
            "hi, 52F here. years of flushing, diarrhea and I fainted twice after wasp stings. "
            "why do they need bone marrow when they already have a blood test?",
            True,
        ),
        ("my husband collapsed last summer after a sting. should he carry two pens now?", True),
        ("i fainted at the wheel last year, can i still drive with masto", True),
        # the same "opens like a question" as small talk uses: "so", "ok" may come first
        ("i fainted twice after wasp stings, so can i still go hiking this summer", True),
        ("I collapsed once at work, is that a masto symptom", True),
        # Happening now, or no question of its own: the steps alone.
        ("I can't breathe, this happened once before", False),
        ("she collapsed twice before, now she is collapsing again", False),
        ("my throat is closing, what should I do?", False),
        ("my throat is swelling like last time, should i use my epipen?", False),
        ("he fainted twice before. now he can't breathe, what do I do?", False),
        ("what is anaphylaxis? I fainted twice before.", False),  # not an emergency at all
    ],
)
def test_an_emergency_that_also_asks_a_question(text: str, asks_too: bool) -> None:
    assert asks_beyond_the_emergency(text) is asks_too


def test_every_emergency_the_classifier_learns_uses_a_word_of_one() -> None:
    """The classifier's `emergency` stands only with a sign word: its examples all have one."""
    data = yaml.safe_load((PROJECT_ROOT / "nlu_data" / "conversation.yml").read_text("utf-8"))
    block = next(item["examples"] for item in data["nlu"] if item.get("intent") == "emergency")
    examples = [
        re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]) for line in block.splitlines()
    ]
    assert len(examples) > 50
    assert [text for text in examples if text and not mentions_a_sign(text)] == []


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("the itching is driving me mad at night, what can I do", False),
        ("my spots are so itchy tonight", False),
        ("she's reacting badly what do i do", True),
        ("SOS my child", True),
        ("i feel lightheaded and weird", True),
        ("my baby is very sleepy and won't wake properly", True),
        ("his voice has gone hoarse and he keeps coughing", True),
    ],
)
def test_a_sign_word(text: str, sign: bool) -> None:
    assert mentions_a_sign(text) is sign
