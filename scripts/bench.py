"""Benchmark: how fast the assistant answers, starts, trains and builds its index, and its memory.

Usage: python -m scripts.bench [--skip-build]  (or `make bench`; about 6 minutes). Writes
reports/bench.json and reports/bench.md and prints the table. Measured in one run on one machine:

- training time (`rasa train --force` into a scratch folder) and index build time (into a
  scratch folder); the project's own model and index are not touched;
- start-up: `make run` twice, the first time after dropping the OS page cache when allowed
  (root on Linux; the report says whether it was), the second time warm. Each figure is the
  time from the server's process start until it answered its health URL; both start at once,
  as in `make run`;
- end-to-end REST latency (p50/p95/p99) and throughput at 1, 4, 8 and 16 concurrent
  conversations of 10 turns, for questions answered from the knowledge base and, as the
  in-run baseline, for a greeting (no custom action); no pause between turns;
- query embedding and retrieval alone, in this process, without HTTP or Rasa;
- the peak resident memory (VmHWM) of each server at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from scripts.stack import PROJECT_ROOT, reply_problem, running_stack

REPORT_JSON = PROJECT_ROOT / "reports" / "bench.json"
REPORT_MD = PROJECT_ROOT / "reports" / "bench.md"
STACK_LOG = PROJECT_ROOT / "reports" / "bench-stack.log"
CONCURRENCY = (1, 4, 8, 16)
TURNS_PER_CONVERSATION = 10
MIN_REQUESTS_PER_LEVEL = 150
# Questions answered from the knowledge base, as people ask them; a conversation takes 10 in a
# row from a rotating start, so follow-ups ("how is it treated?") follow a question.
QUESTIONS = (
    "what is mastocytosis?",
    "what causes it?",
    "is it inherited?",
    "what are the symptoms of systemic mastocytosis?",
    "how is it treated?",
    "what does urticaria pigmentosa look like?",
    "what triggers a flare?",
    "how is mastocytosis diagnosed?",
    "what is a normal tryptase level?",
    "can children grow out of it?",
    "what is the life expectancy with indolent systemic mastocytosis?",
    "what is darier's sign?",
    "how common is mastocytosis?",
    "what is the difference between MCAS and mastocytosis?",
    "what are the types of mastocytosis?",
    "what is the KIT D816V mutation?",
    "can I have surgery with mastocytosis?",
    "is pregnancy safe with masto?",
    "what is midostaurin?",
    "what should be in an emergency plan?",
    "what do mast cells do?",
    "what is smoldering systemic mastocytosis?",
    "does alcohol make symptoms worse?",
    "what is a mastocytoma?",
    "why do my bones hurt with mastocytosis?",
    "what is mast cell leukemia?",
    "how do antihistamines help?",
    "what is hereditary alpha tryptasemia?",
    "can mastocytosis cause osteoporosis?",
    "should I carry an epinephrine auto-injector?",
)
GREETING = "hello"


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)
    grounded: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated between the nearest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def is_grounded(replies: list[dict[str, Any]]) -> bool:
    """A reply answered from the knowledge base names its sources."""
    return any("Source" in (reply.get("text") or "") for reply in replies)


def conversation_messages(kind: str, number: int) -> list[str]:
    """The messages of conversation `number`: 10 questions in a row, or 10 greetings."""
    if kind != "question":
        return [GREETING] * TURNS_PER_CONVERSATION
    start = number * 3 % len(QUESTIONS)
    return [QUESTIONS[(start + turn) % len(QUESTIONS)] for turn in range(TURNS_PER_CONVERSATION)]


def converse(url: str, messages: list[str], tally: Tally) -> None:
    """One conversation: each message in turn, as a new sender, no pause between turns."""
    sender = uuid.uuid4().hex
    with requests.Session() as session:
        for text in messages:
            started = time.perf_counter()
            grounded = False
            try:
                response = session.post(url, json={"sender": sender, "message": text}, timeout=60)
                error = reply_problem(response)
                grounded = not error and is_grounded(response.json())
            except (requests.RequestException, ValueError) as exception:
                error = type(exception).__name__
            took = time.perf_counter() - started
            with tally.lock:
                tally.seconds.append(took)
                tally.grounded += grounded
                if error:
                    tally.errors.append(f"{text!r}: {error}")


def load_level(url: str, kind: str, clients: int, conversations_each: int) -> dict[str, Any]:
    """`clients` conversations at once, each client holding `conversations_each` in a row."""
    tally = Tally()

    def client(number: int) -> None:
        for turn in range(conversations_each):
            converse(url, conversation_messages(kind, number * conversations_each + turn), tally)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    ms = [s * 1000 for s in tally.seconds]
    return {
        "kind": kind,
        "concurrent_conversations": clients,
        "requests": len(ms),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "grounded_answers": tally.grounded,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "requests_per_second": round(len(ms) / took, 1),
        "answered_per_second": round(tally.grounded / took, 1),
    }


def conversations_each(clients: int) -> int:
    """Conversations per client so that every level has at least MIN_REQUESTS_PER_LEVEL."""
    return max(2, -(-MIN_REQUESTS_PER_LEVEL // (clients * TURNS_PER_CONVERSATION)))


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

    service = QuestionAnswerer(load_settings())
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
                level = load_level(stack.rest_url, kind, clients, conversations_each(clients))
                levels.append(level)
                print(
                    f"bench: {kind:8} x{clients:<2} p50 {level['p50_ms']:7.1f} ms  "
                    f"p95 {level['p95_ms']:7.1f} ms  {level['requests_per_second']:5.1f} req/s  "
                    f"errors {level['errors']}",
                    flush=True,
                )
        report["rest"] = levels
        report["peak_memory_mb"] = {
            name: round(kb / 1024, 1) for name, kb in stack.memory_kb("VmHWM").items()
        }
    print("bench: embedding and retrieval alone ...", flush=True)
    report["in_process"] = in_process_times()
    return report


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Benchmark",
        "",
        f"{report['when']}; {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python "
        f"{m['python']}; load average {m['load_average_at_start']:.2f} at the start.",
        "",
        "| message | conversations at once | requests | p50 ms | p95 ms | p99 ms | requests/s "
        "| answered questions/s | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["rest"]:
        answered = row["answered_per_second"] if row["kind"] == "question" else "-"
        lines.append(
            f"| {row['kind']} | {row['concurrent_conversations']} | {row['requests']} "
            f"| {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} "
            f"| {row['requests_per_second']} | {answered} | {row['errors']} |"
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
    for name, mb in report["peak_memory_mb"].items():
        lines.append(f"| {name} peak memory (VmHWM) | {mb} MB |")
    for name, row in report["in_process"].items():
        label = name.replace("_", " ")
        lines.append(f"| {label} alone, p50 / p95 | {row['p50_ms']} / {row['p95_ms']} ms |")
    cold = (
        "after dropping the OS page cache"
        if start["page_cache_dropped_for_cold"]
        else "without dropping the OS page cache (not allowed here)"
    )
    lines += ["", f"Cold start: {cold}; warm start: straight after it.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="do not time training and index")
    args = parser.parse_args()
    report = bench(args.skip_build)
    REPORT_JSON.parent.mkdir(parents=True, exist_ok=True)
    REPORT_JSON.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    REPORT_MD.write_text(markdown(report), "utf-8")
    print(markdown(report))
    print(f"wrote {REPORT_JSON} and {REPORT_MD}")
    raise SystemExit(1 if any(row["errors"] for row in report["rest"]) else 0)


if __name__ == "__main__":
    main()
