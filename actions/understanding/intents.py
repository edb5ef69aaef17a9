"""What the NLU's parse of a message says about its topic: the intent retrieval leans on."""

from __future__ import annotations

from typing import Any

FALLBACK_INTENT = "nlu_fallback"  # Rasa's DEFAULT_NLU_FALLBACK_INTENT_NAME
# A request for a dose or a personal treatment decision: the doctor first, then general facts.
PERSONAL_ADVICE_INTENT = "ask_personal_advice"
# Set by bot/intent_guards.py, not classified: no hint of the topic.
GUARD_INTENTS = (FALLBACK_INTENT, "emergency_with_question")


def retrieval_intent(parse_data: dict[str, Any]) -> tuple[str | None, float]:
    """The best real intent of a parsed message and its confidence.

    Even when the FallbackClassifier overrode it, a low-confidence "ask_symptoms" is still the
    best hint of the topic that retrieval has.
    """
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    best = next((i for i in ranking if i.get("name") not in GUARD_INTENTS), {})
    return best.get("name"), float(best.get("confidence") or 0.0)


def kind_of_question(intent: str | None, same_question: bool, last_kind: str | None) -> str | None:
    """The question kind a turn asks: the thread's when the turn asks its question again.

    "and in children?" after "what causes mastocytosis?" asks about causes, in children: the
    NLU reads the message alone as a question about children, and retrieval would lean on that
    topic instead of the one asked.
    """
    return last_kind if same_question and last_kind else intent
