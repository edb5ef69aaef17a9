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
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import requests
import yaml
from tqdm import tqdm

from scripts.stack import PROJECT_ROOT, running_stack
from scripts.summarise_nlu import summarise

REPORTS = PROJECT_ROOT / "reports"
LOGS = REPORTS / "eval-logs"
# Six sets of conversations, all written apart from the training data by people who did not
# see it. The team looked at the failures of the first, second, fourth and fifth while improving the
# assistant (so their figures are optimistic); the third was written blind (from the README's
# topics only, without the code, data, knowledge or tests), its failing turns are never read,
# and it is never edited after its first commit: its sha256 is printed with every figure. The
# fourth ("dev") was written blind in the same way later, to have fresh conversations to learn
# from without spending the blind set; the fifth ("dev2") likewise in the sixth session, and the
# sixth ("dev3") in the seventh and the seventh ("dev4", mostly follow-ups) in the eighth.
ANSWER_SETS = {
    "tuning": PROJECT_ROOT / "tests" / "answer_conversations.yml",
    "unseen": PROJECT_ROOT / "tests" / "answer_conversations_unseen.yml",
    "blind": PROJECT_ROOT / "tests" / "answer_conversations_blind.yml",
    "dev": PROJECT_ROOT / "tests" / "answer_conversations_dev.yml",
    "dev2": PROJECT_ROOT / "tests" / "answer_conversations_dev2.yml",
    "dev3": PROJECT_ROOT / "tests" / "answer_conversations_dev3.yml",
    "dev4": PROJECT_ROOT / "tests" / "answer_conversations_dev4.yml",
}
MODEL = PROJECT_ROOT / "models" / "mastobot.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))
CV = ("--cross-validation", "--folds", "5", "--out")
HELD_OUT = "tests/test_nlu.yml"
STORIES = "tests/test_stories.yml"
ENDPOINTS = ("--endpoints", "bot/endpoints.yml", "--out")


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
        [RASA, "test", "nlu", "--model", str(MODEL), "--nlu", HELD_OUT, "--out", str(held_out_dir)],
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
    from scripts import eval_retrieval as er

    items = er.load_benchmark(er.BENCHMARK)
    out_of_scope = er.load_benchmark(er.OUT_OF_SCOPE)
    questions = [item["question"] for item in items]
    parses = er.parse_with_nlu(MODEL, questions + out_of_scope)
    service = QuestionAnswerer(load_settings())
    report = er.evaluate(service, items, parses[: len(items)])
    gold = [item["gold"] for item in items]
    report["abstention"] = er.abstention(service, questions, out_of_scope, parses, gold)
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


def reply_text(replies: list[dict[str, Any]]) -> str:
    """Everything the assistant said in one turn: texts and button titles."""
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts.extend(button.get("title", "") for button in reply.get("buttons") or [])
    return "\n".join(parts)


def check_turn(reply: str, must: list[Any], must_not: list[str]) -> list[str]:
    """What is wrong with a reply: each missing fact and each forbidden one it contains."""
    text = reply.lower()
    problems = []
    for fact in must:
        options = fact if isinstance(fact, list) else [fact]
        if not any(option.lower() in text for option in options):
            problems.append("missing " + " / ".join(repr(o) for o in options))
    problems += [f"contains {word!r}" for word in must_not if word.lower() in text]
    return problems


def load_conversations(path: Path) -> list[dict[str, Any]]:
    conversations = yaml.safe_load(path.read_text("utf-8"))["conversations"]
    ids = [c["id"] for c in conversations]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: conversation ids must be unique")
    return conversations


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def answers_stage() -> dict[str, Any]:
    """Each set of conversations over REST on one fresh stack, summarised per set."""
    with running_stack(LOGS / "answers-stack.log") as stack, requests.Session() as session:
        return {
            name: {
                **summarise_answers(converse(stack.rest_url, session, load_conversations(path))),
                "sha256": sha256(path),
            }
            for name, path in ANSWER_SETS.items()
        }


