"""A Rasa NLU featurizer that adds all-MiniLM-L6-v2 sentence embeddings to every message.

Word and character n-grams only know the wording of the training examples; a sentence embedding
also knows that "why did I get this" and "what causes it" mean much the same. DIET gets both.
The model is the one the action server uses, loaded from its Python package (no download).
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
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.embedding import TextEmbedder
from actions.settings import default_model_path


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
