"""The report of `make eval`: reports/eval.md, the one-screen summary and the PNG plots.

Pure functions of the report dict scripts/evaluate.py builds (plus where to write the plots and
which file each answer set came from); the dict itself is written as reports/eval.json there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scripts.stack import PROJECT_ROOT


def plots(report: dict[str, Any], reports: Path) -> list[str]:
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
        written.append(_save(figure, reports, "eval-intent-f1.png"))
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
        written.append(_save(figure, reports, "eval-retrieval.png"))
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
        written.append(_save(figure, reports, "eval-answers.png"))
    return written


def _save(figure: Any, reports: Path, name: str) -> str:
    figure.tight_layout()
    figure.savefig(reports / name, dpi=100)
    figure.clf()
    return name


def nlu_rows(nlu: dict[str, Any]) -> list[tuple[str, dict[str, Any], float]]:
    """(label, figures, entity F1) for the cross-validation and held-out results present."""
    return [
        (name.replace("_", " "), nlu[name], next(iter(nlu[name]["entity_f1"].values()), np.nan))
        for name in ("cross_validation_5_fold", "held_out")
        if name in nlu
    ]


def markdown(report: dict[str, Any], answer_sets: dict[str, Path]) -> str:
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
    for name, t in report.get("classifiers", {}).items():
        lines += [
            f"## Classifier: {name.replace('_', ' ')}",
            "",
            f"{t['examples']} examples ({t['file']}), {t['folds']}-fold "
            f"cross-validation: macro-F1 {t['macro_f1']:.3f}, accuracy {t['accuracy']:.3f}.",
            "",
            "| kind | F1 | examples |",
            "| --- | ---: | ---: |",
            *(
                f"| {kind} | {row['f1']:.3f} | {row['examples']} |"
                for kind, row in t["per_kind"].items()
            ),
            "",
        ]
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
            f"### {set_name}: {answer_sets[set_name].relative_to(PROJECT_ROOT)}",
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
        if answers.get("held_out"):
            lines += [
                "",
                "Held out: its failing turns are not listed, so that nobody tunes on them.",
                "",
            ]
            continue
        lines += ["", "Turns that failed:", ""]
        for failure in answers["failures"]:
            lines.append(
                f"- `{failure['conversation']}` turn {failure['turn']}: {failure['user']!r} — "
                + "; ".join(failure["problems"])
            )
            if failure.get("standalone"):
                lines.append(f"  - standalone question: {failure['standalone']!r}")
        lines.append("")
    return "\n".join(lines) + "\n"


def summary(report: dict[str, Any]) -> str:
    nlu = report.get("nlu", {})
    lines = ["", "Evaluation summary"]
    for label, row, entity in nlu_rows(nlu):
        lines.append(
            f"  NLU {label:24} intent macro-F1 {row['intent_macro_f1']:.3f}  entity F1 {entity:.3f}"
        )
    for name, t in report.get("classifiers", {}).items():
        examples = f"{name.replace('_', ' ')} ({t['examples']})"
        lines.append(f"  {examples:28} {t['folds']}-fold macro-F1 {t['macro_f1']:.3f}")
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
