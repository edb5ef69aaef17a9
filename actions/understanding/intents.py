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
