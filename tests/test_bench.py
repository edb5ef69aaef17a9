"""scripts/bench.py and scripts/stack.py: the arithmetic and parsing behind the benchmark."""

from __future__ import annotations

import pytest

from scripts.bench import CONCURRENCY, markdown, question_over_greeting
from scripts.bench_load import (
    EDGE_TURNS,
    GREETING,
    LONG_TURNS,
    MIN_REQUESTS_PER_LEVEL,
    QUESTIONS,
    TURNS_PER_CONVERSATION,
    conversation_messages,
    conversations_each,
    is_grounded,
    long_conversation_messages,
    percentile,
)
from scripts.stack import ready_times


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_every_level_has_enough_requests_for_a_p99() -> None:
    for clients in CONCURRENCY:
        total = clients * conversations_each(clients) * TURNS_PER_CONVERSATION
        assert total >= MIN_REQUESTS_PER_LEVEL


def test_conversations_rotate_through_the_questions() -> None:
    first, second = conversation_messages("question", 0), conversation_messages("question", 1)
    assert len(first) == TURNS_PER_CONVERSATION and first != second
    assert set(first) <= set(QUESTIONS)
    assert conversation_messages("greeting", 5) == [GREETING] * TURNS_PER_CONVERSATION


def test_a_long_conversation_ends_with_the_questions_it_started_with() -> None:
    messages = long_conversation_messages()
    assert len(messages) == LONG_TURNS
    assert messages[-EDGE_TURNS:] == messages[:EDGE_TURNS]
    assert set(messages) == set(QUESTIONS)


def test_questions_are_compared_with_greetings_of_the_same_run() -> None:
    def level(kind: str, clients: int, p50: float, per_second: float) -> dict:
        return {
            "kind": kind,
            "concurrent_conversations": clients,
            "p50_ms": p50,
            "requests_per_second": per_second,
            "answered_per_second": per_second - 1,
        }

    levels = [
        level("greeting", 1, 10.0, 90.0),
        level("question", 1, 16.0, 60.0),
        level("greeting", 8, 40.0, 80.0),
        level("question", 8, 60.0, 53.0),
    ]
    # Answered questions per second (52), not requests, over greetings per second (80).
    assert question_over_greeting(levels) == {"throughput": 0.65, "median_latency": 1.6}


def test_an_answer_is_grounded_when_it_names_sources() -> None:
    assert is_grounded([{"text": "KIT.\n \nSource: [NORD](https://rarediseases.org)"}])
    assert not is_grounded([{"text": "Hello!"}, {"buttons": []}])


def test_ready_times_come_from_the_supervisor_lines() -> None:
    log = (
        "[run_stack] web: ready at http://127.0.0.1:1/ after 0.5 s\n"
        "noise\n[run_stack] rasa: ready at http://127.0.0.1:2/ after 16.6 s\n"
    )
    assert ready_times(log) == {"web": 0.5, "rasa": 16.6}


def test_the_markdown_table_has_a_row_per_level() -> None:
    row = {
        "kind": "question",
        "concurrent_conversations": 1,
        "requests": 150,
        "p50_ms": 40.0,
        "p95_ms": 60.0,
        "p99_ms": 70.0,
        "requests_per_second": 20.0,
        "answered_per_second": 19.5,
        "cpu_ms_per_request": {"rasa": 14.0, "actions": 6.0},
        "errors": 0,
    }
    report = {
        "when": "now",
        "machine": {
            "cpu": "cpu",
            "cores": 2,
            "memory_gb": 24,
            "python": "3.11",
            "load_average_at_start": 0.1,
        },
        "rest": [row, {**row, "kind": "greeting"}],
        "startup_seconds": {
            "page_cache_dropped_for_cold": False,
            "cold": {"rasa": 20.0},
            "warm": {"rasa": 15.0},
        },
        "question_over_greeting": {"throughput": 0.7, "median_latency": 1.5},
        "long_conversation": {
            "turns": 200,
            "first_turns_p50_ms": 20.0,
            "last_turns_p50_ms": 22.0,
            "last_over_first": 1.1,
        },
        "memory_mb": {
            "peak": {"rasa": 900.0, "sum": 900.0},
            "steady": {"rasa": 800.0, "sum": 800.0},
        },
        "in_process": {"query_embedding": {"p50_ms": 9.0, "p95_ms": 12.0}},
    }
    text = markdown(report)
    assert "| question | 1 | 150 | 40.0 | 60.0 | 70.0 | 20.0 | 19.5 | 14.0 / 6.0 | 0 |" in text
    assert "| greeting | 1 | 150 | 40.0 | 60.0 | 70.0 | 20.0 | - | 14.0 / 6.0 | 0 |" in text
    assert "| rasa ready, cold start | 20.0 s |" in text and "not allowed here" in text
    assert "| whole stack steady memory (VmRSS) | 800.0 MB |" in text
    assert "over the first | 22.0 / 20.0 ms = 1.1 |" in text


def test_levels_alternate_the_kinds_and_pool_their_rounds(monkeypatch) -> None:
    from scripts import bench_load

    order: list[str] = []

    def fake_batch(url, kind, clients, each, tally) -> float:
        order.append(kind)
        tally.seconds += [0.010 if kind == "greeting" else 0.016] * 10
        tally.grounded += 10 if kind == "question" else 0
        return 0.5

    monkeypatch.setattr(bench_load, "run_batch", fake_batch)
    clock = iter(range(100))
    greeting, question = bench_load.alternating_levels(
        "url", ("greeting", "question"), 1, 1, 3, lambda: {"rasa": next(clock) / 100}
    )
    assert order == ["greeting", "question"] * 3
    assert greeting["requests"] == question["requests"] == 30
    assert (greeting["p50_ms"], question["p50_ms"]) == (10.0, 16.0)
    assert question["answered_per_second"] == 20.0  # 30 answered in 1.5 s
    assert greeting["cpu_ms_per_request"] == {"rasa": 1.0}  # 3 batches of 10 ms for 30
