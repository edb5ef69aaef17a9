"""docs/evaluation.md and docs/benchmarks.md, from the reports of `make eval` and `make bench`.

Usage: python -m scripts.report_docs [--eval reports/eval.json] [--bench reports/bench.json]
                                     [--docs docs]
`make eval` and `make bench` write their page at the end of a run; this command writes a page
again from a report kept elsewhere. Each page holds what its command measures, the figures of
its last run, when and on which machine it ran, and the targets. The pages' text lives here:
edit this file, not the pages. Pure functions of the report dicts, plus `write_page`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scripts.bench import machine_line, tables
from scripts.eval_report import nlu_rows
from scripts.stack import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"
NOT_YET = "Not yet generated on this machine — run `make {command}`."
WRITTEN_BY = (
    "<!-- Written by `make {command}` (scripts/report_docs.py) from reports/{report}: "
    "edit the renderer, not this page. -->"
)

EVALUATION_INTRO = """\
`make eval` (about 10 minutes, most of it Rasa's 5-fold cross-validation) runs every quality
measure, writes `reports/eval.md`, `reports/eval.json` and three plots
(`reports/eval-intent-f1.png`, `eval-retrieval.png`, `eval-answers.png`; Rasa writes the intent
confusion matrix to `reports/nlu-cv/`), and then this page. It shows a progress bar per stage and
ends with a one-screen summary; Rasa's own output goes to `reports/eval-logs/`.
`python -m scripts.evaluate --skip-cv` reuses the last cross-validation, and `--only answers`
(repeatable) runs chosen stages into `reports/eval-<stages>.json`, leaving this page as it is.
The figures are reported, not judged: `make test` holds the floors.

## What it measures

1. **NLU.** Rasa's 5-fold cross-validation over `nlu_data/`, and the trained model on the
   held-out examples in `tests/test_nlu.yml`, written in another voice and never trained on
   (`tests/test_nlu_held_out.py` fails on any overlap). `make eval-nlu` runs the same alone and
   writes `reports/nlu.json`; `scripts/quick_cv.py` runs the classifier's cross-validation alone
   in about a minute, with the examples behind each confusion, for editing the data.
2. **Retrieval.** The questions of `tests/retrieval_benchmark.yml`, written as users ask them,
   each with the sections that answer it, go through the trained NLU model and the retriever in
   three modes measured in the same run: hybrid (used), dense only and BM25 only. All three
   search the same query, the NLU's cleaned text with entities spelt out. A retrieved chunk
   counts when its section is a gold one (a long section's chunks are `id`, `id-1`, ...).
   Abstention is checked with the production decision (the NLU's out-of-scope intent, then the
   abstain thresholds) on the benchmark and on the unanswerable questions of
   `tests/out_of_scope_questions.yml`. `make eval-retrieval` runs the same alone and writes
   `reports/retrieval.json`, with the questions whose answer was not ranked first; `make test`
   fails if recall@3 falls below `tests/retrieval_floor.json`.
   Conversation items (`tests/retrieval_conversations.yml`) rank the standalone question of a
   follow-up after its earlier turns were played through the functions the action calls.
3. **Classifiers trained on examples.** The turn kinds (`nlu_data/turn_kinds.yml`) and the
   unknowable kinds (`nlu_data/unknowable_kinds.yml`), each cross-validated in 5 folds.
4. **Dialogue.** The test stories of `tests/test_stories.yml`.
5. **Answers.** Sets of conversations written as users write them, by people who never saw the
   training data, sent over REST to a fresh `make run`. Each turn lists facts the reply must
   contain (any of several spellings) and facts it must not (an admission of a gap for an
   answerable question, a dose, the emergency reply for a question *about* anaphylaxis). A
   conversation counts only if every turn passes. The **wrong-answer rate** is the share of
   turns answered in full from a passage (sources linked, no admission of a gap) that still
   failed their checks. A set that was tuned on gives an optimistic figure. A **held-out** set
   is measured, never tuned on, and its failing turns are written nowhere, only its figures;
   `reports/eval.md` lists the failing turns of the other sets. Who wrote each set, when, and
   how it has been used: [decisions/evaluation-sets.md](decisions/evaluation-sets.md); how the
   figures moved, session by session: [decisions/](decisions/README.md).
"""

BENCHMARKS_INTRO = """\
`make bench` (`scripts/bench.py` and `scripts/bench_load.py`, about 5 minutes; `--skip-build`
leaves out training and the index build) measures, in one run on one machine, and writes
`reports/bench.json`, `reports/bench.md` and then this page:

- end-to-end REST latency (p50/p95/p99) and throughput at 1, 4, 8 and 16 concurrent
  conversations of 10 turns with no pause between turns, for questions answered from the
  knowledge base (30 different questions and follow-ups; a reply counts as answered if it names
  its sources), and for a greeting (no custom action) as the in-run baseline. At each level
  three batches of greetings and three of questions run in turn and are pooled, so that the two
  see the same moments of a machine shared with other work;
- the ratios the targets are set on: answered questions/s over greetings/s with 8
  conversations at once, and the one-client median question over the median greeting;
- each server's CPU milliseconds per greeting and per question (from `/proc`), which other work
  on the machine does not move;
- three conversations of 200 questions, one client: the median of turns 196-200 (the same five
  questions as turns 1-5) over the median of turns 1-5;
- query embedding and retrieval alone, in process, without the embedding cache;
- start-up of each server, cold (after dropping the OS page cache, when run as root) and warm,
  as `make run` starts them (all at once);
- training (`rasa train --force`) and the index build, into scratch folders;
- each server's peak (VmHWM) and steady (VmRSS, after all of the above) memory, and the sums
  over the stack (Rasa, action server, chat page).

The targets below are what the serving work aims for; a change to serving should also leave the
servers' warm start no slower. Benchmarks report numbers; they are not timed assertions, and
figures from a machine shared with other work move from run to run. How the figures moved, and
what was changed to move them: [decisions/serving-speed.md](decisions/serving-speed.md).
"""

BASELINE_LABELS = {"dense": "dense only", "lexical": "BM25 only"}
# (measure, how to read it from a bench report, target): what the serving work aims for.
BENCH_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("answered questions/s over greetings/s, 8 conversations", "throughput", "≥ 0.65"),
    ("one-client median, question over greeting", "median_latency", "≤ 1.6"),
    ("200-turn conversation: turns 196-200 over turns 1-5", "last_over_first", "≤ 1.3"),
    ("resident memory after the benchmark, whole stack", "steady_sum_mb", "≤ 1,200 MB"),
)


def run_line(report: Mapping[str, Any]) -> str:
    """When, how long and on which machine a report was made."""
    machine = report.get("machine")
    where = machine_line(machine) if machine else "machine not recorded in this report"
    took = f", {report['seconds']:.0f} s" if "seconds" in report else ""
    return f"**Last run:** {report['when']}{took}; {where}."


def nlu_section(nlu: Mapping[str, Any]) -> list[str]:
    lines = ["### NLU", "", "| set | intent macro-F1 | intent accuracy | entity F1 |"]
    lines.append("| --- | ---: | ---: | ---: |")
    for label, row, entity in nlu_rows(dict(nlu)):
        lines.append(
            f"| {label} | {row['intent_macro_f1']:.3f} | {row['intent_accuracy']:.3f} "
            f"| {entity:.3f} |"
        )
    return [*lines, ""]


def retrieval_section(retrieval: Mapping[str, Any]) -> list[str]:
    lines = [f"### Retrieval ({retrieval['queries']} questions)", ""]
    lines += [
        "| mode | recall@1 | recall@3 | recall@5 | MRR |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    modes = {"hybrid (used)": retrieval, **retrieval.get("baselines", {})}
    for mode, row in modes.items():
        lines.append(
            f"| {BASELINE_LABELS.get(mode, mode)} | {row['recall@1']:.3f} | {row['recall@3']:.3f} "
            f"| {row['recall@5']:.3f} | {row['mrr']:.3f} |"
        )
    abstention = retrieval.get("abstention")
    if abstention:
        lines += [
            "",
            f"It abstains on {abstention['in_scope_abstain_rate']:.1%} of the answerable "
            f"questions and answers {abstention.get('in_scope_partial_rate', 0):.1%} of them only "
            f"in part; it answers {abstention['out_of_scope_answered_rate']:.1%} of the "
            f"out-of-scope ones; {abstention.get('answer_opens_with_gold_rate', 0):.1%} of its "
            "answers open with a sentence of a gold section, and "
            f"{abstention.get('coherence', 0):.1%} are made of at most two passages of one "
            "section (coherence).",
        ]
    turns = retrieval.get("conversations")
    if turns:
        lines += [
            "",
            f"Conversation items ({turns['queries']}, `tests/retrieval_conversations.yml`): the "
            "earlier turns played through the action's functions, the last turn's standalone "
            f"question ranked: recall@1 {turns['recall@1']:.3f}, recall@3 "
            f"{turns['recall@3']:.3f}, MRR {turns['mrr']:.3f}.",
        ]
    return [*lines, ""]


def classifiers_section(classifiers: Mapping[str, Any]) -> list[str]:
    """Each classifier trained on examples: its file, size and cross-validated figures."""
    lines = ["### Classifiers trained on examples", ""]
    lines += ["| classifier | examples | 5-fold macro-F1 | accuracy |"]
    lines.append("| --- | --- | ---: | ---: |")
    for name, row in classifiers.items():
        lines.append(
            f"| {name.replace('_', ' ')} | {row['examples']} (`{row['file']}`) "
            f"| {row['macro_f1']:.3f} | {row['accuracy']:.3f} |"
        )
    return [*lines, ""]


def answers_section(
    answers: Mapping[str, Any], answer_sets: Mapping[str, Path], held_out: frozenset[str]
) -> list[str]:
    """One row per set, then conversations fully right per category; never a failing turn."""
    lines = ["### Answers", ""]
    lines += ["| set | file | conversations fully right | turns passed | wrong answers | sha256 |"]
    lines.append("| --- | --- | ---: | ---: | ---: | --- |")
    for name, a in answers.items():
        label = f"**{name}** (held out)" if a.get("held_out") or name in held_out else name
        path = answer_sets.get(name)
        file = f"`{path.relative_to(PROJECT_ROOT)}`" if path else ""
        lines.append(
            f"| {label} | {file} | {a['conversations_passed']}/{a['conversations']} "
            f"| {a['turns_passed']}/{a['turns']} | {a.get('wrong_answer_rate', 0):.1%} "
            f"| `{a.get('sha256', '?')[:12]}` |"
        )
    by_category = {name: categories(a) for name, a in answers.items()}
    lines += ["", "Conversations fully right, per category:", ""]
    lines += ["| category | " + " | ".join(answers) + " |"]
    lines.append("| --- |" + " ---: |" * len(answers))
    for category in sorted({c for rows in by_category.values() for c in rows}):
        cells = [by_category[name].get(category, "–") for name in answers]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def categories(answers: Mapping[str, Any]) -> dict[str, str]:
    """'passed/conversations' per category; sets spell a category "follow-up" or "follow_up"."""
    return {
        name.replace("_", " ").replace("-", " "): f"{row['passed']}/{row['conversations']}"
        for name, row in answers.get("by_category", {}).items()
    }


def evaluation_page(
    report: Mapping[str, Any] | None,
    answer_sets: Mapping[str, Path] | None = None,
    held_out: frozenset[str] = frozenset(),
) -> str:
    """docs/evaluation.md from a `make eval` report (None: the page says it was never run)."""
    lines = [WRITTEN_BY.format(command="eval", report="eval.json"), "", "# Evaluation", ""]
    lines += [EVALUATION_INTRO, "## The last run", ""]
    if report is None:
        return "\n".join([*lines, NOT_YET.format(command="eval"), ""])
    lines += [run_line(report), ""]
    if report.get("nlu"):
        lines += nlu_section(report["nlu"])
    if report.get("classifiers"):
        lines += classifiers_section(report["classifiers"])
    if report.get("retrieval"):
        lines += retrieval_section(report["retrieval"])
    if report.get("stories"):
        stories = report["stories"]
        lines += [
            "### Dialogue",
            "",
            f"Test stories: {stories['correct']} of {stories['total']}.",
            "",
        ]
    if report.get("answers"):
        lines += answers_section(report["answers"], answer_sets or {}, held_out)
    return "\n".join(lines)


def bench_targets(report: Mapping[str, Any]) -> list[str]:
    """This run's figure beside the target for each of BENCH_TARGETS."""
    figures = {
        **report["question_over_greeting"],
        "last_over_first": report["long_conversation"]["last_over_first"],
        "steady_sum_mb": f"{report['memory_mb']['steady']['sum']:,.0f} MB",
    }
    lines = ["| measure | this run | target |", "| --- | ---: | ---: |"]
    for measure, key, target in BENCH_TARGETS:
        lines.append(f"| {measure} | {figures[key]} | {target} |")
    return [*lines, ""]


def benchmarks_page(report: Mapping[str, Any] | None) -> str:
    """docs/benchmarks.md from a `make bench` report (None: the page says it was never run)."""
    lines = [WRITTEN_BY.format(command="bench", report="bench.json"), "", "# Benchmarks", ""]
    lines += [BENCHMARKS_INTRO, "## The last run", ""]
    if report is None:
        targets = ["| measure | target |", "| --- | ---: |"]
        targets += [f"| {measure} | {target} |" for measure, _, target in BENCH_TARGETS]
        return "\n".join([*lines, NOT_YET.format(command="bench"), "", *targets, ""])
    lines += [run_line(report), "", *bench_targets(report), *tables(dict(report))]
    return "\n".join(lines)


def write_page(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n", "utf-8")
    return path


def read_report(path: Path | None) -> dict[str, Any] | None:
    return json.loads(path.read_text("utf-8")) if path and path.exists() else None


def main() -> None:
    from scripts.evaluate import ANSWER_SETS, HELD_OUT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, help="a make eval report (reports/eval.json)")
    parser.add_argument("--bench", type=Path, help="a make bench report (reports/bench.json)")
    parser.add_argument("--docs", type=Path, default=DOCS, help="where the pages go")
    args = parser.parse_args()
    if args.eval:
        page = evaluation_page(read_report(args.eval), ANSWER_SETS, HELD_OUT)
        print(f"wrote {write_page(args.docs / 'evaluation.md', page)}")
    if args.bench:
        page = benchmarks_page(read_report(args.bench))
        print(f"wrote {write_page(args.docs / 'benchmarks.md', page)}")


if __name__ == "__main__":
    main()
