"""Soak test: conversations at once against a fresh `make run`, for minutes; errors and memory.

Usage: python -m scripts.soak  (or `make soak`); SOAK_SECONDS (600), SOAK_CONVERSATIONS (8),
SOAK_THINK_SECONDS (0.2, the pause between a reply and the next message) tune it.

Each of the conversations walks through `SCRIPT` (questions, follow-ups, an emergency, bad input,
small talk) again and again, as a new sender each time, until the time is up. An error is a
failed request, a status other than 200, an empty reply, or the "can't look that up" apology; a
service that restarted counts as one too. Memory is each service's resident set (RSS) once the
first `WARM_UP_SECONDS` of load have loaded every model and cache, and at the end. The run passes
with 0 errors and less than 10% growth; it writes reports/soak.json and exits 1 otherwise.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scripts.stack import SERVICES, reply_problem, running_stack, service_pid, status_kb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT = PROJECT_ROOT / "reports" / "soak.json"
STACK_LOG = PROJECT_ROOT / "reports" / "soak-stack.log"
WARM_UP_SECONDS = 30.0
MAX_GROWTH = 0.10
SCRIPT = (
    "hello",
    "what is mastocytosis?",
    "what are the symptoms?",
    "tell me about mast cell leukemia",
    "what is the outlook?",
    "how is it treated?",
    "is it hereditary?",
    "what can trigger flushing?",
    "my throat is closing",
    "",
    "<b>can children get it?</b>",
    "how much cetirizine should I take?",
    "who won the world cup in 1998?",
    "thanks",
    "bye",
)


@dataclass
class Tally:
    """What the conversations saw, shared by their threads."""

    turns: int = 0
    conversations: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, took: float, error: str | None) -> None:
        with self.lock:
            self.turns += 1
            self.seconds.append(took)
            if error:
                self.errors.append(error)


def converse(url: str, deadline: float, think: float, tally: Tally) -> None:
    """Walk through SCRIPT as new senders until the deadline."""
    with requests.Session() as session:
        while time.monotonic() < deadline:
            sender = uuid.uuid4().hex
            for text in SCRIPT:
                if time.monotonic() >= deadline:
                    return
                started = time.monotonic()
                try:
                    response = session.post(
                        url, json={"sender": sender, "message": text}, timeout=30
                    )
                    error = reply_problem(response)
                except requests.RequestException as exception:
                    error = f"{type(exception).__name__}: {exception}"
                tally.record(time.monotonic() - started, error and f"{text!r}: {error}")
                time.sleep(think)
            with tally.lock:
                tally.conversations += 1


def memory(pids: dict[str, int]) -> dict[str, int]:
    """Each service's resident set size in bytes."""
    return {name: status_kb(pid, "VmRSS") * 1024 for name, pid in pids.items()}


def soak(seconds: float, conversations: int, think: float) -> dict:
    """Start a stack, run the conversations, stop the stack; the figures as a dict."""
    with running_stack(STACK_LOG) as stack:
        return run_load(stack.ports, stack.pids, seconds, conversations, think)


def run_load(
    ports: dict[str, int], pids: dict[str, int], seconds: float, conversations: int, think: float
) -> dict:
    url = f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/webhook"
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(target=converse, args=(url, deadline, think, tally), daemon=True)
        for _ in range(conversations)
    ]
    for thread in threads:
        thread.start()
    warm_up = min(WARM_UP_SECONDS, seconds / 4)
    time.sleep(warm_up)
    rss_start = memory(pids)
    for thread in threads:
        thread.join()
    rss_end = memory(pids)
    for name, module in SERVICES.items():
        if service_pid(module, ports[name]) != pids[name]:
            tally.errors.append(f"{name} restarted during the soak")
    return summarise(tally, time.monotonic() - started, warm_up, rss_start, rss_end)


def summarise(
    tally: Tally, took: float, warm_up: float, rss_start: dict[str, int], rss_end: dict[str, int]
) -> dict:
    seconds = sorted(tally.seconds) or [0.0]
    growth = {name: (rss_end[name] - rss_start[name]) / rss_start[name] for name in rss_start}
    return {
        "seconds": round(took, 1),
        "warm_up_seconds": warm_up,
        "turns": tally.turns,
        "conversations_completed": tally.conversations,
        "errors": len(tally.errors),
        "first_errors": tally.errors[:10],
        "reply_seconds": {
            "median": round(statistics.median(seconds), 3),
            "p95": round(seconds[int(0.95 * (len(seconds) - 1))], 3),
            "max": round(seconds[-1], 3),
        },
        "rss_mb_start": {name: round(value / 2**20, 1) for name, value in rss_start.items()},
        "rss_mb_end": {name: round(value / 2**20, 1) for name, value in rss_end.items()},
        "rss_growth": {name: round(value, 4) for name, value in growth.items()},
        "passed": not tally.errors and all(value < MAX_GROWTH for value in growth.values()),
    }


def main() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", 600))
    conversations = int(os.environ.get("SOAK_CONVERSATIONS", 8))
    think = float(os.environ.get("SOAK_THINK_SECONDS", 0.2))
    if seconds <= 0 or conversations <= 0 or think < 0:
        raise SystemExit("SOAK_SECONDS and SOAK_CONVERSATIONS must be positive")
    print(f"soak: {conversations} conversations for {seconds:.0f} s (stack log: {STACK_LOG})")
    result = soak(seconds, conversations, think)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    for name in result["rss_growth"]:
        print(
            f"  {name:8} RSS {result['rss_mb_start'][name]:8.1f} MB -> "
            f"{result['rss_mb_end'][name]:8.1f} MB ({result['rss_growth'][name]:+.1%})"
        )
    times = result["reply_seconds"]
    print(
        f"soak: {result['turns']} turns, {result['conversations_completed']} conversations, "
        f"{result['errors']} errors; reply median {times['median']} s, p95 {times['p95']} s, "
        f"max {times['max']} s; {'PASSED' if result['passed'] else 'FAILED'} ({REPORT})"
    )
    for error in result["first_errors"]:
        print(f"  error: {error}")
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
