"""Benchmark: how fast the assistant answers, starts, trains and builds its index, and its memory.

Usage: python -m scripts.bench [--skip-build]  (or `make bench`; about 5 minutes). Writes
reports/bench.json and reports/bench.md, prints the table, and writes docs/benchmarks.md from the
same report (scripts/report_docs.py). Measured in one run on one machine:

- training time (`rasa train --force` into a scratch folder) and index build time (into a
  scratch folder); the project's own model and index are not touched;
- start-up: `make run` twice, the first time after dropping the OS page cache when allowed
  (root on Linux; the report says whether it was), the second time warm. Each figure is the
  time from the server's process start until it answered its health URL; both start at once,
  as in `make run`;
- end-to-end REST latency (p50/p95/p99) and throughput at 1, 4, 8 and 16 concurrent
  conversations of 10 turns, for questions answered from the knowledge base and, as the
  in-run baseline, for a greeting (no custom action); no pause between turns. At each level,
  three batches of greetings and three of questions run in turn and are pooled, so that their
  ratios compare the same moments: answered questions/s over greetings/s at 8 conversations, and
  the one-client medians; and each server's CPU time per message, which other work on the
  machine does not change;
- three conversations of 200 questions, one client: turns 196-200 against turns 1-5
  (scripts/bench_load.py);
- query embedding and retrieval alone, in this process, without HTTP or Rasa;
- each server's peak (VmHWM) and steady (VmRSS, after all of the above) resident memory, and
  the sums over the stack (Rasa, action server, chat page).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from scripts.bench_load import (
    EDGE_TURNS,
    QUESTIONS,
    alternating_levels,
    conversations_each,
    load_level,
    long_conversation,
    percentile,
)
from scripts.stack import PROJECT_ROOT, running_stack

REPORT_JSON = PROJECT_ROOT / "reports" / "bench.json"
REPORT_MD = PROJECT_ROOT / "reports" / "bench.md"
STACK_LOG = PROJECT_ROOT / "reports" / "bench-stack.log"
CONCURRENCY = (1, 4, 8, 16)
ROUNDS = 3  # batches of greetings and of questions, in turn, at each concurrency
# The targets the ratios are read against (docs/benchmarks.md): a question should cost little more
# than a greeting, and a long conversation's turn little more than its first.
RATIO_LEVELS = {"throughput": 8, "median_latency": 1}
MEMORY_FIELDS = {"peak": "VmHWM", "steady": "VmRSS"}


def question_over_greeting(levels: list[dict[str, Any]]) -> dict[str, float]:
    """Questions against greetings, measured in the same run.

    `throughput`: answered questions per second over greetings per second, with 8 conversations
    at once; `median_latency`: the median question over the median greeting, with one client.
    """
    by = {(row["kind"], row["concurrent_conversations"]): row for row in levels}
    busy, alone = RATIO_LEVELS["throughput"], RATIO_LEVELS["median_latency"]
    return {
        "throughput": round(
            by["question", busy]["answered_per_second"]
            / by["greeting", busy]["requests_per_second"],
            2,
        ),
        "median_latency": round(
            by["question", alone]["p50_ms"] / by["greeting", alone]["p50_ms"], 2
        ),
    }


def memory_mb(stack: Any) -> dict[str, dict[str, float]]:
    """Each server's peak (VmHWM) and current (VmRSS) resident memory in MB, and their sums."""
    figures = {}
    for name, field_name in MEMORY_FIELDS.items():
        by_server = {
            server: round(kb / 1024, 1) for server, kb in stack.memory_kb(field_name).items()
        }
        figures[name] = {**by_server, "sum": round(sum(by_server.values()), 1)}
    return figures


def drop_page_cache() -> bool:
    """Drop the OS page cache so the next start reads from disk; False when not allowed."""
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return round(time.perf_counter() - started, 1)


def build_times(scratch: Path) -> dict[str, float]:
    """Training and index build from scratch, into `scratch` (the project's stay as they are)."""
    python = sys.executable
    rasa = str(Path(python).with_name("rasa"))
    paths = ["--config", "config.yml", "--domain", "bot/domain.yml", "--data", "bot/stories.yml"]
    paths += ["bot/rules.yml", "nlu_data", "--out", str(scratch / "models")]
    training = timed([rasa, "train", *paths, "--force", "--fixed-model-name", "bench"])
    index = timed([python, "-m", "scripts.build_index"], {"INDEX_DIR": str(scratch / "index")})
    return {"training_seconds": training, "index_build_seconds": index}


def in_process_times(repeats: int = 3) -> dict[str, Any]:
    """Query embedding and retrieval alone: what the action server spends per question."""
    from actions.service import QuestionAnswerer
    from actions.settings import load_settings

    # Without the embedding cache: the same questions again would be found, not computed.
    service = QuestionAnswerer(replace(load_settings(), embedding_cache_texts=0))
    service.warm_up()
    assert service.retriever is not None
    embed_ms, retrieve_ms = [], []
    for _ in range(repeats):
        for question in QUESTIONS:
            started = time.perf_counter()
            vector = service.embedder.embed([question])[0]
            embedded = time.perf_counter()
            service.retriever.retrieve(question, vector)
            embed_ms.append((embedded - started) * 1000)
            retrieve_ms.append((time.perf_counter() - embedded) * 1000)
    return {
        name: {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2)}
        for name, ms in (("query_embedding", embed_ms), ("retrieval", retrieve_ms))
    }


