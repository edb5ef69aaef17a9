"""actions/retrieval/forms.py: the forms of mastocytosis a sentence names, from the NLU's own
tables."""

import pytest

from actions.retrieval.forms import FormNames
from actions.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def forms() -> FormNames:
    return FormNames.from_nlu(PROJECT_ROOT / "nlu_data")


def test_names_and_abbreviations_become_canonical_forms(forms: FormNames) -> None:
    assert forms.named_in("Outlook in smouldering SM and ASM") == {
        "smoldering systemic mastocytosis",
        "aggressive systemic mastocytosis",
    }
    assert forms.named_in("Mastocytosis is rare.") == set()


@pytest.mark.parametrize(
    ("asked", "sentence", "off"),
    [
        (
            {"aggressive systemic mastocytosis"},
            "Smoldering systemic mastocytosis has an outlook between indolent and advanced forms.",
            True,
        ),
        # a narrower form answers a question on the wider one, and the other way round
        ({"systemic mastocytosis"}, "Indolent systemic mastocytosis is the most common.", False),
        ({"indolent systemic mastocytosis"}, "In systemic mastocytosis, tryptase is high.", False),
        # a sentence naming no form, or a question naming none, is never off the subject
        ({"aggressive systemic mastocytosis"}, "Outcomes vary widely.", False),
        (set(), "Smoldering systemic mastocytosis progresses in some.", False),
    ],
)
def test_a_sentence_is_off_subject_only_when_it_names_other_forms(
    forms: FormNames, asked: set[str], sentence: str, off: bool
) -> None:
    assert forms.off_subject(asked, sentence) is off


def test_without_nlu_data_nothing_is_named(tmp_path) -> None:
    assert FormNames.from_nlu(tmp_path / "missing").named_in("ASM and SSM") == set()
