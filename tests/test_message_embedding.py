"""The message's embedding goes from Rasa's NLU to the action server with the action call."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import numpy as np
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from actions.knowledge_base import message_embedding
from actions.knowledge_base.embedding import TextEmbedder
from actions.server import embedding_receiver
from bot import action_call
from tests.test_recent_history import DOMAIN


class CountingEmbedder(TextEmbedder):
    """Embeds into small vectors made from the text's length, counting what it computes."""

    signature = "counting-model"

    def __init__(self) -> None:
        super().__init__(model_path="counting")
        self.computed: list[str] = []

    def _embed(self, texts: list[str], show_progress_bar: bool = False) -> np.ndarray:
        self.computed += texts
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


VECTOR = np.array([0.6, 0.8, 0.0], dtype=np.float32)


def test_a_vector_survives_the_trip_exactly() -> None:
    body = {
        "tracker": {},
        message_embedding.REQUEST_KEY: message_embedding.encode("hi", VECTOR, "m"),
    }
    text, vector, model = message_embedding.decode(body)
    assert (text, model) == ("hi", "m") and vector.dtype == np.float32
    np.testing.assert_array_equal(vector, VECTOR)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "text",
        {"text": "hi"},
        {"text": "hi", "vector": "%%%", "model": "m"},
        {"text": "hi", "vector": "AAA=", "model": "m"},
        {"text": 1, "vector": "AAAAAA==", "model": "m"},
    ],
)
def test_a_missing_or_broken_embedding_is_ignored(value: object) -> None:
    assert message_embedding.decode({message_embedding.REQUEST_KEY: value}) is None
    assert message_embedding.decode(["not", "a", "dict"]) is None


def test_the_embedder_gives_a_remembered_vector_instead_of_computing_it() -> None:
    embedder = CountingEmbedder()
    assert embedder.remember("what causes it?", VECTOR, "counting-model")
    np.testing.assert_array_equal(embedder.embed(["what causes it?"])[0], VECTOR)
    embedder.embed(["what causes it? (mastocytosis)"])
    assert embedder.computed == ["dimensions", "what causes it? (mastocytosis)"]


def test_with_a_cache_each_text_is_computed_once_and_only_the_unknown_ones() -> None:
    embedder = CountingEmbedder()
    embedder.cache_size = 2
    first = embedder.embed(["a", "bb"])
    again = embedder.embed(["bb", "ccc", "a", "ccc"])
    assert embedder.computed == ["a", "bb", "ccc"]
    np.testing.assert_array_equal(again[[2, 0]], first)
    np.testing.assert_array_equal(again[1], again[3])
    embedder.embed(["dddd", "eeeee"])  # remembered vectors make room for at least 256 texts
    assert embedder.embed(["a"]) is not None and embedder.computed[-1] == "eeeee"


def test_without_a_cache_computed_vectors_are_not_kept() -> None:
    embedder = CountingEmbedder()
    embedder.embed(["what is ISM?"])
    embedder.embed(["what is ISM?"])
    assert embedder.computed == ["what is ISM?", "what is ISM?"]


@pytest.mark.parametrize(
    ("vector", "model"),
    [(VECTOR, "another-model"), (np.zeros(4, dtype=np.float32), "counting-model")],
)
def test_a_vector_of_another_model_or_size_is_refused(vector: np.ndarray, model: str) -> None:
    embedder = CountingEmbedder()
    assert not embedder.remember("hi", vector, model)
    embedder.embed(["hi"])
    assert embedder.computed[-1] == "hi"


def test_rasa_sends_the_vector_of_the_latest_message_with_the_action_call() -> None:
    action_call.install()
    action = RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1/webhook"))
    tracker = DialogueStateTracker("alice", DOMAIN.slots)
    tracker.update(
        UserUttered("what is ISM?", {"name": "ask_what_is"}, parse_data={"text": "what is ISM?"})
    )
    assert message_embedding.REQUEST_KEY not in action._action_call_format(tracker, DOMAIN)
    action_call.remember_message_embedding("what is ISM?", VECTOR, "counting-model")
    body = action._action_call_format(tracker, DOMAIN)
    assert body["tracker"]["latest_message"]["text"] == "what is ISM?"  # the rest as Rasa makes it
    text, vector, model = message_embedding.decode(body)
    assert (text, model) == ("what is ISM?", "counting-model")
    np.testing.assert_array_equal(vector, VECTOR)


def test_the_action_server_hands_it_to_the_embedder() -> None:
    embedder = CountingEmbedder()
    receive = embedding_receiver(embedder)
    body = {message_embedding.REQUEST_KEY: message_embedding.encode("hi", VECTOR, "counting-model")}
    asyncio.run(receive(SimpleNamespace(method="GET", path="/health", json=body)))
    asyncio.run(receive(SimpleNamespace(method="POST", path="/webhook", json=None)))
    assert embedder.computed == []
    asyncio.run(receive(SimpleNamespace(method="POST", path="/webhook", json=body)))
    embedder.embed(["hi"])
    assert embedder.computed == ["dimensions"]
