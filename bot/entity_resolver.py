"""The NLU component that settles overlapping entities: the longest match wins.

RegexEntityExtractor matches every lookup table in nlu_data/lookups.yml on its own, so words two
tables share come out twice ("skin biopsy": a test, and the organ "skin"). Placed after the
extractors and before EntitySynonymMapper (config.yml).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot.components import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class OverlappingEntityResolver(StatelessComponent):
    """Keeps the longest of overlapping entities: "bone marrow biopsy" is a test, not an organ.

    RegexEntityExtractor matches every lookup table on its own, so "skin biopsy" also yields
    the organ "skin" and "the skin one" the organ "skin" beside the form. Place it after the
    extractors and before EntitySynonymMapper.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if len(entities) > 1:
                message.set(ENTITIES, longest_without_overlaps(entities), add_to_output=True)
        return messages


def longest_without_overlaps(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entities that no longer entity overlaps, in text order (ties: the earlier listed)."""
    kept: list[dict[str, Any]] = []
    by_length = sorted(entities, key=lambda e: e["end"] - e["start"], reverse=True)
    for entity in by_length:
        if all(entity["end"] <= k["start"] or entity["start"] >= k["end"] for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: e["start"])
