"""Cross-validate the turn-kind classifier on its examples (nlu_data/turn_kinds.yml).

Usage: python -m scripts.eval_turn_kinds   (also a stage of `make eval`)

Stratified 5-fold cross-validation of the same `fit` the service trains with
(actions/understanding/turn_kind.py): macro-F1, accuracy and per-kind F1, written to
reports/turn_kinds.json.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from actions.knowledge_base.embedding import TextEmbedder
from actions.settings import PROJECT_ROOT, default_model_path, load_settings
from actions.understanding.turn_kind import EXAMPLES_FILE, fit, load_examples

FOLDS = 5
SEED = 0
REPORT = PROJECT_ROOT / "reports" / "turn_kinds.json"


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
    kinds = sorted(set(labels))
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
            for kind in kinds
        },
    }


def turn_kinds_stage() -> dict[str, Any]:
    """The cross-validation of `make eval`, on the real sentence embeddings."""
    pairs = load_examples(load_settings().nlu_dir / EXAMPLES_FILE)
    embedder = TextEmbedder(default_model_path())
    report = cross_validate(pairs, embedder.embed([text for text, _ in pairs]))
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    return report


def main() -> None:
    report = turn_kinds_stage()
    print(
        f"turn kinds: {report['examples']} examples, {FOLDS}-fold macro-F1 "
        f"{report['macro_f1']:.3f}, accuracy {report['accuracy']:.3f}"
    )
    for kind, row in report["per_kind"].items():
        print(f"  {kind:20} F1 {row['f1']:.3f}  ({row['examples']} examples)")


if __name__ == "__main__":
    main()
