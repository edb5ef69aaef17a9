"""The held-out NLU examples are never training examples (README: "never trained on")."""

import re
from pathlib import Path

import yaml

from actions.settings import PROJECT_ROOT

ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def examples(path: Path) -> dict[str, str]:
    """Each example's plain text (annotations removed, case and spacing folded) -> its intent."""
    found = {}
    for block in yaml.safe_load(path.read_text("utf-8")).get("nlu", []):
        for line in (block.get("examples") or "").splitlines():
            if line.strip().startswith("- ") and "intent" in block:
                plain = ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line.strip()[2:])
                found[" ".join(plain.lower().split())] = block["intent"]
    return found


def test_no_held_out_example_is_a_training_example() -> None:
    training: dict[str, str] = {}
    for path in sorted((PROJECT_ROOT / "nlu_data").glob("*.yml")):
        training.update(examples(path))
    held_out = examples(PROJECT_ROOT / "tests" / "test_nlu.yml")
    assert len(held_out) >= 200
    assert sorted(set(held_out) & set(training)) == []


def test_annotations_are_ignored_when_comparing(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text("nlu:\n- intent: a\n  examples: |\n    - What is [ISM](form)?\n")
    assert examples(path) == {"what is ism?": "a"}
