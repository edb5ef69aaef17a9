"""Every quality measure in one run: reports/eval.md, reports/eval.json and PNG plots.

Usage: python -m scripts.evaluate [--skip-cv]  (or `make eval`; about 12 minutes, most of it
Rasa's 5-fold cross-validation). Stages, with a progress bar:

1. NLU: 5-fold cross-validation of the whole pipeline (intent macro-F1, per-intent F1, confusion
   matrix, entity F1) and the held-out examples in tests/test_nlu.yml;
2. retrieval: recall@k and MRR on tests/retrieval_benchmark.yml against dense-only and BM25-only
   baselines, and abstention (scripts/eval_retrieval.py);
3. dialogue: the test stories in tests/test_stories.yml;
4. answers: the conversations in tests/answer_conversations.yml (written as users write, kept
   apart from the training data), sent over REST to a fresh `make run`; each reply must contain
   every fact the turn names and none of the ones it forbids.

Rasa's own output goes to reports/eval-logs/. Exits 1 if a stage fails to run; the figures are
reported, not judged (`make test` holds the floors).

The answers stage is scripts/eval_answers.py; reports/eval.md, the summary and the plots are
written by scripts/eval_report.py, and docs/evaluation.md, from the same report, by
scripts/report_docs.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from scripts.bench import machine
from scripts.eval_answers import answers_stage
from scripts.eval_classifiers import classifiers_stage
from scripts.eval_report import markdown, plots, summary
from scripts.report_docs import DOCS, evaluation_page, write_page
from scripts.stack import PROJECT_ROOT
from scripts.summarise_nlu import summarise

REPORTS = PROJECT_ROOT / "reports"
LOGS = REPORTS / "eval-logs"
# Nine sets of conversations, all written apart from the training data by people who did not
# see it. The team looked at the failures of the first, second, fourth and fifth while improving the
# assistant (so their figures are optimistic); the third was written blind (from the README's
# topics only, without the code, data, knowledge or tests), its failing turns are never read,
# and it is never edited after its first commit: its sha256 is printed with every figure. The
# fourth ("dev") was written blind in the same way later, to have fresh conversations to learn
# from without spending the blind set; the fifth ("dev2") likewise in the sixth session, and the
# sixth ("dev3") in the seventh, and the seventh ("dev4", mostly follow-ups) and eighth ("dev5",
# measured only at the start and end of the eighth session, not tuned on) in the eighth, and the
# ninth ("dev6", mostly follow-ups, measured before any tuning on it) in the ninth; the tenth
# ("dev7", tuned on) and eleventh ("dev8", held out) for the conversation-state issue in the tenth;
# the twelfth ("dev9", tuned on) and thirteenth ("dev10", held out) for the issue on learnt
# decisions (unanswerable kinds, partly answerable questions, thanks) in the eleventh.
# A held-out set's failing turns are never written anywhere: only its figures are.
HELD_OUT = frozenset({"blind", "dev5", "dev8", "dev10"})
ANSWER_SETS = {
    "tuning": PROJECT_ROOT / "tests" / "answer_conversations.yml",
    "unseen": PROJECT_ROOT / "tests" / "answer_conversations_unseen.yml",
    "blind": PROJECT_ROOT / "tests" / "answer_conversations_blind.yml",
    "dev": PROJECT_ROOT / "tests" / "answer_conversations_dev.yml",
    "dev2": PROJECT_ROOT / "tests" / "answer_conversations_dev2.yml",
    "dev3": PROJECT_ROOT / "tests" / "answer_conversations_dev3.yml",
    "dev4": PROJECT_ROOT / "tests" / "answer_conversations_dev4.yml",
    "dev5": PROJECT_ROOT / "tests" / "answer_conversations_dev5.yml",
    "dev6": PROJECT_ROOT / "tests" / "answer_conversations_dev6.yml",
    "dev7": PROJECT_ROOT / "tests" / "answer_conversations_dev7.yml",
    "dev8": PROJECT_ROOT / "tests" / "answer_conversations_dev8.yml",
    "dev9": PROJECT_ROOT / "tests" / "answer_conversations_dev9.yml",
    "dev10": PROJECT_ROOT / "tests" / "answer_conversations_dev10.yml",
}
MODEL = PROJECT_ROOT / "models" / "mastobot.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))
CV = ("--cross-validation", "--folds", "5", "--out")
NLU_TEST = "tests/test_nlu.yml"  # held-out NLU examples, never trained on
STORIES = "tests/test_stories.yml"
ENDPOINTS = ("--endpoints", "bot/endpoints.yml", "--out")
ANSWERS_LOG = LOGS / "answers-stack.log"


def run_logged(name: str, command: list[str]) -> None:
    """Run a command with its output in reports/eval-logs/<name>.log; raise if it fails."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    with log.open("w") as output:
        result = subprocess.run(command, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT)
    if result.returncode:
        raise RuntimeError(f"{name} failed (exit {result.returncode}); see {log}")


