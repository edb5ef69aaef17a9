import pytest

from actions.safety import is_emergency


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
        "my husband collapsed at a barbecue last summer after a wasp sting",
        "I collapsed once at work and they blamed low blood pressure",
    ],
)
def test_questions_about_anaphylaxis_are_not(text: str) -> None:
    assert not is_emergency(text)
