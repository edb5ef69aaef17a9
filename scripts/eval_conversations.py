"""The retrieval benchmark's conversation items: the standalone question of a follow-up.

Each item (tests/retrieval_conversations.yml) is a few turns and a last question that means
something only with them. The earlier turns are played through the functions the action calls
(the turn kind, `plan_query`, the service's answer, `after_answer`), so the conversation state is
the one production would hold; the last turn's standalone question is then ranked like a
benchmark question, and reported beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from actions.service import QuestionAnswerer
from actions.settings import PROJECT_ROOT
from actions.understanding.context import SUBJECT_SLOTS
from actions.understanding.intents import retrieval_intent
from actions.understanding.planner import QueryPlan, plan_query
from actions.understanding.state import ConversationState
from actions.understanding.thread import after_answer

CONVERSATIONS = PROJECT_ROOT / "tests" / "retrieval_conversations.yml"


def load_conversations(path: Path = CONVERSATIONS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text("utf-8"))["conversations"]


def texts_of(items: list[dict[str, Any]]) -> list[str]:
    """Every message of every item, in order: earlier turns, then the last question."""
    return [text for item in items for text in (*item["turns"], item["question"])]


def last_plan(
    service: QuestionAnswerer, parses: list[dict[str, Any]]
) -> tuple[QueryPlan, str | None]:
    """The last message's plan after the earlier ones were answered, and its intent."""
    state: ConversationState | None = None
    remembered: str | None = None
    for number, parse in enumerate(parses):
        text, entities = parse["text"], parse.get("entities") or []
        # the form, gene or drug slots: set by the message's own entities, as Rasa sets them
        named = [str(e["value"]) for e in entities if e.get("entity") in SUBJECT_SLOTS]
        remembered = named[-1] if named else remembered
        kind = service.turn_kind(text).name
        plan = plan_query(text, entities, state, remembered, kind=kind)
        intent, confidence = retrieval_intent(parse)
        if number == len(parses) - 1:
            return plan, intent
        answer = service.answer(plan, intent, confidence)
        if not answer.abstained:
            state = after_answer(plan, answer, intent)
    raise ValueError("an item needs at least its question")


def evaluate_conversations(
    service: QuestionAnswerer, items: list[dict[str, Any]], parses: list[dict[str, Any]]
) -> dict[str, Any]:
    """Rank of a gold section for each item's standalone question; recall@k and MRR."""
    from scripts.eval_retrieval import first_relevant_rank, score_ranks

    service.warm_up()
    assert service.index is not None
    sections = {chunk.id: chunk.section for chunk in service.index.chunks}
    ranks, rows, start = [], [], 0
    for item in items:
        count = len(item["turns"]) + 1
        plan, intent = last_plan(service, parses[start : start + count])
        start += count
        hits = service.search(plan.query, intent, plan.terms, top_k=10)
        rank = first_relevant_rank(
            [h.chunk.section for h in hits], {sections.get(g, g) for g in item["gold"]}
        )
        ranks.append(rank)
        rows.append({"question": item["question"], "standalone": plan.query, "rank": rank})
    return {**score_ranks(ranks), "items": rows}