def nlu_stage(skip_cv: bool) -> dict[str, Any]:
    cv_dir, held_out_dir = REPORTS / "nlu-cv", REPORTS / "nlu-held-out"
    if not skip_cv:
        run_logged(
            "nlu-cross-validation",
            [RASA, "test", "nlu", "--nlu", "nlu_data", "--config", "config.yml", *CV, str(cv_dir)],
        )
    run_logged(
        "nlu-held-out",
        [RASA, "test", "nlu", "--model", str(MODEL), "--nlu", NLU_TEST, "--out", str(held_out_dir)],
    )
    result = {"held_out": summarise(held_out_dir)}
    if (cv_dir / "intent_report.json").exists():
        result["cross_validation_5_fold"] = summarise(cv_dir)
        result["confusion_matrix_png"] = str(
            (cv_dir / "intent_confusion_matrix.png").relative_to(PROJECT_ROOT)
        )
    return result


def retrieval_stage() -> dict[str, Any]:
    from actions.service import QuestionAnswerer
    from actions.settings import load_settings
    from scripts import eval_conversations as ec
    from scripts import eval_retrieval as er

    items = er.load_benchmark(er.BENCHMARK)
    out_of_scope = er.load_benchmark(er.OUT_OF_SCOPE)
    questions = [item["question"] for item in items]
    conversations = ec.load_conversations()
    parses = er.parse_with_nlu(MODEL, questions + out_of_scope + ec.texts_of(conversations))
    service = QuestionAnswerer(load_settings())
    report = er.evaluate(service, items, parses[: len(items)])
    gold = [item["gold"] for item in items]
    single = parses[: len(questions) + len(out_of_scope)]
    report["abstention"] = er.abstention(service, questions, out_of_scope, single, gold)
    report["conversations"] = ec.evaluate_conversations(
        service, conversations, parses[len(single) :]
    )
    report.pop("not_first")
    return report


def stories_stage() -> dict[str, Any]:
    out = REPORTS / "rasa-test"
    run_logged(
        "test-stories",
        [RASA, "test", "core", "--model", str(MODEL), "--stories", STORIES, *ENDPOINTS, str(out)],
    )
    report = json.loads((out / "story_report.json").read_text("utf-8"))
    return report["conversation_accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cv", action="store_true", help="reuse the last cross-validation")
    parser.add_argument(
        "--only",
        choices=("nlu", "classifiers", "retrieval", "stories", "answers"),
        action="append",
        help="run only these stages (repeatable); the report then holds only them",
    )
    args = parser.parse_args()
    started = time.monotonic()
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
    }
    stages = [
        ("nlu", "NLU cross-validation and held-out set", lambda: nlu_stage(args.skip_cv)),
        ("classifiers", "classifiers' cross-validation", classifiers_stage),
        ("retrieval", "retrieval benchmark", retrieval_stage),
        ("stories", "test stories", stories_stage),
        ("answers", "answers over REST", lambda: answers_stage(ANSWER_SETS, ANSWERS_LOG, HELD_OUT)),
    ]
    stages = [stage for stage in stages if not args.only or stage[0] in args.only]
    with tqdm(total=len(stages), desc="make eval", unit="stage") as progress:
        for key, label, stage in stages:
            progress.set_postfix_str(label)
            report[key] = stage()
            progress.update()
    report["seconds"] = round(time.monotonic() - started, 1)
    REPORTS.mkdir(exist_ok=True)
    if args.only:  # a partial run for the developer: JSON only, the full report stays as it was
        partial = REPORTS / f"eval-{'-'.join(sorted(set(args.only)))}.json"
        partial.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(summary(report) + f"\n  wrote {partial.relative_to(PROJECT_ROOT)}")
        return
    report["plots"] = plots(report, REPORTS)
    (REPORTS / "eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (REPORTS / "eval.md").write_text(markdown(report, ANSWER_SETS), "utf-8")
    page = write_page(DOCS / "evaluation.md", evaluation_page(report, ANSWER_SETS, HELD_OUT))
    print(summary(report) + f"\n  wrote {page.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
