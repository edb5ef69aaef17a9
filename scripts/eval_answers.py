"""The answers stage of `make eval`: conversations sent over REST, each reply checked.

Each set of conversations (scripts/evaluate.py's ANSWER_SETS) is sent to one fresh `make run`,
every conversation as a new sender; a reply must contain every fact its turn names (any of several
spellings) and none of the ones it forbids. The summary per set holds pass rates per turn, per
conversation and per category, and the wrong-answer rate.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml
from tqdm import tqdm

from scripts.stack import running_stack


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


def answers_stage(
    answer_sets: dict[str, Path], stack_log: Path, held_out: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Each set of conversations over REST on one fresh stack, summarised per set.

    A held-out set's failing turns are dropped before anything is written, so that nobody tunes
    on them: only its figures are reported.
    """
    # The API (behind a token) gives each conversation's tracker: the standalone question of
    # every turn is read from it for the failure listing.
    token = secrets.token_hex(16)
    with running_stack(stack_log, RASA_AUTH_TOKEN=token) as stack, requests.Session() as session:
        trackers = TrackerReader(f"http://127.0.0.1:{stack.ports['rasa']}", token, session)
        report = {}
        for name, path in answer_sets.items():
            conversations = load_conversations(path)
            summary = summarise_answers(converse(stack.rest_url, session, conversations, trackers))
            if name in held_out:
                summary = {**summary, "failures": [], "held_out": True}
            report[name] = {**summary, "sha256": sha256(path)}
        return report


@dataclass
class TrackerReader:
    """Reads a conversation's standalone questions from Rasa's HTTP API (behind `token`)."""

    base_url: str
    token: str
    session: requests.Session

    def standalone_questions(self, sender: str) -> list[str]:
        """Per user turn, the question the action answered (its `last_question` slot), or ""."""
        response = self.session.get(
            f"{self.base_url}/conversations/{sender}/tracker",
            params={"token": self.token},
            timeout=60,
        )
        response.raise_for_status()
        questions: list[str] = []
        for event in response.json().get("events", []):
            if event.get("event") == "user":
                questions.append("")
            elif (
                event.get("event") == "slot" and event.get("name") == "last_question" and questions
            ):
                questions[-1] = str(event.get("value") or "")
        return questions


def converse(
    url: str,
    session: requests.Session,
    conversations: list[dict[str, Any]],
    trackers: TrackerReader | None = None,
) -> list[dict[str, Any]]:
    """Every turn of every conversation, each conversation as a new sender; checked replies.

    With `trackers`, each result also holds the turn's standalone question.
    """
    results = []
    for conversation in tqdm(conversations, desc="answers", unit="conv", leave=False):
        sender = f"eval-{uuid.uuid4().hex}"
        first = len(results)
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
        if trackers is not None:
            questions = trackers.standalone_questions(sender)
            for result, question in zip(results[first:], questions, strict=False):
                result["standalone"] = question
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
