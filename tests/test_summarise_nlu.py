import json
from pathlib import Path

from scripts.summarise_nlu import summarise


def test_summary_reads_rasa_reports(tmp_path: Path) -> None:
    intents = {
        "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 2},
        "goodbye": {"precision": 0.5, "recall": 1.0, "f1-score": 0.6667, "support": 1},
        "accuracy": 0.75,
        "macro avg": {"precision": 0.75, "recall": 1.0, "f1-score": 0.8333, "support": 3},
    }
    entities = {"micro avg": {"f1-score": 0.9}, "form": {"f1-score": 0.9}}
    (tmp_path / "intent_report.json").write_text(json.dumps(intents))
    (tmp_path / "RegexEntityExtractor_report.json").write_text(json.dumps(entities))
    summary = summarise(tmp_path)
    assert summary["intent_macro_f1"] == 0.8333
    assert summary["intent_accuracy"] == 0.75
    assert summary["per_intent_f1"] == {"greet": 1.0, "goodbye": 0.6667}
    assert summary["entity_f1"] == {"RegexEntityExtractor": 0.9}