def machine() -> dict[str, Any]:
    cpu_lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpu_lines if "model name" in line), "")
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def bench(skip_build: bool) -> dict[str, Any]:
    report: dict[str, Any] = {
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if not skip_build:
        print("bench: training and index build from scratch ...", flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            report["build"] = build_times(Path(scratch))
    print("bench: cold start ...", flush=True)
    dropped = drop_page_cache()
    with running_stack(STACK_LOG) as stack:
        cold = stack.ready_seconds
    print("bench: warm start ...", flush=True)
    with running_stack(STACK_LOG) as stack:
        report["startup_seconds"] = {
            "page_cache_dropped_for_cold": dropped,
            "cold": cold,
            "warm": stack.ready_seconds,
        }
        levels = []
        for kind in ("greeting", "question"):
            load_level(stack.rest_url, kind, 2, 1)  # warm-up, not counted
        for clients in CONCURRENCY:
            each = conversations_each(clients)
            kinds = ("greeting", "question")
            rows = alternating_levels(
                stack.rest_url, kinds, clients, each, ROUNDS, stack.cpu_seconds
            )
            for level in rows:
                levels.append(level)
                print(
                    f"bench: {level['kind']:8} x{clients:<2} p50 {level['p50_ms']:7.1f} ms  "
                    f"p95 {level['p95_ms']:7.1f} ms  {level['requests_per_second']:5.1f} req/s  "
                    f"errors {level['errors']}",
                    flush=True,
                )
        report["rest"] = levels
        report["question_over_greeting"] = question_over_greeting(levels)
        print("bench: three conversations of 200 questions ...", flush=True)
        report["long_conversation"] = long_conversation(stack.rest_url)
        report["memory_mb"] = memory_mb(stack)
    print("bench: embedding and retrieval alone ...", flush=True)
    report["in_process"] = in_process_times()
    return report


def machine_line(m: dict[str, Any]) -> str:
    """The machine a report was measured on, in one line."""
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}; "
        f"load average {m['load_average_at_start']:.2f} at the start"
    )


def markdown(report: dict[str, Any]) -> str:
    """reports/bench.md: when and where, then the tables."""
    lines = ["# Benchmark", "", f"{report['when']}; {machine_line(report['machine'])}.", ""]
    return "\n".join(lines + tables(report))


def tables(report: dict[str, Any]) -> list[str]:
    """The figures of a run as Markdown tables: REST load per level, then every other measure."""
    lines = [
        "| message | conversations at once | requests | p50 ms | p95 ms | p99 ms | requests/s "
        "| answered questions/s | CPU ms per message: Rasa / actions | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["rest"]:
        answered = row["answered_per_second"] if row["kind"] == "question" else "-"
        cpu = row.get("cpu_ms_per_request", {})
        lines.append(
            f"| {row['kind']} | {row['concurrent_conversations']} | {row['requests']} "
            f"| {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} "
            f"| {row['requests_per_second']} | {answered} "
            f"| {cpu.get('rasa', '-')} / {cpu.get('actions', '-')} | {row['errors']} |"
        )
    start = report["startup_seconds"]
    lines += ["", "| measure | value |", "| --- | ---: |"]
    for phase in ("cold", "warm"):
        for name, seconds in sorted(start[phase].items()):
            lines.append(f"| {name} ready, {phase} start | {seconds} s |")
    if "build" in report:
        lines.append(
            f"| training (`rasa train --force`) | {report['build']['training_seconds']} s |"
        )
        lines.append(f"| index build | {report['build']['index_build_seconds']} s |")
    ratios, long = report["question_over_greeting"], report["long_conversation"]
    lines.append(
        f"| answered questions/s over greetings/s, 8 conversations | {ratios['throughput']} |"
    )
    lines.append(f"| one-client median, question over greeting | {ratios['median_latency']} |")
    lines.append(
        f"| {long['turns']}-turn conversation, p50 of the last {EDGE_TURNS} turns over the first "
        f"| {long['last_turns_p50_ms']} / {long['first_turns_p50_ms']} ms = "
        f"{long['last_over_first']} |"
    )
    for kind in ("peak", "steady"):
        for name, mb in report["memory_mb"][kind].items():
            label = "whole stack" if name == "sum" else name
            lines.append(f"| {label} {kind} memory ({MEMORY_FIELDS[kind]}) | {mb} MB |")
    for name, row in report["in_process"].items():
        label = name.replace("_", " ")
        lines.append(f"| {label} alone, p50 / p95 | {row['p50_ms']} / {row['p95_ms']} ms |")
    cold = (
        "after dropping the OS page cache"
        if start["page_cache_dropped_for_cold"]
        else "without dropping the OS page cache (not allowed here)"
    )
    lines += ["", f"Cold start: {cold}; warm start: straight after it.", ""]
    return lines


def main() -> None:
    from scripts.report_docs import DOCS, benchmarks_page, write_page  # it imports this module

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="do not time training and index")
    args = parser.parse_args()
    report = bench(args.skip_build)
    REPORT_JSON.parent.mkdir(parents=True, exist_ok=True)
    REPORT_JSON.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    REPORT_MD.write_text(markdown(report), "utf-8")
    page = write_page(DOCS / "benchmarks.md", benchmarks_page(report))
    print(markdown(report))
    print(f"wrote {REPORT_JSON}, {REPORT_MD} and {page}")
    errors = sum(row["errors"] for row in report["rest"]) + report["long_conversation"]["errors"]
    raise SystemExit(1 if errors else 0)


if __name__ == "__main__":
    main()
