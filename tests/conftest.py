"""Shared fixtures: a network blocker, a tiny knowledge base and a deterministic fake embedder."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from pathlib import Path

import numpy as np
import pytest

from actions.embedding import TextEmbedder
from actions.retrieval import tokenize

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
