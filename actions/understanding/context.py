"""What a follow-up may point back at: pronouns, and the subject named last.

Whether a message continues the conversation at all is its turn kind, learnt from examples
(actions/understanding/turn_kind.py); what it leans on is decided by the planner
(actions/understanding/planner.py).
"""

from __future__ import annotations

import re

# "that mutation", "this drug", "it": the question points back at what was discussed. Pronouns
# are grammar, not phrasing: the planner writes them as what they stand for.
POINTS_BACK = re.compile(
    r"\b(?:it|its|it's|that|this|those|these|they|them|their)\b", re.IGNORECASE
)
SUBJECT_SLOTS = ("form", "gene", "drug")
# Entities that say what a question is about, so what its follow-ups are about.
SUBJECT_ENTITIES = (*SUBJECT_SLOTS, "condition", "test")
MASTOCYTOSIS_WORDS = r"mastocytosis|masto|mastocitosis"  # the condition's name, as people write it


def latest_subject(events: list[dict], slots: dict[str, object]) -> str | None:
    """The form, gene or drug named most recently: the last of those slots to be set."""
    for event in reversed(events):
        if event.get("event") == "slot" and event.get("name") in SUBJECT_SLOTS:
            value = slots.get(event["name"])
            if isinstance(value, str) and value:
                return value
    return None
