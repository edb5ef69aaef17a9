"""Clarification when the assistant is unsure: "Did you mean ...?" buttons, then a topic menu."""

from __future__ import annotations

from typing import Any

from actions.retrieval.hybrid import INTENT_TOPICS

# What each question intent asks, as a button label and as a query when a button is pressed alone.
QUESTION_LABELS: dict[str, str] = {
    "ask_what_is": "What mastocytosis is",
    "ask_mast_cells": "What mast cells are",
    "ask_causes": "What causes mastocytosis",
    "ask_genetics": "Genes and inheritance",
    "ask_symptoms": "Symptoms of mastocytosis",
    "ask_skin_signs": "Skin signs and Darier's sign",
    "ask_types": "Forms and types of mastocytosis",
    "ask_diagnosis": "How mastocytosis is diagnosed",
    "ask_treatment": "How mastocytosis is treated",
    "ask_triggers": "Triggers to avoid",
    "ask_anaphylaxis": "Anaphylaxis and being prepared",
    "ask_prognosis": "Outlook and life expectancy",
    "ask_prevalence": "How common mastocytosis is",
    "ask_children": "Mastocytosis in children",
    "ask_related_conditions": "Related conditions such as MCAS",
    "ask_living_with": "Everyday life: surgery, pregnancy, travel",
}
if set(QUESTION_LABELS) != set(INTENT_TOPICS):
    raise RuntimeError("every question intent in INTENT_TOPICS needs a label in QUESTION_LABELS")

DID_YOU_MEAN = "I'm not sure I understood. Did you mean one of these?"
TOPIC_MENU = "I still couldn't find an answer to that. These are the topics I know about:"
MAX_SUGGESTIONS = 3


def button(intent: str) -> dict[str, str]:
    return {"title": QUESTION_LABELS[intent], "payload": f"/{intent}"}


def suggestions(intent_ranking: list[dict[str, Any]], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The likeliest question intents, best first, for a "Did you mean ...?" prompt."""
    names = [i.get("name") for i in intent_ranking]
    return [name for name in names if name in QUESTION_LABELS][:limit]


def did_you_mean_buttons(intent_ranking: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Buttons for the likeliest topics plus a way out; the menu if no topic is likely."""
    likely = suggestions(intent_ranking)
    if not likely:
        return topic_menu_buttons()
    return [button(intent) for intent in likely] + [{"title": "Something else", "payload": "/deny"}]


def topic_menu_buttons() -> list[dict[str, str]]:
    return [button(intent) for intent in QUESTION_LABELS]
