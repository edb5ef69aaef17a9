"""The load `make bench` puts on a running stack: conversations over REST, and what they took.

`load_level` runs conversations at once (questions answered from the knowledge base, or the
greeting that is the in-run baseline) and reports latency percentiles and throughput;
`long_conversation` asks 200 questions in one conversation and compares its last turns with its
first, which shows whether a turn's cost grows with the conversation's length.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from scripts.stack import reply_problem

TURNS_PER_CONVERSATION = 10
MIN_REQUESTS_PER_LEVEL = 150
LONG_TURNS = 200
EDGE_TURNS = 5  # turns 1-5 against turns 196-200
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
    """What the conversations of one measurement saw, shared by their threads."""

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


def long_conversation_messages() -> list[str]:
    """200 questions in a row, the last five the same as the first five: like against like."""
    body = [QUESTIONS[turn % len(QUESTIONS)] for turn in range(LONG_TURNS - EDGE_TURNS)]
    return body + body[:EDGE_TURNS]


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


def run_batch(url: str, kind: str, clients: int, conversations_each: int, tally: Tally) -> float:
    """`clients` conversations at once, each client holding `conversations_each` in a row.

    Adds what they saw to `tally`; returns the seconds the batch took.
    """

    def client(number: int) -> None:
        for turn in range(conversations_each):
            converse(url, conversation_messages(kind, number * conversations_each + turn), tally)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def level_row(kind: str, clients: int, tally: Tally, took: float) -> dict[str, Any]:
    """Latency percentiles and throughput of one kind of message at one concurrency."""
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


def load_level(url: str, kind: str, clients: int, conversations_each: int) -> dict[str, Any]:
    """One batch of `kind` at `clients` conversations at once, as a row."""
    tally = Tally()
    took = run_batch(url, kind, clients, conversations_each, tally)
    return level_row(kind, clients, tally, took)


def alternating_levels(
    url: str,
    kinds: tuple[str, ...],
    clients: int,
    conversations_each: int,
    rounds: int,
    cpu_seconds: Callable[[], dict[str, float]] = dict,
) -> list[dict[str, Any]]:
    """`rounds` batches of each kind in turn, pooled into one row per kind.

    On a machine shared with other work, the kinds then see the same moments, so the ratios
    between them move less from run to run than the figures themselves. `cpu_seconds` gives
    each server's CPU time so far: each row also gets every server's CPU milliseconds per
    request, which other work on the machine does not change.
    """
    tallies = {kind: Tally() for kind in kinds}
    took = dict.fromkeys(kinds, 0.0)
    cpu: dict[str, dict[str, float]] = {kind: {} for kind in kinds}
    for _ in range(rounds):
        for kind in kinds:
            before = cpu_seconds()
            took[kind] += run_batch(url, kind, clients, conversations_each, tallies[kind])
            for server, seconds in cpu_seconds().items():
                cpu[kind][server] = cpu[kind].get(server, 0.0) + seconds - before[server]
    rows = []
    for kind in kinds:
        row = level_row(kind, clients, tallies[kind], took[kind])
        requests = max(1, row["requests"])
        row["cpu_ms_per_request"] = {
            server: round(seconds * 1000 / requests, 1) for server, seconds in cpu[kind].items()
        }
        rows.append(row)
    return rows


def conversations_each(clients: int) -> int:
    """Conversations per client so that every level has at least MIN_REQUESTS_PER_LEVEL."""
    return max(2, -(-MIN_REQUESTS_PER_LEVEL // (clients * TURNS_PER_CONVERSATION)))


def long_conversation(url: str, conversations: int = 3) -> dict[str, Any]:
    """One client, `conversations` of 200 questions each: the last five turns against the first.

    The medians pool the same turns of every conversation (15 values each by default).
    """
    first: list[float] = []
    last: list[float] = []
    blocks: list[list[float]] = [[] for _ in range(LONG_TURNS // 50)]
    errors: list[str] = []
    for _ in range(conversations):
        tally = Tally()
        converse(url, long_conversation_messages(), tally)
        ms = [s * 1000 for s in tally.seconds]
        first += ms[:EDGE_TURNS]
        last += ms[-EDGE_TURNS:]
        for number, block in enumerate(blocks):
            block += ms[number * 50 : (number + 1) * 50]
        errors += tally.errors
    first_ms, last_ms = statistics.median(first), statistics.median(last)
    return {
        "turns": LONG_TURNS,
        "conversations": conversations,
        "first_turns_p50_ms": round(first_ms, 1),
        "last_turns_p50_ms": round(last_ms, 1),
        "last_over_first": round(last_ms / first_ms, 2),
        "p50_ms_by_50_turns": [round(statistics.median(block), 1) for block in blocks],
        "errors": len(errors),
        "first_errors": errors[:5],
    }
