"""The project's custom Rasa NLU components.

`SentenceEmbeddingFeaturizer` adds all-MiniLM-L6-v2 sentence embeddings to every message: word and
character n-grams only know the wording of the training examples, while a sentence embedding also
knows that "why did I get this" and "what causes it" mean much the same. DIET gets both. The model
is the one the action server uses, loaded from its Python package (no download).

`EmergencySafetyNet` makes sure a message describing anaphylaxis now is classified `emergency`,
whatever the statistical classifier said.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.embedding import TextEmbedder
from actions.safety import is_emergency
from actions.settings import default_model_path

EMERGENCY_INTENT = "emergency"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence-level feature vector (384 floats) to each user message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "model_path": None, "batch_size": 64}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sentence_transformers"]

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        model_path = self._config["model_path"] or default_model_path()
        self.embedder = TextEmbedder(model_path, batch_size=self._config["batch_size"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("batch_size", 1) <= 0:
            raise ValueError("batch_size must be positive")

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize the text of every message that has one, in one batch."""
        with_text = [m for m in messages if (m.get(TEXT) or "").strip()]
        if with_text:
            vectors = self.embedder.embed([m.get(TEXT) for m in with_text])
            for message, vector in zip(with_text, vectors, strict=True):
                self._add(message, vector)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def _add(self, message: Message, vector: np.ndarray) -> None:
        features = Features(
            vector.reshape(1, -1),
            FEATURE_TYPE_SENTENCE,
            TEXT,
            self._config[FEATURIZER_CLASS_ALIAS],
        )
        message.add_features(features)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencySafetyNet(GraphComponent):
    """Overrides the intent with `emergency` when the text matches actions.safety's patterns.

    Place it after the intent classifier and before the FallbackClassifier.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencySafetyNet:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if is_emergency(message.get(TEXT) or ""):
                self._mark_emergency(message)
        return messages

    @staticmethod
    def _mark_emergency(message: Message) -> None:
        top = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            intent
            for intent in message.get(INTENT_RANKING_KEY) or []
            if intent.get(INTENT_NAME_KEY) != EMERGENCY_INTENT
        ]
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
