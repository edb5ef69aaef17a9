"""Shared fixtures: a network blocker, a tiny knowledge base and a deterministic fake embedder."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import requests

from actions.knowledge_base.embedding import TextEmbedder
from actions.settings import default_model_path, load_settings
from actions.understanding.example_classifier import ExampleClassifier
from actions.understanding.turn_kind import TurnKinds, examples
from actions.understanding.unknowable import Unknowable, UnknowableKinds
from actions.understanding.unknowable import examples as unknowable_examples
from actions.understanding.words import tokenize
from scripts.stack import RunningStack, running_stack

TEST_KNOWLEDGE = Path(__file__).parent / "data" / "knowledge"
_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # Unix sockets stay local


@pytest.fixture(autouse=True)
def request_blocker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to servers on loopback only; anything else is a bug (no internet here)."""

    def guarded_connect(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return _real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


class FakeEmbedder(TextEmbedder):
    """Hashes stemmed words into a small vector: similar wording gives similar vectors."""

    def __init__(self, dimensions: int = 64) -> None:
        super().__init__(model_path="fake", batch_size=8)
        self.dimensions = dimensions

    @property
    def model_name(self) -> str:
        return "fake-hash"

    @property
    def fingerprint(self) -> str:
        return f"fake-hash-{self.dimensions}"

    def warm_up(self) -> None:
        return None

    def embed(self, texts: list[str], show_progress_bar: bool = False) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                bucket = int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dimensions
                rows[row, bucket] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny test knowledge base."""
    target = tmp_path / "knowledge"
    target.mkdir()
    for path in TEST_KNOWLEDGE.glob("*.md"):
        (target / path.name).write_text(path.read_text("utf-8"), "utf-8")
    return target


# The running stack: `make run` on free ports (scripts/stack.py), shared by the REST and browser
# tests.
class Stack:
    def __init__(self, running: RunningStack, tracker_db: Path) -> None:
        self.rasa = f"http://127.0.0.1:{running.ports['rasa']}"
        self.actions = f"http://127.0.0.1:{running.ports['actions']}"
        self.web = f"http://127.0.0.1:{running.ports['web']}"
        self.tracker_db = tracker_db
        self.ports = running.ports

    def ask(self, text: str, sender: str | None = None) -> list[dict]:
        response = requests.post(
            f"{self.rasa}/webhooks/rest/webhook",
            json={"sender": sender or uuid.uuid4().hex, "message": text},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def answer_text(self, text: str, sender: str | None = None) -> str:
        return "\n".join(message.get("text", "") for message in self.ask(text, sender))


@contextmanager
def make_run(data_dir: Path, **extra_env: str) -> Iterator[Stack]:
    """`make run` on free ports, its conversations and output in `data_dir`.

    Stopped with Ctrl-C (SIGINT), after which every port must be closed.
    """
    tracker_db = data_dir / "conversations.db"
    with running_stack(data_dir / "make-run.log", tracker_db, **extra_env) as running:
        yield Stack(running, tracker_db)
    for port in running.ports.values():
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after Ctrl-C"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with make_run(tmp_path_factory.mktemp("trackers")) as running:
        yield running


@functools.cache
def _real_embedder() -> TextEmbedder:
    return TextEmbedder(default_model_path())


@functools.cache
def _classifier(kind: type, examples_of) -> ExampleClassifier:
    """A classifier production trains from its examples, on the real embedding model."""
    settings = load_settings()
    embedder = _real_embedder()
    return kind(
        examples_of(settings.nlu_dir),
        settings.classifiers_dir,
        embedder.embed,
        embedder.fingerprint,
    )


def _turn_kinds() -> TurnKinds:
    return _classifier(TurnKinds, examples)


def _unknowable_kinds() -> UnknowableKinds:
    return _classifier(UnknowableKinds, unknowable_examples)


def unknowable_of(text: str) -> Unknowable | None:
    """The unknowable kind production reads for `text`, from its examples' classifier."""
    return _unknowable_kinds().kind(text)


def real_classifiers() -> tuple[TurnKinds, UnknowableKinds]:
    """The turn-kind and unknowable-kind classifiers on the real embedding model."""
    return _turn_kinds(), _unknowable_kinds()


def unknowable_match(text: str) -> tuple[Unknowable, str] | None:
    """The unknowable kind and the clause that asks it, as production reads them."""
    return _unknowable_kinds().match(text)


def kind_of(text: str) -> str:
    """The turn kind production reads for `text`: the classifier trained on its examples."""
    return _turn_kinds().read(text).name
