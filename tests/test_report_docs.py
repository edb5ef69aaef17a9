"""The pages make eval and make bench write, rendered from tests/data/report_fixtures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from actions.settings import PROJECT_ROOT
from scripts import report_docs

FIXTURES = PROJECT_ROOT / "tests" / "data" / "report_fixtures"
ANSWER_SETS = {"tuning": PROJECT_ROOT / "tests" / "answer_conversations.yml"}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def test_the_evaluation_page_holds_the_last_runs_figures_date_and_machine() -> None:
    page = report_docs.evaluation_page(fixture("eval.json"), ANSWER_SETS, frozenset({"blind"}))
    assert "**Last run:** 2026-12-01 10:00 UTC, 392 s; Test CPU, 2 cores, 23.5 GB" in page
    assert "| cross validation 5 fold | 0.930 | 0.925 | 0.968 |" in page
    assert "| held out | 0.959 | 0.969 | 0.970 |" in page
    assert "### Retrieval (12 questions)" in page
    assert "| hybrid (used) | 0.750 | 0.917 | 1.000 | 0.847 |" in page
    assert "| BM25 only | 0.417 | 0.583 | 0.667 | 0.500 |" in page
    assert "answers 8.3% of them only in part; it answers 10.0% of the out-of-scope" in page
    assert "Test stories: 4 of 4." in page
    assert (
        "| tuning | `tests/answer_conversations.yml` | 2/3 | 4/5 | 25.0% | `aaaaaaaaaaaa` |" in page
    )
    assert "| **blind** (held out) |  | 1/2 | 3/4 | 33.3% | `bbbbbbbbbbbb` |" in page


def test_the_evaluation_page_never_lists_a_failing_turn() -> None:
    page = report_docs.evaluation_page(fixture("eval.json"), ANSWER_SETS, frozenset({"blind"}))
    for text in ("a tuned failing turn", "a held-out failing turn", "missing 'x'", "missing 'y'"):
        assert text not in page


def test_categories_spelt_two_ways_are_one_row() -> None:
    page = report_docs.evaluation_page(fixture("eval.json"))
    assert "| category | tuning | blind |" in page
    assert "| follow up | 1/2 | 0/1 |" in page
    assert "| unanswerable | – | 1/1 |" in page


def test_a_report_without_a_machine_says_so() -> None:
    report = fixture("eval.json")
    del report["machine"]
    assert "machine not recorded in this report" in report_docs.evaluation_page(report)


def test_a_page_without_a_report_says_it_was_never_generated_here() -> None:
    evaluation = report_docs.evaluation_page(None)
    assert "Not yet generated on this machine — run `make eval`." in evaluation
    assert "## What it measures" in evaluation and "Last run:" not in evaluation
    benchmarks = report_docs.benchmarks_page(None)
    assert "Not yet generated on this machine — run `make bench`." in benchmarks
    assert "| one-client median, question over greeting | ≤ 1.6 |" in benchmarks


def test_the_benchmarks_page_holds_the_figures_beside_the_targets() -> None:
    page = report_docs.benchmarks_page(fixture("bench.json"))
    assert "**Last run:** 2026-12-02 11:00 UTC; Test CPU, 2 cores, 23.5 GB, Python 3.11.7" in page
    assert "load average 1.25 at the start" in page
    assert "| answered questions/s over greetings/s, 8 conversations | 0.79 | ≥ 0.65 |" in page
    assert "| one-client median, question over greeting | 1.5 | ≤ 1.6 |" in page
    assert "| 200-turn conversation: turns 196-200 over turns 1-5 | 1.01 | ≤ 1.3 |" in page
    assert "| resident memory after the benchmark, whole stack | 870 MB | ≤ 1,200 MB |" in page
    assert "| question | 1 | 150 | 17.8 | 25.0 | 30.0 | 55.0 | 55.0 | 13.6 / 3.4 | 0 |" in page
    assert "| rasa ready, warm start | 3.0 s |" in page and "| index build | 111.0 s |" in page


@pytest.mark.parametrize("page", ["evaluation.md", "benchmarks.md"])
def test_the_pages_say_they_are_written_not_edited(page: str) -> None:
    text = (PROJECT_ROOT / "docs" / page).read_text("utf-8")
    assert text.startswith("<!-- Written by `make ")
    assert "scripts/report_docs.py" in text.splitlines()[0]


def test_the_command_writes_both_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["report_docs", "--eval", str(FIXTURES / "eval.json"), "--docs", str(tmp_path)]
    argv += ["--bench", str(FIXTURES / "bench.json")]
    monkeypatch.setattr(sys, "argv", argv)
    report_docs.main()
    evaluation = (tmp_path / "evaluation.md").read_text("utf-8")
    assert "| **blind** (held out) | `tests/answer_conversations_blind.yml` |" in evaluation
    assert "**Last run:** 2026-12-02" in (tmp_path / "benchmarks.md").read_text("utf-8")


def test_the_evaluation_page_holds_each_classifiers_cross_validation() -> None:
    report = {
        "when": "2026-12-08 04:00 UTC",
        "seconds": 1.0,
        "classifiers": {
            "turn_kinds": {
                "file": "nlu_data/turn_kinds.yml",
                "examples": 638,
                "folds": 5,
                "macro_f1": 0.927,
                "accuracy": 0.92,
                "per_kind": {},
            }
        },
    }
    page = report_docs.evaluation_page(report)
    assert "| turn kinds | 638 (`nlu_data/turn_kinds.yml`) | 0.927 | 0.920 |" in page
