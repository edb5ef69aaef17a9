"""Summarise Rasa's NLU evaluation reports into reports/nlu.json and a one-screen table.

Usage: python -m scripts.summarise_nlu CV_DIR HELD_OUT_DIR OUT_JSON
(CV_DIR from `rasa test nlu --cross-validation`, HELD_OUT_DIR from `rasa test nlu --nlu tests/...`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

AGGREGATES = ("accuracy", "macro avg", "weighted avg", "micro avg")


def intent_summary(report: dict[str, Any]) -> dict[str, Any]:
    """Macro-F1, accuracy and per-intent F1 from a Rasa intent_report.json."""
    per_intent = {
        name: round(row["f1-score"], 4)
        for name, row in report.items()
        if name not in AGGREGATES and isinstance(row, dict)
    }
    return {
        "intent_macro_f1": round(report["macro avg"]["f1-score"], 4),
        "intent_accuracy": round(
            report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0)), 4
        ),
        "per_intent_f1": per_intent,
    }


def entity_summary(folder: Path) -> dict[str, float]:
    """Entity F1 from the extractor report(s) Rasa wrote into `folder`."""
    scores: dict[str, float] = {}
    for path in sorted(folder.glob("*Extractor_report.json")):
        report = json.loads(path.read_text("utf-8"))
        micro = report.get("micro avg", report.get("weighted avg", {}))
        scores[path.stem.removesuffix("_report")] = round(micro.get("f1-score", 0.0), 4)
    return scores


def summarise(folder: Path) -> dict[str, Any]:
    intents = json.loads((folder / "intent_report.json").read_text("utf-8"))
    return {**intent_summary(intents), "entity_f1": entity_summary(folder)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cv_dir", type=Path)
    parser.add_argument("held_out_dir", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    result = {
        "cross_validation_5_fold": summarise(args.cv_dir),
        "held_out": summarise(args.held_out_dir),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    for name, row in result.items():
        entities = ", ".join(f"{k} {v:.3f}" for k, v in row["entity_f1"].items())
        print(
            f"{name:24} intent macro-F1 {row['intent_macro_f1']:.3f}  accuracy "
            f"{row['intent_accuracy']:.3f}  entity F1 {entities}"
        )
        weakest = sorted(row["per_intent_f1"].items(), key=lambda item: item[1])[:4]
        print(" " * 24 + " weakest: " + ", ".join(f"{k} {v:.2f}" for k, v in weakest))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