def converse(
    url: str, session: requests.Session, conversations: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every turn of every conversation, each conversation as a new sender; checked replies."""
    results = []
    for conversation in tqdm(conversations, desc="answers", unit="conv", leave=False):
        sender = f"eval-{uuid.uuid4().hex}"
        for number, turn in enumerate(conversation["turns"], 1):
            response = session.post(
                url, json={"sender": sender, "message": turn["user"]}, timeout=60
            )
            response.raise_for_status()
            reply = reply_text(response.json())
            problems = check_turn(reply, turn.get("must", []), turn.get("must_not", []))
            results.append(
                {
                    "conversation": conversation["id"],
                    "category": conversation.get("category", "other"),
                    "turn": number,
                    "user": turn["user"],
                    "passed": not problems,
                    "problems": problems,
                    "answered": answered_fully(reply),
                    "reply": reply[:600],
                }
            )
    return results


def summarise_answers(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Pass rates per turn and per conversation (all turns passed), overall and per category."""
    by_conversation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        by_conversation[result["conversation"]].append(result)
    categories: dict[str, dict[str, int]] = defaultdict(lambda: {"conversations": 0, "passed": 0})
    for turns in by_conversation.values():
        row = categories[turns[0]["category"]]
        row["conversations"] += 1
        row["passed"] += all(t["passed"] for t in turns)
    conversations_passed = sum(row["passed"] for row in categories.values())
    answered = [r for r in results if r.get("answered", answered_fully(r["reply"]))]
    wrong = [r for r in answered if not r["passed"]]
    return {
        "conversations": len(by_conversation),
        "conversations_passed": conversations_passed,
        "conversation_pass_rate": round(conversations_passed / max(len(by_conversation), 1), 4),
        "turns": len(results),
        "turns_passed": sum(r["passed"] for r in results),
        "turn_pass_rate": round(sum(r["passed"] for r in results) / max(len(results), 1), 4),
        "by_category": dict(sorted(categories.items())),
        # Answered in full, from sources, but wrong: a passage that does not address the question.
        "answered_turns": len(answered),
        "wrong_answers": len(wrong),
        "wrong_answer_rate": round(len(wrong) / max(len(answered), 1), 4),
        "failures": [r for r in results if not r["passed"]],
    }


def answered_fully(reply: str) -> bool:
    """A reply built from sources that does not say it lacks anything."""
    gap = ("I don't have", "I can't know", "I don't know")
    return "](http" in reply and not reply.startswith(gap)


def plots(report: dict[str, Any]) -> list[str]:
    """Bar charts of per-intent F1, retrieval recall@k per mode and answer pass rates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    nlu = report.get("nlu", {}).get("cross_validation_5_fold")
    if nlu:
        names = sorted(nlu["per_intent_f1"], key=nlu["per_intent_f1"].get)
        figure, axis = plt.subplots(figsize=(8, 8))
        axis.barh(names, [nlu["per_intent_f1"][n] for n in names], color="#4a7ab5")
        axis.axvline(nlu["intent_macro_f1"], color="black", linestyle="--", label="macro-F1")
        axis.set_xlim(0, 1)
        axis.set_xlabel("F1 (5-fold cross-validation)")
        axis.legend(loc="lower right")
        written.append(_save(figure, "eval-intent-f1.png"))
    retrieval = report.get("retrieval")
    if retrieval:
        modes = {"hybrid": retrieval, **retrieval["baselines"]}
        ks = ["recall@1", "recall@3", "recall@5", "mrr"]
        figure, axis = plt.subplots(figsize=(7, 4))
        width = 0.8 / len(modes)
        for i, (mode, row) in enumerate(modes.items()):
            axis.bar(
                [k + i * width for k in range(len(ks))], [row[k] for k in ks], width, label=mode
            )
        axis.set_xticks([k + width for k in range(len(ks))], ks)
        axis.set_ylim(0, 1)
        axis.legend()
        axis.set_title(f"Retrieval, {retrieval['queries']} benchmark questions")
        written.append(_save(figure, "eval-retrieval.png"))
    answers = report.get("answers")
    if answers:
        names = sorted({c for summary in answers.values() for c in summary["by_category"]})
        figure, axis = plt.subplots(figsize=(8, 4))
        width = 0.8 / len(answers)
        for i, (set_name, summary) in enumerate(answers.items()):
            rows = summary["by_category"]
            rates = [
                rows[n]["passed"] / rows[n]["conversations"] if n in rows else 0 for n in names
            ]
            label = f"{set_name} ({summary['conversations']} conversations)"
            axis.bar([k + i * width for k in range(len(names))], rates, width, label=label)
        axis.set_xticks([k + width / 2 for k in range(len(names))], names, rotation=30)
        axis.set_ylim(0, 1)
        axis.set_ylabel("conversations fully right")
        axis.legend()
        written.append(_save(figure, "eval-answers.png"))
    return written


def _save(figure: Any, name: str) -> str:
    figure.tight_layout()
    figure.savefig(REPORTS / name, dpi=100)
    figure.clf()
    return name


def nlu_rows(nlu: dict[str, Any]) -> list[tuple[str, dict[str, Any], float]]:
    """(label, figures, entity F1) for the cross-validation and held-out results present."""
    return [
        (name.replace("_", " "), nlu[name], next(iter(nlu[name]["entity_f1"].values()), np.nan))
        for name in ("cross_validation_5_fold", "held_out")
        if name in nlu
    ]


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Evaluation", "", f"{report['when']}, {report['seconds']:.0f} s.", ""]
    nlu = report.get("nlu", {})
    lines += [
        "## NLU",
        "",
        "| set | intent macro-F1 | accuracy | entity F1 |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, row, entity in nlu_rows(nlu):
        lines.append(
            f"| {label} | {row['intent_macro_f1']:.3f} | {row['intent_accuracy']:.3f} "
            f"| {entity:.3f} |"
        )
    if "cross_validation_5_fold" in nlu:
        lines += ["", "![per-intent F1](eval-intent-f1.png)", ""]
        lines += [f"Confusion matrix: {nlu['confusion_matrix_png'].removeprefix('reports/')}", ""]
    retrieval = report["retrieval"]
    lines += [
        "## Retrieval",
        "",
        "| mode | recall@1 | recall@3 | recall@5 | MRR |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for mode, row in {"hybrid": retrieval, **retrieval["baselines"]}.items():
        lines.append(
            f"| {mode} | {row['recall@1']:.3f} | {row['recall@3']:.3f} "
            f"| {row['recall@5']:.3f} | {row['mrr']:.3f} |"
        )
    abstention = retrieval["abstention"]
    lines += [
        "",
        f"Abstains on {abstention['in_scope_abstain_rate']:.1%} of answerable questions and "
        f"answers {abstention.get('in_scope_partial_rate', 0):.1%} only in part; "
        f"answers {abstention['out_of_scope_answered_rate']:.1%} of out-of-scope ones; "
        f"{abstention.get('answer_opens_with_gold_rate', 0):.1%} of answers open with a sentence "
        "of a gold section.",
        "",
        "![retrieval](eval-retrieval.png)",
        "",
    ]
    stories = report["stories"]
    lines += [
        "## Dialogue",
        "",
        f"Test stories: {stories['correct']} of {stories['total']} right.",
        "",
    ]
    lines += ["## Answers", "", "![answers](eval-answers.png)", ""]
    for set_name, answers in report["answers"].items():
        lines += [
            f"### {set_name}: {ANSWER_SETS[set_name].relative_to(PROJECT_ROOT)}",
            "",
            f"sha256 `{answers.get('sha256', '?')}`",
            "",
            f"{answers['conversations_passed']} of {answers['conversations']} conversations fully "
            f"right; {answers['turns_passed']} of {answers['turns']} turns. Wrong answers "
            f"(answered in full from a passage, but the turn failed): "
            f"{answers.get('wrong_answers', 0)} of {answers.get('answered_turns', 0)} answered "
            f"turns ({answers.get('wrong_answer_rate', 0):.1%}).",
            "",
            "| category | conversations | fully right |",
            "| --- | ---: | ---: |",
        ]
        for name, row in answers["by_category"].items():
            lines.append(f"| {name} | {row['conversations']} | {row['passed']} |")
        lines += ["", "Turns that failed:", ""]
        for failure in answers["failures"]:
            lines.append(
                f"- `{failure['conversation']}` turn {failure['turn']}: {failure['user']!r} — "
                + "; ".join(failure["problems"])
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def summary(report: dict[str, Any]) -> str:
    nlu = report.get("nlu", {})
    lines = ["", "Evaluation summary"]
    for label, row, entity in nlu_rows(nlu):
        lines.append(
            f"  NLU {label:24} intent macro-F1 {row['intent_macro_f1']:.3f}  entity F1 {entity:.3f}"
        )
    r = report.get("retrieval") or {"baselines": {}}
    lines += (
        []
        if len(r) == 1
        else [
            f"  retrieval (hybrid)           R@1 {r['recall@1']:.3f}  R@3 {r['recall@3']:.3f}  "
            f"R@5 {r['recall@5']:.3f}  MRR {r['mrr']:.3f}"
        ]
    )
    for mode, row in r["baselines"].items():
        lines.append(
            f"  retrieval ({mode:7} only)     R@1 {row['recall@1']:.3f}  R@3 {row['recall@3']:.3f}"
            f"  R@5 {row['recall@5']:.3f}  MRR {row['mrr']:.3f}"
        )
    if "stories" in report:
        s = report["stories"]
        lines.append(f"  test stories                 {s['correct']}/{s['total']}")
    for set_name, a in report.get("answers", {}).items():
        lines.append(
            f"  answers, {set_name:8} set       {a['conversations_passed']}/{a['conversations']} "
            f"conversations, {a['turns_passed']}/{a['turns']} turns, "
            f"wrong answers {a.get('wrong_answer_rate', 0):.1%}"
            f"  (sha256 {a.get('sha256', '?')[:12]})"
        )
    if "plots" in report:
        lines.append(f"  wrote reports/eval.md, reports/eval.json and {len(report['plots'])} plots")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cv", action="store_true", help="reuse the last cross-validation")
    parser.add_argument(
        "--only",
        choices=("nlu", "retrieval", "stories", "answers"),
        action="append",
        help="run only these stages (repeatable); the report then holds only them",
    )
    args = parser.parse_args()
    started = time.monotonic()
    report: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    stages = [
        ("nlu", "NLU cross-validation and held-out set", lambda: nlu_stage(args.skip_cv)),
        ("retrieval", "retrieval benchmark", retrieval_stage),
        ("stories", "test stories", stories_stage),
        ("answers", "answers over REST", answers_stage),
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
    report["plots"] = plots(report)
    (REPORTS / "eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (REPORTS / "eval.md").write_text(markdown(report), "utf-8")
    print(summary(report))


if __name__ == "__main__":
    main()
