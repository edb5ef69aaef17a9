"""scripts/eval_answers.py: the answer-level checks, and the conversation sets scripts/evaluate.py
names."""

from __future__ import annotations

from collections import Counter

import pytest

from scripts.eval_answers import (
    answered_fully,
    check_turn,
    load_conversations,
    reply_text,
    summarise_answers,
)
from scripts.evaluate import ANSWER_SETS

CATEGORIES = {"single", "follow-up", "emergency", "dose", "out-of-scope", "abstain", "smalltalk"}


def test_a_fact_is_found_case_insensitively_and_any_alternative_will_do() -> None:
    reply = "Use the Adrenaline auto-injector and call Emergency Services."
    assert check_turn(reply, ["emergency services", ["epinephrine", "adrenaline"]], []) == []


def test_missing_and_forbidden_facts_are_each_reported() -> None:
    problems = check_turn("Take 10 mg of it.", ["doctor", ["a", "mg"]], ["MG", "Source"])
    assert problems == ["missing 'doctor'", "contains 'MG'"]


def test_button_titles_count_as_part_of_the_reply() -> None:
    replies = [{"text": "Did you mean:", "buttons": [{"title": "Symptoms", "payload": "/x"}]}]
    assert check_turn(reply_text(replies), ["symptoms"], []) == []


def test_a_conversation_passes_only_if_every_turn_does() -> None:
    sourced = "Some fact. \n \nSource: [S](https://s.example)"
    turns = [
        {"conversation": "a", "category": "single", "passed": True, "reply": sourced},
        {"conversation": "b", "category": "follow-up", "passed": True, "reply": "Hello!"},
        {"conversation": "b", "category": "follow-up", "passed": False, "reply": sourced},
    ]
    summary = summarise_answers(turns)
    assert summary["conversations_passed"] == 1 and summary["turns_passed"] == 2
    assert summary["by_category"]["follow-up"] == {"conversations": 1, "passed": 0}
    assert summary["failures"] == [turns[2]]
    # Of the two turns answered in full from sources, one failed: a wrong answer.
    assert summary["answered_turns"] == 2 and summary["wrong_answers"] == 1


def test_an_admitted_gap_is_not_a_wrong_answer() -> None:
    partial = "I don't have information on CBD oil. What I can tell you ... [S](https://s.example)"
    assert not answered_fully(partial)
    assert answered_fully("Fact. Source: [S](https://s.example)")
    assert not answered_fully("Sorry, I can only help with questions about mastocytosis.")


WRITTEN_BLIND = (
    "blind",
    "dev",
    "dev2",
    "dev3",
    "dev4",
    "dev5",
    "dev6",
    "dev7",
    "dev8",
    "dev9",
    "dev10",
)


@pytest.mark.parametrize("name", ANSWER_SETS)
def test_the_held_out_conversations_are_well_formed(name: str) -> None:
    conversations = load_conversations(ANSWER_SETS[name])
    assert len(conversations) >= 50
    if name not in WRITTEN_BLIND:  # the blind sets name their categories their own way
        assert {c["category"] for c in conversations} >= CATEGORIES
    for conversation in conversations:
        assert conversation["turns"], conversation["id"]
        for turn in conversation["turns"]:
            assert isinstance(turn["user"], str) and turn["user"].strip()
            assert turn.get("must") or turn.get("must_not"), (conversation["id"], turn["user"])
            for fact in turn.get("must", []):
                options = fact if isinstance(fact, list) else [fact]
                assert options and all(isinstance(o, str) and o.strip() for o in options)


def test_the_blind_set_has_what_issue_15_asks_for() -> None:
    conversations = load_conversations(ANSWER_SETS["blind"])
    categories = Counter(c["category"] for c in conversations)
    assert len(conversations) >= 100
    assert categories["follow_up"] >= 25 and categories["unanswerable"] >= 15
    assert all(len(c["turns"]) >= 2 for c in conversations if c["category"] == "follow_up")


def test_duplicate_ids_are_refused(tmp_path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("conversations:\n  - {id: a, turns: []}\n  - {id: a, turns: []}\n")
    with pytest.raises(ValueError, match="unique"):
        load_conversations(path)


def test_a_held_out_sets_failing_turns_are_never_written(monkeypatch, tmp_path) -> None:
    import contextlib

    from scripts import eval_answers

    @contextlib.contextmanager
    def fake_stack(log, **env):
        assert env.get("RASA_AUTH_TOKEN")  # the API is on, for the standalone questions
        yield type("Stack", (), {"rest_url": "http://x", "ports": {"rasa": 1}})()

    turns = [{"user": "q", "must": ["never said"]}]
    monkeypatch.setattr(eval_answers, "running_stack", fake_stack)
    monkeypatch.setattr(
        eval_answers, "load_conversations", lambda path: [{"id": "c", "turns": turns}]
    )
    monkeypatch.setattr(
        eval_answers,
        "converse",
        lambda url, session, convs, trackers: [
            {
                "conversation": "c",
                "category": "single",
                "turn": 1,
                "user": "q",
                "passed": False,
                "problems": ["missing"],
                "answered": True,
                "reply": "r",
            }
        ],
    )
    monkeypatch.setattr(eval_answers, "sha256", lambda path: "h")
    report = eval_answers.answers_stage(
        {"held": tmp_path, "tuned": tmp_path}, tmp_path, frozenset({"held"})
    )
    assert report["held"]["failures"] == [] and report["held"]["held_out"]
    assert report["held"]["turns_passed"] == 0 and report["tuned"]["failures"]


def test_the_standalone_question_of_each_turn_is_read_from_the_tracker() -> None:
    from scripts.eval_answers import TrackerReader

    events = [
        {"event": "user", "text": "what causes mastocytosis?"},
        {"event": "slot", "name": "last_question", "value": "what causes mastocytosis?"},
        {"event": "user", "text": "and in children?"},
        {
            "event": "slot",
            "name": "last_question",
            "value": "what causes mastocytosis in children?",
        },
        {"event": "user", "text": "zzz"},  # not answered: no standalone question of its own
    ]

    class Session:
        def get(self, url, params, timeout):
            assert url.endswith("/conversations/s1/tracker") and params == {"token": "t"}
            return type(
                "R",
                (),
                {"raise_for_status": lambda self: None, "json": lambda self: {"events": events}},
            )()

    reader = TrackerReader("http://rasa", "t", Session())
    assert reader.standalone_questions("s1") == [
        "what causes mastocytosis?",
        "what causes mastocytosis in children?",
        "",
    ]


def test_make_eval_tells_the_answers_stage_which_sets_are_held_out(monkeypatch, tmp_path) -> None:
    from scripts import evaluate

    received = []
    monkeypatch.setattr(
        evaluate, "answers_stage", lambda sets, log, held_out: received.append(held_out) or {}
    )
    monkeypatch.setattr(evaluate, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(evaluate, "REPORTS", tmp_path / "reports")
    monkeypatch.setattr("sys.argv", ["evaluate", "--only", "answers"])
    evaluate.main()
    assert received == [frozenset({"blind", "dev5", "dev8", "dev10"})]
    assert received[0] <= set(evaluate.ANSWER_SETS)
