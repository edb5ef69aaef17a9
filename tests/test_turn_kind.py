"""The turn-kind classifier: its examples load, and it reads kinds it was not shown."""

from pathlib import Path

import numpy as np
import pytest

from actions.settings import load_settings
from actions.understanding.example_classifier import ExampleFile
from actions.understanding.turn_kind import KINDS, examples
from scripts.eval_classifiers import cross_validate
from tests.conftest import kind_of

EXAMPLES = examples(load_settings().nlu_dir)


def test_every_kind_has_examples_and_none_repeats() -> None:
    pairs = EXAMPLES.load()
    assert {kind for _, kind in pairs} == set(KINDS)
    texts = [text.lower() for text, _ in pairs]
    assert len(texts) == len(set(texts))


def test_an_unknown_kind_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "kinds.yml"
    path.write_text("turn_kinds:\n- kind: chit_chat\n  examples: |\n    - hi\n")
    with pytest.raises(ValueError, match="chit_chat"):
        ExampleFile(path, "turn_kinds", KINDS).load()


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        # none of these is an example in the file
        ("is a bone marrow biopsy painful for adults with mastocytosis?", "new_question"),
        ("how long do the side effects of it last?", "follow_up"),
        ("and for someone who is pregnant?", "same_question_about"),
        ("can he still play football with his friends?", "about_person"),
        ("lovely, that's cleared things up for me", "acknowledgement"),
    ],
)
def test_the_classifier_reads_unseen_messages(message: str, kind: str) -> None:
    assert message.lower() not in {text.lower() for text, _ in EXAMPLES.load()}
    assert kind_of(message) == kind


def test_cross_validation_scores_a_separable_toy_set() -> None:
    words = {"a": "yes", "b": "no", "c": "maybe"}
    pairs = [(f"{words[kind]} {i}", kind) for i in range(10) for kind in words]
    embeddings = np.array([np.eye(3)[ord(kind) - ord("a")] for _, kind in pairs])
    report = cross_validate(pairs, embeddings)
    assert report["macro_f1"] == 1.0 and set(report["per_kind"]) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("message", "split"),
    [
        (
            "great, thanks. and what about friction, like tight clothes?",
            ("great, thanks.", "and what about friction, like tight clothes?"),
        ),
        (
            "brilliant, that's exactly what I needed, I'll show this to my husband tonight",
            ("brilliant, that's exactly what I needed, I'll show this to my husband tonight", ""),
        ),
        ("what causes mastocytosis?", None),
        ("I'm having a CT with contrast tomorrow, what should I do beforehand?", None),
    ],
)
def test_thanks_inside_a_message_are_found_and_the_question_after_them(message, split) -> None:
    from actions.understanding.turn_kind import split_acknowledgement
    from tests.conftest import real_classifiers

    turn_kinds, _ = real_classifiers()
    assert split_acknowledgement(message, turn_kinds) == split
