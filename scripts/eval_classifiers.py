"""Cross-validate the classifiers trained from examples in nlu_data (turn and unknowable kinds).

Usage: python -m scripts.eval_classifiers   (also a stage of `make eval`)

Stratified 5-fold cross-validation of the same `fit` the service trains with
(actions/understanding/example_classifier.py): macro-F1, accuracy and per-kind F1 of each,
written to reports/classifiers.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from actions.knowledge_base.embedding import TextEmbedder
from actions.settings import PROJECT_ROOT, default_model_path, load_settings
from actions.understanding import turn_kind, unknowable
from actions.understanding.example_classifier import ExampleFile, fit

FOLDS = 5
SEED = 0
REPORT = PROJECT_ROOT / "reports" / "classifiers.json"
# Each classifier's examples, by name, from the NLU data folder.
CLASSIFIERS: dict[str, Callable[[Path], ExampleFile]] = {
    "turn_kinds": turn_kind.examples,
    "unknowable_kinds": unknowable.examples,
}


def cross_validate(pairs: list[tuple[str, str]], embeddings: np.ndarray) -> dict[str, Any]:
    """Macro-F1, accuracy and per-kind F1 over stratified folds; `embeddings` row per pair."""
    from sklearn.metrics import classification_report
    from sklearn.model_selection import StratifiedKFold

    texts = [text for text, _ in pairs]
    labels = np.array([kind for _, kind in pairs])
    predicted = np.empty_like(labels)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    rows = {text: row for row, text in enumerate(texts)}

    def embed(batch: list[str]) -> np.ndarray:
        return embeddings[[rows[text] for text in batch]]

    for train, test in folds.split(texts, labels):
        classifier = fit([pairs[i] for i in train], embed)
        probabilities = classifier.predict_proba([texts[i] for i in test], embeddings[test])
        predicted[test] = np.array(classifier.classes)[probabilities.argmax(axis=1)]
    scores = classification_report(labels, predicted, output_dict=True, zero_division=0)
    return {
        "examples": len(pairs),
        "folds": FOLDS,
        "macro_f1": round(scores["macro avg"]["f1-score"], 4),
        "accuracy": round(scores["accuracy"], 4),
        "per_kind": {
            kind: {
                "f1": round(scores[kind]["f1-score"], 4),
                "examples": int(scores[kind]["support"]),
            }
            for kind in sorted(set(labels))
        },
    }


def classifiers_stage() -> dict[str, Any]:
    """The cross-validation of `make eval`, on the real sentence embeddings."""
    nlu_dir = load_settings().nlu_dir
    embedder = TextEmbedder(default_model_path())
    report = {}
    for name, examples in CLASSIFIERS.items():
        example_file = examples(nlu_dir)
        pairs = example_file.load()
        scores = cross_validate(pairs, embedder.embed([text for text, _ in pairs]))
        report[name] = {"file": f"nlu_data/{example_file.path.name}", **scores}
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    return report


def main() -> None:
    for name, row in classifiers_stage().items():
        print(
            f"{name}: {row['examples']} examples, {FOLDS}-fold macro-F1 {row['macro_f1']:.3f}, "
            f"accuracy {row['accuracy']:.3f}"
        )
        for kind, scores in row["per_kind"].items():
            print(f"  {kind:20} F1 {scores['f1']:.3f}  ({scores['examples']} examples)")


if __name__ == "__main__":
    main()
